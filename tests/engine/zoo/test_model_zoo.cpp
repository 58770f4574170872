// SPDX-License-Identifier: Apache-2.0
// The model zoo: published parameter counts, output shapes, state-dict names, FLOP counts, darknet weights.
#include "zoo/dense_models.h"
#include "zoo/flop_counter.h"
#include "zoo/model_zoo.h"
#include "zoo/yolo_tiny.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>

using namespace es::engine;

namespace {

std::unique_ptr<ZooModel> zoo(const std::string& id)
{
    auto model = createZooModel(id);
    EXPECT_TRUE(model.isOk()) << model.status().message();
    return std::move(model.value());
}

int64_t macsOf(ZooModel& model, int64_t batch = 1)
{
    InferenceGuard guard;
    const ModelInfo& info = model.info();
    FlopCounter counter;
    model.forward(torch::zeros({ batch, 3, info.inputHeight, info.inputWidth }));
    EXPECT_EQ(counter.unreadable(), 0);
    return counter.macs();
}

} // namespace

TEST(ModelZoo, EveryModelHasItsPublishedParameterCount)
{
    for (const ModelInfo& info : benchModels()) {
        auto model = zoo(info.id);
        EXPECT_EQ(countParameters(model->module()), info.publishedParameters) << info.id;
    }
    // The published figures themselves: torchvision's tables, NVIDIA's SSD300, darknet's cfg, the papers.
    const std::map<std::string, int64_t> published
        = { { "ssd300", 22894902 }, { "resnet50", 25557032 }, { "mobilenetv2", 3504872 }, { "yolov3-tiny", 8852366 },
              { "pose-resnet50", 33999697 }, { "deeplabv3-mobilenetv2", 5113877 } };
    for (const ModelInfo& info : benchModels())
        EXPECT_EQ(info.publishedParameters, published.at(info.id)) << info.id;
}

TEST(ModelZoo, YoloV3TinyCountsAsItsCfgSays)
{
    // By hand from yolov3-tiny.cfg: conv weights + BatchNorm gamma/beta, or the bias of the two heads.
    const int64_t conv[][4] = { { 3, 16, 3, 1 }, { 16, 32, 3, 1 }, { 32, 64, 3, 1 }, { 64, 128, 3, 1 },
        { 128, 256, 3, 1 }, { 256, 512, 3, 1 }, { 512, 1024, 3, 1 }, { 1024, 256, 1, 1 }, { 256, 512, 3, 1 },
        { 512, 255, 1, 0 }, { 256, 128, 1, 1 }, { 384, 256, 3, 1 }, { 256, 255, 1, 0 } };
    int64_t total = 0;
    for (const auto& c : conv)
        total += c[0] * c[1] * c[2] * c[2] + (c[3] ? 2 * c[1] : c[1]);
    EXPECT_EQ(total, 8852366);
}

TEST(ModelZoo, OutputsHaveTheShapesOfTheirTasks)
{
    InferenceGuard guard;
    auto shapes = [](ZooModel& model) {
        const ModelInfo& info = model.info();
        std::vector<std::vector<int64_t>> result;
        for (const auto& out : model.forward(torch::zeros({ 2, 3, info.inputHeight, info.inputWidth })))
            result.push_back(out.sizes().vec());
        return result;
    };
    using Shapes = std::vector<std::vector<int64_t>>;
    EXPECT_EQ(shapes(*zoo("resnet50")), (Shapes { { 2, 1000 } }));
    EXPECT_EQ(shapes(*zoo("mobilenetv2")), (Shapes { { 2, 1000 } }));
    EXPECT_EQ(shapes(*zoo("yolov3-tiny")), (Shapes { { 2, 255, 13, 13 }, { 2, 255, 26, 26 } }));
    EXPECT_EQ(shapes(*zoo("deeplabv3-mobilenetv2")), (Shapes { { 2, 21, 257, 257 } }));
    EXPECT_EQ(shapes(*zoo("pose-resnet50")), (Shapes { { 2, 17, 64, 48 } }));
    EXPECT_EQ(shapes(*zoo("ssd300")), (Shapes { { 2, 4, 8732 }, { 2, 81, 8732 } }));
}

