#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Writes a full-size SSD300 checkpoint in NVIDIA's layout, as the torch hub entry nvidia_ssd downloads it, and the
same tensors as a plain dict (what the weights loader read before it had its own torch.save reader):
    /usr/bin/python3 make_ssd300_checkpoint.py CHECKPOINT.pt PLAIN.pt [SEED]
CHECKPOINT.pt: torch.save (zip format) of {'model': OrderedDict state dict, 'epoch', 'iteration', 'optimizer',
'scheduler', 'label_map'}; PLAIN.pt: torch.save(dict(state_dict)). Needs Debian's python3-torch and
python3-torchvision. Used by tests/engine/ssd/test_checkpoint.cpp at test time (the files are 88 MiB each)."""
import collections
import sys

import torch
import torch.nn as nn
import torchvision


class ResNetTrunk(nn.Module):
    """torchvision's ResNet-50 conv1..layer3, layer3 without its stride: NVIDIA's feature_extractor."""

    def __init__(self):
        super().__init__()
        resnet = torchvision.models.resnet50(weights=None)
        self.feature_extractor = nn.Sequential(resnet.conv1, resnet.bn1, resnet.relu, resnet.maxpool,
                                               resnet.layer1, resnet.layer2, resnet.layer3)
        first = self.feature_extractor[-1][0]
        first.conv1.stride = first.conv2.stride = first.downsample[0].stride = (1, 1)


class SSD300(nn.Module):
    """NVIDIA DeepLearningExamples' SSD300 v1.1 (81 COCO classes, 8732 boxes), parameter names as published."""

    CHANNELS = [1024, 512, 512, 256, 256, 256]
    MIDDLE = [256, 256, 128, 128, 128]
    BOXES = [4, 6, 6, 6, 4, 4]

    def __init__(self, classes=81):
        super().__init__()
        self.feature_extractor = ResNetTrunk()
        blocks = []
        for i, (cin, cout, mid) in enumerate(zip(self.CHANNELS[:-1], self.CHANNELS[1:], self.MIDDLE)):
            stride, padding = (2, 1) if i < 3 else (1, 0)
            blocks.append(nn.Sequential(
                nn.Conv2d(cin, mid, 1, bias=False), nn.BatchNorm2d(mid), nn.ReLU(inplace=True),
                nn.Conv2d(mid, cout, 3, stride=stride, padding=padding, bias=False), nn.BatchNorm2d(cout),
                nn.ReLU(inplace=True)))
        self.additional_blocks = nn.ModuleList(blocks)
        self.loc = nn.ModuleList(nn.Conv2d(c, n * 4, 3, padding=1) for n, c in zip(self.BOXES, self.CHANNELS))
        self.conf = nn.ModuleList(nn.Conv2d(c, n * classes, 3, padding=1) for n, c in zip(self.BOXES, self.CHANNELS))


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    torch.manual_seed(int(sys.argv[3]) if len(sys.argv) > 3 else 3)
    model = SSD300()
    with torch.no_grad():  # running statistics that are not the identity, so that BatchNorm matters
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.running_mean.uniform_(-0.1, 0.1)
                module.running_var.uniform_(0.8, 1.2)
    state = model.state_dict()
    assert isinstance(state, collections.OrderedDict)
    checkpoint = {"epoch": 65, "iteration": 120000,
                  "optimizer": {"state": {}, "param_groups": [{"lr": 2.6e-3, "momentum": 0.9, "weight_decay": 5e-4,
                                                               "params": list(range(len(list(model.parameters()))))}]},
                  "scheduler": {"milestones": collections.Counter({43: 1, 54: 1}), "last_epoch": 65},
                  "label_map": {i: i for i in range(1, 81)}, "model": state}
    torch.save(checkpoint, sys.argv[1])
    torch.save(dict(state), sys.argv[2])


if __name__ == "__main__":
    main()
