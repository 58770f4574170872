// SPDX-License-Identifier: Apache-2.0
#include "zoo/classifiers.h"

namespace es::engine {

namespace nn = torch::nn;

Layer convBnActivation(
    int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t groups, int64_t dilation, bool relu6)
{
    const int64_t padding = (kernel - 1) / 2 * dilation;
    Layer block(nn::Conv2d(nn::Conv2dOptions(in, out, kernel)
                               .stride(stride)
                               .padding(padding)
                               .dilation(dilation)
                               .groups(groups)
                               .bias(false)),
        nn::BatchNorm2d(out));
    if (relu6)
        block->push_back(nn::Functional([](const torch::Tensor& x) { return torch::clamp(x, 0, 6); }));
    else
        block->push_back(nn::ReLU(nn::ReLUOptions(true)));
    return block;
}

ResNet50Impl::ResNet50Impl(bool withClassifier)
{
    conv1 = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(3, 64, 7).stride(2).padding(3).bias(false)));
    bn1 = register_module("bn1", nn::BatchNorm2d(64));
    int64_t channels = 64;
    layer1 = register_module("layer1", makeResNetLayer(channels, 64, 3, 1));
    layer2 = register_module("layer2", makeResNetLayer(channels, 128, 4, 2));
    layer3 = register_module("layer3", makeResNetLayer(channels, 256, 6, 2));
    layer4 = register_module("layer4", makeResNetLayer(channels, 512, 3, 2));
    if (withClassifier)
        fc = register_module("fc", nn::Linear(2048, 1000));
}

torch::Tensor ResNet50Impl::features(torch::Tensor x)
{
    x = torch::relu(bn1->forward(conv1->forward(x)));
    x = torch::max_pool2d(x, 3, 2, 1);
    return layer4->forward(layer3->forward(layer2->forward(layer1->forward(x))));
}

torch::Tensor ResNet50Impl::forward(torch::Tensor x)
{
    x = torch::adaptive_avg_pool2d(features(x), { 1, 1 }).flatten(1);
    return fc->forward(x);
}

InvertedResidualImpl::InvertedResidualImpl(int64_t in, int64_t out, int64_t stride, int64_t expansion, int64_t dilation)
{
    const int64_t hidden = in * expansion;
    residual = stride == 1 && in == out;
    conv = Layer();
    if (expansion != 1)
        conv->push_back(convBnActivation(in, hidden, 1));
    conv->push_back(convBnActivation(hidden, hidden, 3, stride, hidden, dilation));
    conv->push_back(nn::Conv2d(nn::Conv2dOptions(hidden, out, 1).bias(false)));
    conv->push_back(nn::BatchNorm2d(out));
    register_module("conv", conv);
}

torch::Tensor InvertedResidualImpl::forward(torch::Tensor x)
{
    return residual ? x + conv->forward(x) : conv->forward(x);
}

MobileNetV2Impl::MobileNetV2Impl(bool withClassifier, int64_t outputStride)
{
    // t (expansion), c (channels), n (blocks), s (stride of the first block): the paper's Table 2.
    const int64_t settings[7][4] = { { 1, 16, 1, 1 }, { 6, 24, 2, 2 }, { 6, 32, 3, 2 }, { 6, 64, 4, 2 },
        { 6, 96, 3, 1 }, { 6, 160, 3, 2 }, { 6, 320, 1, 1 } };
    features = Layer();
    features->push_back(convBnActivation(3, 32, 3, 2));
    int64_t channels = 32, currentStride = 2, dilation = 1;
    for (const auto& setting : settings) {
        int64_t stride = setting[3];
        const int64_t previousDilation = dilation;
        if (currentStride * stride > outputStride) {
            // DeepLab: past the output stride, keep the resolution and widen the convolutions instead.
            dilation *= stride;
            stride = 1;
        } else {
            currentStride *= stride;
        }
        for (int64_t i = 0; i < setting[2]; ++i) {
            features->push_back(InvertedResidual(
                channels, setting[1], i == 0 ? stride : 1, setting[0], i == 0 ? previousDilation : dilation));
            channels = setting[1];
        }
    }
    if (withClassifier) {
        features->push_back(convBnActivation(channels, 1280, 1));
        classifier = register_module("classifier", nn::Sequential(nn::Dropout(0.2), nn::Linear(1280, 1000)));
    }
    register_module("features", features);
}

torch::Tensor MobileNetV2Impl::forward(torch::Tensor x)
{
    x = features->forward(x);
    if (!classifier)
        return x;
    x = torch::adaptive_avg_pool2d(x, { 1, 1 }).flatten(1);
    return classifier->forward(x);
}

} // namespace es::engine
