// SPDX-License-Identifier: Apache-2.0
#include "ssd/ssd300.h"

#include <gtest/gtest.h>

using namespace es::engine;

TEST(Ssd300, HasThePublishedParameterCounts)
{
    Ssd300 model;
    EXPECT_EQ(countParameters(*model), 22894902); // NVIDIA SSD300 v1.1
    EXPECT_EQ(countParameters(*model->feature_extractor), 8543296); // ResNet-50 conv1..layer3
}

TEST(Ssd300, NamesMatchNvidiasStateDict)
{
    Ssd300 model;
    const auto parameters = model->named_parameters(true);
    for (const char* name : { "feature_extractor.feature_extractor.0.weight",
             "feature_extractor.feature_extractor.1.bias", "feature_extractor.feature_extractor.6.0.conv1.weight",
             "feature_extractor.feature_extractor.6.0.downsample.0.weight",
             "feature_extractor.feature_extractor.6.5.bn3.weight", "additional_blocks.0.0.weight",
             "additional_blocks.4.4.bias", "loc.0.weight", "loc.5.bias", "conf.0.weight", "conf.5.bias" })
        EXPECT_TRUE(parameters.contains(name)) << name;
    EXPECT_TRUE(model->named_buffers(true).contains("feature_extractor.feature_extractor.1.running_mean"));
    EXPECT_EQ(parameters["conf.0.weight"].sizes(), (std::vector<int64_t> { 4 * 81, 1024, 3, 3 }));
    EXPECT_EQ(parameters["loc.1.weight"].sizes(), (std::vector<int64_t> { 6 * 4, 512, 3, 3 }));
}

TEST(Ssd300, ProducesFeatureMapsAndOutputsOfTheRightShape)
{
    InferenceGuard guard;
    Ssd300 model;
    model->initializeSeeded(1);
    model->eval();
    const torch::Tensor input = torch::zeros({ 2, 3, 300, 300 });
    torch::Tensor x = model->feature_extractor->forward(input);
    EXPECT_EQ(x.sizes(), (std::vector<int64_t> { 2, 1024, 38, 38 }));
    const int64_t sizes[5] = { 19, 10, 5, 3, 1 };
    const int64_t channels[5] = { 512, 512, 256, 256, 256 };
    for (int i = 0; i < 5; ++i) {
        x = model->additional_blocks[i]->as<torch::nn::Sequential>()->forward(x);
        EXPECT_EQ(x.sizes(), (std::vector<int64_t> { 2, channels[i], sizes[i], sizes[i] })) << "extra block " << i;
    }
    const auto [locations, logits] = model->forward(input);
    EXPECT_EQ(locations.sizes(), (std::vector<int64_t> { 2, 4, 8732 }));
    EXPECT_EQ(logits.sizes(), (std::vector<int64_t> { 2, 81, 8732 }));
    EXPECT_TRUE(torch::isfinite(logits).all().item<bool>());
}

TEST(Ssd300, SeededWeightsAreDeterministic)
{
    Ssd300 a, b, c;
    a->initializeSeeded(42);
    b->initializeSeeded(42);
    c->initializeSeeded(43);
    const auto pa = a->named_parameters(true), pb = b->named_parameters(true), pc = c->named_parameters(true);
    for (const auto& item : pa)
        EXPECT_TRUE(torch::equal(item.value(), pb[item.key()])) << item.key();
    EXPECT_FALSE(torch::equal(pa["conf.2.weight"], pc["conf.2.weight"]));
    // torchvision's trunk init: BatchNorm scale 1 and shift 0; Kaiming normal (fan-out) convolutions.
    EXPECT_TRUE(torch::equal(pa["feature_extractor.feature_extractor.1.weight"], torch::ones({ 64 })));
    const double expectedStd = std::sqrt(2.0 / (64 * 7 * 7));
    EXPECT_NEAR(
        pa["feature_extractor.feature_extractor.0.weight"].std().item<double>(), expectedStd, expectedStd * 0.1);
}
