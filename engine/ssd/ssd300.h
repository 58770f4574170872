// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal to es_engine and its tests: includes LibTorch.
#include <torch/torch.h>

#include <vector>

#include "es_config.h"

namespace es::engine {

/// No autograd while running the model: InferenceMode where LibTorch has it (1.9+), NoGradGuard before (Ubuntu
/// 22.04's libtorch-dev is 1.8, Debian 11's 1.7).
#if ES_TORCH_VERSION_MAJOR > 1 || (ES_TORCH_VERSION_MAJOR == 1 && ES_TORCH_VERSION_MINOR >= 9)
using InferenceGuard = c10::InferenceMode;
#else
using InferenceGuard = torch::NoGradGuard;
#endif

/// ResNet bottleneck block as torchvision defines it (v1.5: the stride sits on the 3x3 convolution), with the same
/// child names (conv1, bn1, ..., downsample.0/1) so that state dicts exported from PyTorch load by name.
class BottleneckImpl : public torch::nn::Module
{
public:
    BottleneckImpl(int64_t inChannels, int64_t width, int64_t stride, bool withDownsample);
    torch::Tensor forward(torch::Tensor x);

    torch::nn::Conv2d conv1 { nullptr }, conv2 { nullptr }, conv3 { nullptr };
    torch::nn::BatchNorm2d bn1 { nullptr }, bn2 { nullptr }, bn3 { nullptr };
    torch::nn::Sequential downsample { nullptr };
};
TORCH_MODULE(Bottleneck);

/// A Sequential with a plain forward(Tensor), so that it can sit inside another Sequential (a ResNet layer).
class LayerImpl : public torch::nn::SequentialImpl
{
public:
    using SequentialImpl::SequentialImpl;
    torch::Tensor forward(torch::Tensor x) { return SequentialImpl::forward(x); }
};
TORCH_MODULE(Layer);

/// A ResNet layer of `blocks` bottlenecks of `width` (output 4 x width channels), the first with `stride` and a
/// downsample where the shape changes; `inChannels` is updated to the layer's output channels.
Layer makeResNetLayer(int64_t& inChannels, int64_t width, int64_t blocks, int64_t stride);

/// The backbone wrapper of NVIDIA's SSD300 ("feature_extractor.feature_extractor.N..."): ResNet-50 conv1..layer3,
/// with stride 1 in the first block of layer3, so that a 300x300 input gives 1024 x 38 x 38.
class ResNetTrunkImpl : public torch::nn::Module
{
public:
    ResNetTrunkImpl();
    torch::Tensor forward(torch::Tensor x) { return feature_extractor->forward(x); }
    torch::nn::Sequential feature_extractor { nullptr };
};
TORCH_MODULE(ResNetTrunk);

/// SSD300 v1.1 as in NVIDIA's DeepLearningExamples: the ResNet-50 trunk, five extra blocks, and 3x3 location and
/// confidence heads on six feature maps (38, 19, 10, 5, 3, 1) with [4, 6, 6, 6, 4, 4] default boxes per cell, so
/// 8732 boxes and 81 classes. forward() takes N x 3 x 300 x 300 (values -1..1) and returns locations N x 4 x 8732
/// and confidence logits N x 81 x 8732. Parameter names match NVIDIA's state dict. Use from one thread at a time.
class Ssd300Impl : public torch::nn::Module
{
public:
    static constexpr int64_t kInputSize = 300;
    static constexpr int64_t kNumClasses = 81;
    static constexpr int64_t kNumDefaultBoxes = 8732;

    Ssd300Impl();
    std::pair<torch::Tensor, torch::Tensor> forward(torch::Tensor images);

    /// The initialization of NVIDIA's training script: torchvision's for the trunk (Kaiming normal, fan-out) and
    /// Xavier uniform for the extra blocks and heads; deterministic for a given seed.
    void initializeSeeded(uint64_t seed);

    ResNetTrunk feature_extractor { nullptr };
    torch::nn::ModuleList additional_blocks { nullptr };
    torch::nn::ModuleList loc { nullptr };
    torch::nn::ModuleList conf { nullptr };
};
TORCH_MODULE(Ssd300);

/// Number of parameters (weights and biases; BatchNorm running statistics are buffers and not counted).
int64_t countParameters(const torch::nn::Module& module);

} // namespace es::engine
