// SPDX-License-Identifier: Apache-2.0
#include "ssd/ssd300.h"

#include <cmath>

namespace es::engine {

namespace nn = torch::nn;

namespace {

nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel, int64_t stride = 1, int64_t padding = 0, bool bias = false)
{
    return nn::Conv2d(nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(bias));
}

} // namespace

Layer makeResNetLayer(int64_t& inChannels, int64_t width, int64_t blocks, int64_t stride)
{
    Layer layer;
    for (int64_t i = 0; i < blocks; ++i) {
        const bool first = i == 0;
        const bool needsDownsample = first && (stride != 1 || inChannels != width * 4);
        layer->push_back(Bottleneck(inChannels, width, first ? stride : 1, needsDownsample));
        inChannels = width * 4;
    }
    return layer;
}

BottleneckImpl::BottleneckImpl(int64_t inChannels, int64_t width, int64_t stride, bool withDownsample)
{
    conv1 = register_module("conv1", conv(inChannels, width, 1));
    bn1 = register_module("bn1", nn::BatchNorm2d(width));
    conv2 = register_module("conv2", conv(width, width, 3, stride, 1));
    bn2 = register_module("bn2", nn::BatchNorm2d(width));
    conv3 = register_module("conv3", conv(width, width * 4, 1));
    bn3 = register_module("bn3", nn::BatchNorm2d(width * 4));
    if (withDownsample) {
        downsample = register_module(
            "downsample", nn::Sequential(conv(inChannels, width * 4, 1, stride), nn::BatchNorm2d(width * 4)));
    }
}

torch::Tensor BottleneckImpl::forward(torch::Tensor x)
{
    torch::Tensor identity = downsample ? downsample->forward(x) : x;
    torch::Tensor out = torch::relu(bn1->forward(conv1->forward(x)));
    out = torch::relu(bn2->forward(conv2->forward(out)));
    out = bn3->forward(conv3->forward(out));
    return torch::relu(out + identity);
}

ResNetTrunkImpl::ResNetTrunkImpl()
{
    int64_t channels = 64;
    feature_extractor = nn::Sequential(conv(3, 64, 7, 2, 3), nn::BatchNorm2d(64), nn::ReLU(nn::ReLUOptions(true)),
        nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1)));
    feature_extractor->push_back(makeResNetLayer(channels, 64, 3, 1)); // layer1: 256 x 75 x 75
    feature_extractor->push_back(makeResNetLayer(channels, 128, 4, 2)); // layer2: 512 x 38 x 38
    // layer3 with stride 1 in its first block (conv1, conv2 and the downsample conv): 1024 x 38 x 38.
    feature_extractor->push_back(makeResNetLayer(channels, 256, 6, 1));
    register_module("feature_extractor", feature_extractor);
}

Ssd300Impl::Ssd300Impl()
{
    feature_extractor = register_module("feature_extractor", ResNetTrunk());
    const int64_t outChannels[6] = { 1024, 512, 512, 256, 256, 256 };
    const int64_t middleChannels[5] = { 256, 256, 128, 128, 128 };
    const int64_t boxesPerCell[6] = { 4, 6, 6, 6, 4, 4 };
    additional_blocks = register_module("additional_blocks", nn::ModuleList());
    for (int i = 0; i < 5; ++i) {
        const bool strided = i < 3;
        additional_blocks->push_back(nn::Sequential(conv(outChannels[i], middleChannels[i], 1),
            nn::BatchNorm2d(middleChannels[i]), nn::ReLU(nn::ReLUOptions(true)),
            conv(middleChannels[i], outChannels[i + 1], 3, strided ? 2 : 1, strided ? 1 : 0),
            nn::BatchNorm2d(outChannels[i + 1]), nn::ReLU(nn::ReLUOptions(true))));
    }
    loc = register_module("loc", nn::ModuleList());
    conf = register_module("conf", nn::ModuleList());
    for (int i = 0; i < 6; ++i) {
        loc->push_back(conv(outChannels[i], boxesPerCell[i] * 4, 3, 1, 1, true));
        conf->push_back(conv(outChannels[i], boxesPerCell[i] * kNumClasses, 3, 1, 1, true));
    }
}

std::pair<torch::Tensor, torch::Tensor> Ssd300Impl::forward(torch::Tensor images)
{
    torch::Tensor x = feature_extractor->forward(images);
    std::vector<torch::Tensor> feeds { x };
    for (const auto& block : *additional_blocks) {
        x = block->as<nn::Sequential>()->forward(x);
        feeds.push_back(x);
    }
    std::vector<torch::Tensor> locs, confs;
    for (size_t i = 0; i < feeds.size(); ++i) {
        const int64_t n = feeds[i].size(0);
        locs.push_back(loc[i]->as<nn::Conv2d>()->forward(feeds[i]).reshape({ n, 4, -1 }));
        confs.push_back(conf[i]->as<nn::Conv2d>()->forward(feeds[i]).reshape({ n, kNumClasses, -1 }));
    }
    return { torch::cat(locs, 2).contiguous(), torch::cat(confs, 2).contiguous() };
}

void Ssd300Impl::initializeSeeded(uint64_t seed)
{
    torch::NoGradGuard noGrad;
    torch::manual_seed(seed);
    for (auto& module : feature_extractor->modules(/*include_self=*/false)) {
        if (auto* convolution = module->as<nn::Conv2d>())
            nn::init::kaiming_normal_(convolution->weight, 0.0, torch::kFanOut, torch::kReLU);
        else if (auto* norm = module->as<nn::BatchNorm2d>()) {
            nn::init::ones_(norm->weight);
            nn::init::zeros_(norm->bias);
        }
    }
    for (nn::ModuleList* list : { &additional_blocks, &loc, &conf }) {
        for (auto& parameter : (*list)->parameters()) {
            if (parameter.dim() > 1)
                nn::init::xavier_uniform_(parameter);
        }
    }
    // Head biases keep PyTorch's default rule, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn here from the seed.
    for (nn::ModuleList* list : { &loc, &conf }) {
        for (auto& module : (*list)->children()) {
            auto* convolution = module->as<nn::Conv2d>();
            const double fanIn
                = double(convolution->weight.size(1) * convolution->weight.size(2) * convolution->weight.size(3));
            nn::init::uniform_(convolution->bias, -1.0 / std::sqrt(fanIn), 1.0 / std::sqrt(fanIn));
        }
    }
}

int64_t countParameters(const torch::nn::Module& module)
{
    int64_t total = 0;
    for (const auto& parameter : module.parameters())
        total += parameter.numel();
    return total;
}

} // namespace es::engine
