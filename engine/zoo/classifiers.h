// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal to es_engine and its tests: includes LibTorch.
#include "ssd/ssd300.h"

namespace es::engine {

/// ResNet-50 as torchvision builds it (v1.5: stride on the 3x3 convolution of each bottleneck), with torchvision's
/// child names (conv1, bn1, layer1..layer4, fc) so that `torchvision.models.resnet50().state_dict()` loads by name.
/// forward() takes N x 3 x H x W (ImageNet-normalized) and returns the 1000 class logits, N x 1000; features() stops
/// before the pooling (N x 2048 x H/32 x W/32) for backbones. 25,557,032 parameters. One thread at a time.
class ResNet50Impl : public torch::nn::Module
{
public:
    explicit ResNet50Impl(bool withClassifier = true);
    torch::Tensor features(torch::Tensor x);
    torch::Tensor forward(torch::Tensor x);

    torch::nn::Conv2d conv1 { nullptr };
    torch::nn::BatchNorm2d bn1 { nullptr };
    Layer layer1 { nullptr }, layer2 { nullptr }, layer3 { nullptr }, layer4 { nullptr };
    torch::nn::Linear fc { nullptr };
};
TORCH_MODULE(ResNet50);

/// MobileNetV2's inverted residual block (Sandler et al. 2018) with torchvision's names: `conv` holds the 1x1
/// expansion (conv.0.0/conv.0.1, absent when the expansion is 1), the 3x3 depthwise convolution, then the linear 1x1
/// projection and its BatchNorm. `dilation` > 1 keeps the resolution (DeepLab's output stride).
class InvertedResidualImpl : public torch::nn::Module
{
public:
    InvertedResidualImpl(int64_t in, int64_t out, int64_t stride, int64_t expansion, int64_t dilation = 1);
    torch::Tensor forward(torch::Tensor x);

    Layer conv { nullptr };
    bool residual = false;
};
TORCH_MODULE(InvertedResidual);

/// MobileNetV2 (width 1.0) as torchvision builds it: `features.0`..`features.18` (the stem, 17 inverted residual
/// blocks, the 1x1 convolution to 1280) and `classifier.1`, the 1000-class linear layer. forward() takes
/// N x 3 x 224 x 224 (ImageNet-normalized) and returns N x 1000 logits. 3,504,872 parameters.
/// `outputStride` 16 (DeepLab) replaces the last stride-2 stage by dilation 2; `withClassifier` false leaves out
/// features.18 and the classifier. One thread at a time.
class MobileNetV2Impl : public torch::nn::Module
{
public:
    explicit MobileNetV2Impl(bool withClassifier = true, int64_t outputStride = 32);
    torch::Tensor forward(torch::Tensor x);

    Layer features { nullptr };
    torch::nn::Sequential classifier { nullptr };
};
TORCH_MODULE(MobileNetV2);

/// A convolution (no bias), BatchNorm and an activation, as torchvision's Conv2dNormActivation (children 0, 1, 2).
Layer convBnActivation(int64_t in, int64_t out, int64_t kernel, int64_t stride = 1, int64_t groups = 1,
    int64_t dilation = 1, bool relu6 = true);

} // namespace es::engine