TEST(ModelZoo, ParameterNamesMatchTheReferenceStateDicts)
{
    const std::map<std::string, std::vector<std::string>> names = {
        { "resnet50", { "conv1.weight", "layer1.0.downsample.0.weight", "layer4.2.bn3.running_var", "fc.bias" } },
        { "mobilenetv2",
            { "features.0.0.weight", "features.1.conv.0.0.weight", "features.1.conv.1.weight",
                "features.2.conv.0.0.weight", "features.2.conv.3.running_mean", "features.18.1.weight",
                "classifier.1.weight" } },
        { "yolov3-tiny",
            { "module_list.0.Conv2d.weight", "module_list.0.BatchNorm2d.running_var", "module_list.15.Conv2d.bias",
                "module_list.21.BatchNorm2d.weight", "module_list.22.Conv2d.weight" } },
        { "deeplabv3-mobilenetv2",
            { "backbone.low_level_features.0.0.weight", "backbone.high_level_features.13.conv.3.running_var",
                "classifier.classifier.0.convs.0.0.weight", "classifier.classifier.0.convs.3.1.running_mean",
                "classifier.classifier.0.convs.4.1.weight", "classifier.classifier.0.project.0.weight",
                "classifier.classifier.1.weight", "classifier.classifier.2.running_var",
                "classifier.classifier.4.bias" } },
        { "pose-resnet50",
            { "layer4.2.conv3.weight", "deconv_layers.0.weight", "deconv_layers.7.running_mean", "final_layer.weight",
                "final_layer.bias" } },
    };
    for (const auto& [id, expected] : names) {
        auto model = zoo(id);
        std::set<std::string> present;
        for (const auto& item : model->module().named_parameters(true))
            present.insert(item.key());
        for (const auto& item : model->module().named_buffers(true))
            present.insert(item.key());
        for (const std::string& name : expected)
            EXPECT_TRUE(present.count(name)) << id << ": " << name;
    }
    // DeepLab at output stride 16: the 160-channel stage keeps 1/16 with dilation 2.
    DeepLabV3MobileNet deeplab;
    InferenceGuard guard;
    EXPECT_EQ(deeplab->backbone->high_level_features
                  ->forward(deeplab->backbone->low_level_features->forward(torch::zeros({ 1, 3, 257, 257 })))
                  .sizes(),
        (std::vector<int64_t> { 1, 320, 17, 17 }));
}

TEST(FlopCounter, CountsSmallLayersAsByHand)
{
    InferenceGuard guard;
    {
        FlopCounter counter; // 3 -> 8 channels, 3x3, padding 1, on 2 x 10 x 10: N*H*W*Cout*Cin*9
        torch::conv2d(torch::zeros({ 2, 3, 10, 10 }), torch::zeros({ 8, 3, 3, 3 }), {}, 1, 1);
        EXPECT_EQ(counter.macs(), 2 * 10 * 10 * 8 * 3 * 9);
        EXPECT_EQ(counter.flops(), 2 * counter.macs());
    }
    {
        FlopCounter counter; // stride 2, no padding: 5 x 5 -> 2 x 2 outputs
        torch::conv2d(torch::zeros({ 1, 4, 5, 5 }), torch::zeros({ 6, 4, 3, 3 }), {}, 2);
        EXPECT_EQ(counter.macs(), 2 * 2 * 6 * 4 * 9);
    }
    {
        FlopCounter counter; // depthwise: groups = channels, one input channel per filter
        torch::conv2d(torch::zeros({ 1, 16, 8, 8 }), torch::zeros({ 16, 1, 3, 3 }), {}, 1, 1, 1, 16);
        EXPECT_EQ(counter.macs(), 8 * 8 * 16 * 9);
    }
    {
        FlopCounter counter; // transposed 4x4 stride 2: every input pixel meets every weight once
        torch::conv_transpose2d(torch::zeros({ 1, 4, 3, 3 }), torch::zeros({ 4, 2, 4, 4 }), {}, 2, 1);
        EXPECT_EQ(counter.macs(), 3 * 3 * 4 * 2 * 16);
    }
    {
        FlopCounter counter; // linear (addmm): batch x in x out, and a matrix product
        torch::nn::Linear linear(16, 4);
        linear->forward(torch::zeros({ 2, 16 }));
        torch::mm(torch::zeros({ 5, 6 }), torch::zeros({ 6, 7 }));
        torch::bmm(torch::zeros({ 3, 2, 4 }), torch::zeros({ 3, 4, 5 }));
        EXPECT_EQ(counter.macs(), 2 * 16 * 4 + 5 * 6 * 7 + 3 * 2 * 4 * 5);
    }
    {
        FlopCounter counter; // element-wise work is not counted
        torch::relu(torch::ones({ 100 }) + 1);
        EXPECT_EQ(counter.macs(), 0);
    }
}

