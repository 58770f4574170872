#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the checkpoint fixtures of tests/engine/ssd/test_checkpoint.cpp: one tiny module's state dict saved by
torch.save in each layout the weights loader reads, a few broken files, and expected.json (the tensors' names, shapes,
dtypes and values, and what each fixture holds). Run it with Debian's python3-torch, from anywhere:
    /usr/bin/python3 tests/data/weights/make_fixtures.py
The outputs are committed; run it again only to change the fixtures (legacy files name their storages by memory
address, so their bytes differ from run to run, never their contents)."""
import argparse
import collections
import io
import json
import os
import pickle
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 5


class Tiny(nn.Module):
    """The module of the fixtures; test_checkpoint.cpp builds the same one (conv, bn, fc)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4, 2)


def reference():
    torch.manual_seed(SEED)
    model = Tiny()
    with torch.no_grad():
        model.bn.weight.uniform_(0.5, 1.5)
        model.bn.bias.uniform_(-0.5, 0.5)
        model.bn.running_mean.uniform_(-1, 1)
        model.bn.running_var.uniform_(0.5, 2)
        model.bn.num_batches_tracked.fill_(7)
    return model


def optimizer_state(model):
    """An SGD optimizer after one step: state keyed by parameter index (ints), momentum buffers (tensors)."""
    sgd = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model.fc(model.conv(torch.ones(1, 3, 3, 3)).flatten(1)).sum().backward()
    sgd.step()
    return sgd.state_dict()


def views_of(state):
    """The same values as views into one shared storage: offsets, a step, a transpose, a column."""
    big = torch.zeros(400)
    views = collections.OrderedDict()
    big[16:124] = state["conv.weight"].flatten()
    views["conv.weight"] = big[16:124].view(4, 3, 3, 3)  # offset 16
    big[130:142:3] = state["conv.bias"]
    views["conv.bias"] = big[130:142:3]  # stride 3
    for i, name in enumerate(["bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"]):
        big[150 + 4 * i:154 + 4 * i] = state[name]
        views[name] = big[150 + 4 * i:154 + 4 * i]
    views["bn.num_batches_tracked"] = state["bn.num_batches_tracked"]
    big[200:208] = state["fc.weight"].t().flatten()
    views["fc.weight"] = big[200:208].view(4, 2).t()  # shape [2, 4], strides [1, 2]
    big[220:226].view(2, 3)[:, 1] = state["fc.bias"]
    views["fc.bias"] = big[220:226].view(2, 3)[:, 1]  # offset 221, stride 3
    return views


def save(obj, name, **kwargs):
    path = os.path.join(HERE, name)
    torch.save(obj, path, **kwargs)
    return path


def check(path, expected, where, prefix, dtype):
    loaded = torch.load(path)
    for key in where:
        loaded = loaded[key]
    for name, tensor in expected.items():
        got = loaded[prefix + name]
        want = tensor.to(dtype) if tensor.is_floating_point() else tensor
        assert got.dtype == want.dtype and torch.equal(got, want), (path, name)


def main():
    model = reference()
    state = collections.OrderedDict((k, v.detach().clone()) for k, v in model.state_dict().items())
    state._metadata = model.state_dict()._metadata  # as model.state_dict() returns it
    half = collections.OrderedDict((k, v.half() if v.is_floating_point() else v) for k, v in state.items())
    bf16 = collections.OrderedDict((k, v.bfloat16() if v.is_floating_point() else v) for k, v in state.items())
    prefixed = collections.OrderedDict(("module." + k, v) for k, v in state.items())
    optim = optimizer_state(reference())
    args = argparse.Namespace(lr=0.1, batch_size=8, arch="tiny")

    fixtures = {}

    def fixture(name, obj, fmt, where=(), prefix="", dtype="float32", ignored=(), unknown=(), strides=None, **kw):
        path = save(obj, name, **kw)
        check(path, state, where, prefix, getattr(torch, dtype))
        fixtures[name] = {"format": fmt, "where": list(where), "prefix": prefix, "dtype": dtype,
                          "ignored": list(ignored), "unknown_globals": list(unknown), "strides": strides or {}}

    legacy = {"_use_new_zipfile_serialization": False}
    fixture("tiny_state_dict.pt", state, "zip")
    fixture("tiny_checkpoint.pt", {"model": state, "epoch": 3, "optimizer": optim, "args": args}, "zip",
            where=["model"], ignored=["epoch", "optimizer", "args"], unknown=["argparse.Namespace"])
    fixture("tiny_legacy.pt", state, "legacy", **legacy)
    fixture("tiny_legacy_checkpoint.pt", {"model_state": state, "optimizer_state": optim, "cur_itrs": 30000,
                                          "best_score": 0.701}, "legacy", where=["model_state"],
            ignored=["optimizer_state", "cur_itrs", "best_score"], **legacy)
    fixture("tiny_amp_fp16.pt", {"model": half, "epoch": 1, "scaler": {"scale": 65536.0, "growth_factor": 2.0}},
            "zip", where=["model"], dtype="float16", ignored=["epoch", "scaler"])
    fixture("tiny_bf16.pt", bf16, "zip", dtype="bfloat16")
    fixture("tiny_dataparallel.pt", {"state_dict": prefixed}, "zip", where=["state_dict"], prefix="module.")
    view_strides = {"conv.bias": [3], "fc.weight": [1, 2], "fc.bias": [3]}
    fixture("tiny_views.pt", views_of(state), "zip", strides=view_strides)
    fixture("tiny_views_legacy.pt", views_of(state), "legacy", strides=view_strides, **legacy)
    fixture("tiny_protocol4.pt", state, "zip", pickle_protocol=4)

    # Broken files: cut in the middle (the zip loses its central directory, the legacy file its storages), and a
    # whole pickled module (torch.save(model)), whose tensors live inside a Python object.
    for good, cut, keep in (("tiny_state_dict.pt", "tiny_truncated.pt", 2 / 3),
                            ("tiny_legacy.pt", "tiny_legacy_truncated.pt", 0.9)):
        data = open(os.path.join(HERE, good), "rb").read()
        open(os.path.join(HERE, cut), "wb").write(data[:int(len(data) * keep)])
    torch.save(model, os.path.join(HERE, "tiny_whole_module.pt"))

    tensors = {name: {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", ""),
                      "values": t.flatten().tolist()} for name, t in state.items()}
    with open(os.path.join(HERE, "expected.json"), "w") as out:
        json.dump({"seed": SEED, "torch": torch.__version__, "tensors": tensors, "fixtures": fixtures,
                   "broken": {"tiny_truncated.pt": "zip", "tiny_legacy_truncated.pt": "legacy",
                              "tiny_whole_module.pt": "__main__.Tiny"}}, out, indent=1)
        out.write("\n")
    print("wrote", len(fixtures) + 3, "fixtures and expected.json to", HERE)


if __name__ == "__main__":
    sys.exit(main())
