// SPDX-License-Identifier: Apache-2.0
#include "zoo/yolo_tiny.h"

#include "ssd/postprocess.h"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace es::engine {

namespace nn = torch::nn;
namespace F = torch::nn::functional;

namespace {

constexpr float kAnchors[6][2] = { { 10, 14 }, { 23, 27 }, { 37, 58 }, { 81, 82 }, { 135, 169 }, { 344, 319 } };
constexpr int kMask13[3] = { 3, 4, 5 };
constexpr int kMask26[3] = { 1, 2, 3 };

/// One [convolutional] block of the cfg: children named as Ultralytics' Darknet parser names them.
nn::Sequential darknetConv(int64_t in, int64_t out, int64_t kernel, bool batchNorm)
{
    nn::Sequential block;
    block->push_back(
        "Conv2d", nn::Conv2d(nn::Conv2dOptions(in, out, kernel).padding((kernel - 1) / 2).bias(!batchNorm)));
    if (batchNorm) {
        block->push_back("BatchNorm2d", nn::BatchNorm2d(out));
        block->push_back("activation", nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.1).inplace(true)));
    }
    return block;
}

} // namespace

YoloV3TinyImpl::YoloV3TinyImpl()
{
    module_list = nn::ModuleList();
    auto addConv = [&](int64_t in, int64_t out, int64_t kernel, bool batchNorm = true) {
        nn::Sequential block = darknetConv(in, out, kernel, batchNorm);
        convolutions.emplace_back(int(module_list->size()), block);
        module_list->push_back(block);
    };
    auto addLayer = [&](std::shared_ptr<nn::Module> layer) { module_list->push_back(std::move(layer)); };
    const int64_t head = 3 * (5 + kClasses);
    int64_t channels = 3;
    for (int64_t width : { 16, 32, 64, 128, 256 }) { // layers 0-9: conv, maxpool 2/2
        addConv(channels, width, 3);
        addLayer(nn::MaxPool2d(nn::MaxPool2dOptions(2).stride(2)).ptr());
        channels = width;
    }
    addConv(256, 512, 3); // 10
    addLayer(nn::MaxPool2d(nn::MaxPool2dOptions(2).stride(1)).ptr()); // 11: padded right and bottom in forward
    addConv(512, 1024, 3); // 12
    addConv(1024, 256, 1); // 13
    addConv(256, 512, 3); // 14
    addConv(512, head, 1, false); // 15
    addLayer(nn::Identity().ptr()); // 16 yolo
    addLayer(nn::Identity().ptr()); // 17 route -4
    addConv(256, 128, 1); // 18
    addLayer(nn::Identity().ptr()); // 19 upsample (nearest, 2x, in forward)
    addLayer(nn::Identity().ptr()); // 20 route -1, 8
    addConv(384, 256, 3); // 21
    addConv(256, head, 1, false); // 22
    addLayer(nn::Identity().ptr()); // 23 yolo
    register_module("module_list", module_list);
}

std::vector<torch::Tensor> YoloV3TinyImpl::forward(torch::Tensor x)
{
    auto conv = [&](size_t i, const torch::Tensor& in) { return convolutions[i].second->forward(in); };
    torch::Tensor layer8;
    for (size_t i = 0; i < 5; ++i) {
        x = conv(i, x);
        if (i == 4)
            layer8 = x;
        x = torch::max_pool2d(x, 2, 2);
    }
    x = conv(5, x); // 10
    // Darknet's 2x2 stride-1 pool covers one column and row past the right and bottom edges, which never win the
    // max: pool with padding on every side (-inf) and keep the windows that start inside.
    x = torch::max_pool2d(x, 2, 1, 1).narrow(2, 1, x.size(2)).narrow(3, 1, x.size(3));
    x = conv(6, x); // 12
    torch::Tensor layer13 = conv(7, x);
    torch::Tensor out13 = conv(9, conv(8, layer13)); // 14, 15
    torch::Tensor up = conv(10, layer13); // 18
    up = F::interpolate(
        up, F::InterpolateFuncOptions().scale_factor(std::vector<double> { 2.0, 2.0 }).mode(torch::kNearest));
    torch::Tensor out26 = conv(12, conv(11, torch::cat({ up, layer8 }, 1))); // 21, 22
    return { out13, out26 };
}

std::pair<torch::Tensor, torch::Tensor> decodeYolo(const std::vector<torch::Tensor>& heads, int64_t inputSize)
{
    std::vector<torch::Tensor> allBoxes, allScores;
    for (size_t h = 0; h < heads.size(); ++h) {
        const torch::Tensor& out = heads[h];
        const int64_t n = out.size(0), rows = out.size(2), cols = out.size(3);
        const int* mask = h == 0 ? kMask13 : kMask26;
        torch::Tensor p = out.to(torch::kFloat32).view({ n, 3, 5 + YoloV3TinyImpl::kClasses, rows, cols });
        p = p.permute({ 0, 1, 3, 4, 2 }).contiguous(); // n, anchor, row, col, values
        const auto options = torch::TensorOptions().dtype(torch::kFloat32).device(out.device());
        torch::Tensor gx = torch::arange(cols, options).view({ 1, 1, 1, cols });
        torch::Tensor gy = torch::arange(rows, options).view({ 1, 1, rows, 1 });
        std::vector<float> anchorValues;
        for (int a = 0; a < 3; ++a) {
            anchorValues.push_back(kAnchors[mask[a]][0] / float(inputSize));
            anchorValues.push_back(kAnchors[mask[a]][1] / float(inputSize));
        }
        torch::Tensor anchors = torch::tensor(anchorValues).to(out.device()).view({ 1, 3, 1, 1, 2 });
        torch::Tensor cx = (torch::sigmoid(p.select(4, 0)) + gx) / double(cols);
        torch::Tensor cy = (torch::sigmoid(p.select(4, 1)) + gy) / double(rows);
        torch::Tensor w = torch::exp(p.select(4, 2)) * anchors.select(4, 0);
        torch::Tensor hgt = torch::exp(p.select(4, 3)) * anchors.select(4, 1);
        torch::Tensor boxes = torch::stack({ cx - w / 2, cy - hgt / 2, cx + w / 2, cy + hgt / 2 }, -1);
        torch::Tensor objectness = torch::sigmoid(p.select(4, 4)).unsqueeze(-1);
        torch::Tensor scores = objectness * torch::sigmoid(p.narrow(4, 5, YoloV3TinyImpl::kClasses));
        allBoxes.push_back(boxes.reshape({ n, -1, 4 }));
        allScores.push_back(scores.reshape({ n, -1, YoloV3TinyImpl::kClasses }));
    }
    return { torch::cat(allBoxes, 1), torch::cat(allScores, 1) };
}

