// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal to es_engine and its tests: includes LibTorch.
#include "zoo/classifiers.h"

namespace es::engine {

/// DeepLabV3 (Chen et al. 2017) on a MobileNetV2 backbone at output stride 16, 21 PASCAL VOC classes, with the names
/// of VainF/DeepLabV3Plus-Pytorch's `deeplabv3_mobilenet` (backbone.low_level_features = MobileNetV2 features 0-3,
/// backbone.high_level_features = features 4-17, classifier.classifier = ASPP with rates 6/12/18 and image pooling,
/// a 3x3 convolution and the 1x1 classifier), so its published VOC checkpoint loads by name. forward() takes
/// N x 3 x 257 x 257 (ImageNet-normalized) and returns class logits N x 21 x 257 x 257 (bilinear upsampling of the
/// stride-16 map). 5,113,877 parameters. One thread at a time.
class DeepLabV3MobileNetImpl : public torch::nn::Module
{
public:
    static constexpr int64_t kClasses = 21;
    DeepLabV3MobileNetImpl();
    torch::Tensor forward(torch::Tensor x);

    struct Backbone : torch::nn::Module
    {
        Layer low_level_features { nullptr }, high_level_features { nullptr };
    };
    std::shared_ptr<Backbone> backbone;
    std::shared_ptr<torch::nn::Module> classifier;
    torch::nn::ModuleList asppBranches { nullptr }; ///< classifier.classifier.0.convs
    torch::nn::Sequential asppProject { nullptr }; ///< classifier.classifier.0.project
    torch::nn::ModuleList head { nullptr }; ///< classifier.classifier: ASPP, conv, BN, ReLU, conv
    torch::nn::Conv2d headConv { nullptr }, logits { nullptr };
    torch::nn::BatchNorm2d headNorm { nullptr };
};
TORCH_MODULE(DeepLabV3MobileNet);

/// SimpleBaseline pose estimation (Xiao et al. 2018, microsoft/human-pose-estimation.pytorch `pose_resnet`):
/// a ResNet-50 backbone (ResNet50Impl without its classifier: the same names), three 4x4 stride-2 deconvolutions of 256
/// channels with BatchNorm and ReLU
/// (`deconv_layers`), and a 1x1 convolution to 17 COCO keypoint heatmaps (`final_layer`). forward() takes
/// N x 3 x 256 x 192 (ImageNet-normalized) and returns heatmaps N x 17 x 64 x 48. 33,999,697 parameters (the
/// paper's 34.0 M). One thread at a time.
class PoseResNetImpl : public ResNet50Impl
{
public:
    static constexpr int64_t kKeypoints = 17;
    PoseResNetImpl();
    torch::Tensor forward(torch::Tensor x);

    torch::nn::Sequential deconv_layers { nullptr };
    torch::nn::Conv2d final_layer { nullptr };
};
TORCH_MODULE(PoseResNet);

} // namespace es::engine
