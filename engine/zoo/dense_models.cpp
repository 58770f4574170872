// SPDX-License-Identifier: Apache-2.0
#include "zoo/dense_models.h"

namespace es::engine {

namespace nn = torch::nn;
namespace F = torch::nn::functional;

namespace {

nn::Sequential convBnRelu(int64_t in, int64_t out, int64_t kernel, int64_t dilation = 1)
{
    return nn::Sequential(
        nn::Conv2d(
            nn::Conv2dOptions(in, out, kernel).padding((kernel - 1) / 2 * dilation).dilation(dilation).bias(false)),
        nn::BatchNorm2d(out), nn::ReLU(nn::ReLUOptions(true)));
}

/// The ASPP of DeepLabV3 as a module with VainF's child names (convs, project); forward is done by the owner.
struct AsppModule : nn::Module
{
    nn::ModuleList convs { nullptr };
    nn::Sequential project { nullptr };
};

} // namespace

DeepLabV3MobileNetImpl::DeepLabV3MobileNetImpl()
{
    MobileNetV2 mobilenet(/*withClassifier=*/false, /*outputStride=*/16);
    backbone = register_module("backbone", std::make_shared<Backbone>());
    backbone->low_level_features = Layer();
    backbone->high_level_features = Layer();
    int index = 0;
    for (const nn::AnyModule& block : *mobilenet->features)
        (index++ < 4 ? backbone->low_level_features : backbone->high_level_features)->push_back(block);
    backbone->register_module("low_level_features", backbone->low_level_features);
    backbone->register_module("high_level_features", backbone->high_level_features);

    auto aspp = std::make_shared<AsppModule>();
    asppBranches = nn::ModuleList();
    asppBranches->push_back(convBnRelu(320, 256, 1));
    for (int64_t rate : { 6, 12, 18 })
        asppBranches->push_back(convBnRelu(320, 256, 3, rate));
    nn::Sequential pooling(nn::AdaptiveAvgPool2d(1), nn::Conv2d(nn::Conv2dOptions(320, 256, 1).bias(false)),
        nn::BatchNorm2d(256), nn::ReLU(nn::ReLUOptions(true)));
    asppBranches->push_back(pooling);
    asppProject = nn::Sequential(nn::Conv2d(nn::Conv2dOptions(5 * 256, 256, 1).bias(false)), nn::BatchNorm2d(256),
        nn::ReLU(nn::ReLUOptions(true)), nn::Dropout(0.1));
    aspp->convs = aspp->register_module("convs", asppBranches);
    aspp->project = aspp->register_module("project", asppProject);

    headConv = nn::Conv2d(nn::Conv2dOptions(256, 256, 3).padding(1).bias(false));
    headNorm = nn::BatchNorm2d(256);
    logits = nn::Conv2d(nn::Conv2dOptions(256, kClasses, 1));
    head = nn::ModuleList();
    head->push_back(aspp);
    head->push_back(headConv);
    head->push_back(headNorm);
    head->push_back(nn::ReLU(nn::ReLUOptions(true)));
    head->push_back(logits);
    classifier = register_module("classifier", std::make_shared<nn::Module>());
    classifier->register_module("classifier", head);
}

torch::Tensor DeepLabV3MobileNetImpl::forward(torch::Tensor x)
{
    const std::vector<int64_t> size { x.size(2), x.size(3) };
    torch::Tensor features = backbone->high_level_features->forward(backbone->low_level_features->forward(x));
    std::vector<torch::Tensor> branches;
    for (size_t i = 0; i + 1 < asppBranches->size(); ++i)
        branches.push_back(asppBranches[i]->as<nn::Sequential>()->forward(features));
    torch::Tensor pooled = asppBranches[asppBranches->size() - 1]->as<nn::Sequential>()->forward(features);
    branches.push_back(F::interpolate(pooled,
        F::InterpolateFuncOptions()
            .size(std::vector<int64_t> { features.size(2), features.size(3) })
            .mode(torch::kBilinear)
            .align_corners(false)));
    torch::Tensor y = asppProject->forward(torch::cat(branches, 1));
    y = logits->forward(torch::relu(headNorm->forward(headConv->forward(y))));
    return F::interpolate(y, F::InterpolateFuncOptions().size(size).mode(torch::kBilinear).align_corners(false));
}

PoseResNetImpl::PoseResNetImpl() : ResNet50Impl(/*withClassifier=*/false)
{
    const int64_t channels = 2048;
    deconv_layers = nn::Sequential();
    for (int i = 0; i < 3; ++i) {
        deconv_layers->push_back(nn::ConvTranspose2d(
            nn::ConvTranspose2dOptions(i == 0 ? channels : 256, 256, 4).stride(2).padding(1).bias(false)));
        deconv_layers->push_back(nn::BatchNorm2d(256));
        deconv_layers->push_back(nn::ReLU(nn::ReLUOptions(true)));
    }
    register_module("deconv_layers", deconv_layers);
    final_layer = register_module("final_layer", nn::Conv2d(nn::Conv2dOptions(256, kKeypoints, 1)));
}

torch::Tensor PoseResNetImpl::forward(torch::Tensor x)
{
    return final_layer->forward(deconv_layers->forward(features(x)));
}

} // namespace es::engine