TEST(FlopCounter, MatchesThePublishedModelFigures)
{
    // Published multiply-accumulates: SSD300 20.15 G (docs/pipeline.md), ResNet-50 4.09 G and MobileNetV2 0.30 G
    // (torchvision), YOLOv3-tiny 5.571 BFLOPs (darknet's count, 2 x MACs), all per image.
    auto near = [](double value, double published, double tolerance) {
        return std::abs(value / published - 1.0) < tolerance;
    };
    EXPECT_TRUE(near(double(macsOf(*zoo("resnet50"))), 4.09e9, 0.005)) << macsOf(*zoo("resnet50"));
    EXPECT_TRUE(near(double(macsOf(*zoo("mobilenetv2"))), 0.3e9, 0.01)) << macsOf(*zoo("mobilenetv2"));
    EXPECT_TRUE(near(2.0 * double(macsOf(*zoo("yolov3-tiny"))), 5.571e9, 0.005)) << macsOf(*zoo("yolov3-tiny"));
    EXPECT_TRUE(near(double(macsOf(*zoo("ssd300"))), 20.15e9, 0.005)) << macsOf(*zoo("ssd300"));
    auto mobilenet = zoo("mobilenetv2");
    EXPECT_EQ(macsOf(*mobilenet, 3), 3 * macsOf(*mobilenet, 1)); // per image, linear in the batch
}

TEST(YoloV3Tiny, DecodesACellWithItsAnchor)
{
    // All-zero head outputs: each box sits at its cell's centre with its anchor's size, score 0.5 x 0.5.
    const std::vector<torch::Tensor> heads = { torch::zeros({ 1, 255, 13, 13 }), torch::zeros({ 1, 255, 26, 26 }) };
    auto [boxes, scores] = decodeYolo(heads, 416);
    EXPECT_EQ(boxes.sizes(), (std::vector<int64_t> { 1, 2535, 4 }));
    EXPECT_EQ(scores.sizes(), (std::vector<int64_t> { 1, 2535, 80 }));
    EXPECT_FLOAT_EQ(scores[0][0][0].item<float>(), 0.25f);
    // First box: anchor (81, 82) of mask 3 on the 13 x 13 grid, cell (0, 0), centre 0.5 / 13.
    const auto first = boxes[0][0];
    EXPECT_NEAR((first[0].item<float>() + first[2].item<float>()) / 2, 0.5 / 13, 1e-6);
    EXPECT_NEAR(first[2].item<float>() - first[0].item<float>(), 81.0 / 416, 1e-6);
    EXPECT_NEAR(first[3].item<float>() - first[1].item<float>(), 82.0 / 416, 1e-6);
    // The 26 x 26 head uses mask 1,2,3: its first box has anchor (23, 27).
    const auto second = boxes[0][507];
    EXPECT_NEAR(second[2].item<float>() - second[0].item<float>(), 23.0 / 416, 1e-6);
}

TEST(YoloV3Tiny, PostprocessKeepsTheBestOfOverlappingBoxes)
{
    torch::Tensor boxes
        = torch::tensor({ 0.1f, 0.1f, 0.5f, 0.5f, 0.12f, 0.1f, 0.5f, 0.52f, 0.6f, 0.6f, 0.9f, 0.9f }).view({ 1, 3, 4 });
    torch::Tensor scores = torch::zeros({ 1, 3, 80 });
    scores[0][0][2] = 0.9f; // car
    scores[0][1][2] = 0.8f; // overlaps the first: suppressed
    scores[0][2][2] = 0.3f; // apart: kept
    scores[0][2][5] = 0.1f; // under the threshold
    const auto detections = yoloPostprocess(boxes, scores);
    ASSERT_EQ(detections.size(), 1u);
    ASSERT_EQ(detections[0].size(), 2u);
    EXPECT_EQ(detections[0][0].label, 3);
    EXPECT_FLOAT_EQ(detections[0][0].score, 0.9f);
    EXPECT_FLOAT_EQ(detections[0][1].score, 0.3f);
}