std::vector<FrameDetections> yoloPostprocess(const torch::Tensor& boxes, const torch::Tensor& scores,
    float scoreThreshold, float iouThreshold, int64_t maxDetections)
{
    std::vector<FrameDetections> result;
    const int64_t classes = scores.size(2);
    const int64_t topK = std::min<int64_t>(200, scores.size(1));
    for (int64_t i = 0; i < boxes.size(0); ++i) {
        // Per class (groups): the best 200 boxes, best first.
        auto [best, order] = scores[i].t().topk(topK, 1, /*largest=*/true, /*sorted=*/true); // classes x K
        torch::Tensor groupBoxes = boxes[i].index_select(0, order.reshape(-1)).view({ classes, topK, 4 });
        torch::Tensor valid = best > scoreThreshold;
        torch::Tensor kept = batchedGreedyNms(groupBoxes, valid, iouThreshold);
        torch::Tensor index = kept.nonzero(); // (class, k) pairs
        torch::Tensor keptScores = best.index({ index.select(1, 0), index.select(1, 1) }).cpu();
        torch::Tensor keptBoxes = groupBoxes.index({ index.select(1, 0), index.select(1, 1) }).cpu();
        torch::Tensor labels = index.select(1, 0).cpu();
        FrameDetections frame;
        for (int64_t d = 0; d < keptScores.size(0); ++d) {
            const auto box = keptBoxes[d];
            frame.push_back({ box[0].item<float>(), box[1].item<float>(), box[2].item<float>(), box[3].item<float>(),
                int32_t(labels[d].item<int64_t>() + 1), keptScores[d].item<float>() });
        }
        sortDetections(frame);
        if (int64_t(frame.size()) > maxDetections)
            frame.resize(size_t(maxDetections));
        result.push_back(std::move(frame));
    }
    return result;
}

Result<int64_t> loadDarknetWeights(YoloV3Tiny& model, const std::string& path)
{
    std::ifstream file(path, std::ios::binary);
    if (!file)
        return Status(StatusCode::NotFound, "cannot read darknet weights " + path + ": " + std::strerror(errno));
    int32_t version[3] = { 0, 0, 0 };
    file.read(reinterpret_cast<char*>(version), sizeof version);
    if (!file)
        return Status(StatusCode::CorruptData, path + " is too short for a darknet weights file");
    const bool wideSeen = version[0] * 10 + version[1] >= 2 && version[0] < 1000 && version[1] < 1000;
    const std::streamoff header = std::streamoff(sizeof version) + (wideSeen ? 8 : 4); // then "images seen"
    file.seekg(0, std::ios::end);
    const std::streamoff bytes = file.tellg() - header;
    std::vector<float> values(size_t(std::max<std::streamoff>(0, bytes)) / sizeof(float));
    file.seekg(header, std::ios::beg);
    file.read(reinterpret_cast<char*>(values.data()), std::streamsize(values.size() * sizeof(float)));
    if (!file || bytes % std::streamoff(sizeof(float)) != 0)
        return Status(StatusCode::CorruptData, path + " is not a darknet weights file (truncated or misaligned)");

    int64_t needed = 0;
    for (const auto& [layer, block] : model->convolutions)
        for (const auto& tensor : block->parameters())
            needed += tensor.numel();
    for (const auto& [layer, block] : model->convolutions)
        for (const auto& buffer : block->buffers())
            if (buffer.dtype() == torch::kFloat32)
                needed += buffer.numel();
    if (int64_t(values.size()) != needed)
        return Status(StatusCode::CorruptData,
            "wrong weights in " + path + ": it holds " + std::to_string(values.size()) + " values but YOLOv3-tiny "
                + "(80 COCO classes, yolov3-tiny.cfg) needs " + std::to_string(needed)
                + "; use darknet's yolov3-tiny.weights (docs/weights.md)");

    torch::NoGradGuard noGrad;
    size_t offset = 0;
    int64_t loaded = 0;
    auto take = [&](torch::Tensor target) {
        const auto count = size_t(target.numel());
        target.copy_(torch::from_blob(values.data() + offset, target.sizes(), torch::kFloat32));
        offset += count;
        ++loaded;
    };
    for (auto& [layer, block] : model->convolutions) {
        auto* conv = block[0]->as<nn::Conv2d>();
        if (block->size() > 1) {
            auto* norm = block[1]->as<nn::BatchNorm2d>();
            take(norm->bias);
            take(norm->weight);
            take(norm->running_mean);
            take(norm->running_var);
        } else {
            take(conv->bias);
        }
        take(conv->weight);
    }
    return loaded;
}

} // namespace es::engine