TEST(YoloV3Tiny, LoadsDarknetWeightsAndRefusesAWrongFile)
{
    YoloV3Tiny model;
    int64_t values = 0;
    for (auto& [layer, block] : model->convolutions) {
        for (const auto& tensor : block->parameters())
            values += tensor.numel();
        if (block->size() > 1)
            values += 2 * block[1]->as<torch::nn::BatchNorm2d>()->running_mean.numel();
    }
    const std::string path = ::testing::TempDir() + "/tiny.weights";
    {
        std::ofstream file(path, std::ios::binary);
        const int32_t version[3] = { 0, 2, 0 };
        const int64_t seen = 32013312;
        file.write(reinterpret_cast<const char*>(version), sizeof version);
        file.write(reinterpret_cast<const char*>(&seen), sizeof seen);
        for (int64_t i = 0; i < values; ++i) {
            const float v = float(i % 1000) / 1000.0f;
            file.write(reinterpret_cast<const char*>(&v), sizeof v);
        }
    }
    auto loaded = loadDarknetWeights(model, path);
    ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
    EXPECT_EQ(loaded.value(), 11 * 5 + 2 * 2); // 11 convolutions with BatchNorm (4 + weights), 2 heads (bias, weights)
    // Darknet's order: beta, gamma, mean, variance, then the weights.
    auto* norm = model->convolutions[0].second[1]->as<torch::nn::BatchNorm2d>();
    EXPECT_FLOAT_EQ(norm->bias[1].item<float>(), 0.001f);
    EXPECT_FLOAT_EQ(norm->weight[0].item<float>(), 0.016f);
    EXPECT_FLOAT_EQ(norm->running_var[0].item<float>(), 0.048f);
    EXPECT_FLOAT_EQ(
        model->convolutions[0].second[0]->as<torch::nn::Conv2d>()->weight.flatten()[0].item<float>(), 0.064f);

    {
        std::ofstream file(path, std::ios::binary | std::ios::app);
        const float extra = 1.0f;
        file.write(reinterpret_cast<const char*>(&extra), sizeof extra);
    }
    YoloV3Tiny other;
    auto refused = loadDarknetWeights(other, path);
    ASSERT_FALSE(refused.isOk());
    EXPECT_NE(refused.status().message().find("yolov3-tiny.weights"), std::string::npos);
    EXPECT_FALSE(loadDarknetWeights(other, path + ".missing").isOk());
}

TEST(ModelZoo, StateDictsRoundTripThroughTheLoader)
{
    auto model = zoo("mobilenetv2");
    model->initializeSeeded(7);
    const std::string path = ::testing::TempDir() + "/mobilenet.pt";
    ASSERT_TRUE(saveStateDict(model->module(), path).isOk());
    auto other = zoo("mobilenetv2");
    auto loaded = other->loadWeights(path);
    ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
    EXPECT_TRUE(torch::equal(other->module().named_parameters()["classifier.1.weight"],
        model->module().named_parameters()["classifier.1.weight"]));
    // A ResNet-50 file is refused for MobileNetV2, naming the first missing tensor.
    auto resnet = zoo("resnet50");
    const std::string wrong = ::testing::TempDir() + "/resnet.pt";
    ASSERT_TRUE(saveStateDict(resnet->module(), wrong).isOk());
    auto refused = other->loadWeights(wrong);
    ASSERT_FALSE(refused.isOk());
    EXPECT_NE(refused.status().message().find("MobileNetV2"), std::string::npos) << refused.status().message();
}

TEST(ModelZoo, CalibratedBatchNormNormalizesTheSeededNetwork)
{
    auto model = zoo("resnet50");
    std::vector<Frame> frames(4);
    for (size_t i = 0; i < frames.size(); ++i) {
        frames[i].width = 64;
        frames[i].height = 48;
        frames[i].rgb.assign(64 * 48 * 3, uint8_t(40 * i + 20));
        for (size_t p = 0; p < frames[i].rgb.size(); p += 7)
            frames[i].rgb[p] = uint8_t(p * 13 + i);
    }
    std::vector<const Frame*> pointers;
    for (const Frame& frame : frames)
        pointers.push_back(&frame);
    const torch::Tensor input = modelInput(model->info(), pointers);
    EXPECT_EQ(input.sizes(), (std::vector<int64_t> { 4, 3, 224, 224 }));
    calibrateBatchNorm(*model, input);
    auto* norm = model->module().named_modules()["layer4.2.bn3"]->as<torch::nn::BatchNorm2d>();
    // Was 0 and 1 before: now the statistics of the seeded trunk's real activations.
    EXPECT_GT(std::abs(norm->running_var.mean().item<double>() - 1.0), 0.05);
    EXPECT_GT(norm->running_mean.abs().mean().item<double>(), 1e-3);
    EXPECT_FALSE(norm->is_training());
    InferenceGuard guard;
    const torch::Tensor logits = model->forward(input)[0];
    EXPECT_TRUE(torch::isfinite(logits).all().item<bool>());
    EXPECT_LT(logits.abs().max().item<double>(), 1e3);
}
