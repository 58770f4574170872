// SPDX-License-Identifier: Apache-2.0
#include "ssd/postprocess.h"

#include "runtime/torch_support.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>

namespace es::engine {

using torch::indexing::Ellipsis;
using torch::indexing::Slice;

torch::Tensor defaultBoxesXywh()
{
    const double figureSize = 300;
    const int featureSizes[6] = { 38, 19, 10, 5, 3, 1 };
    const double steps[6] = { 8, 16, 32, 64, 100, 300 };
    const double scales[7] = { 21, 45, 99, 153, 207, 261, 315 };
    const std::vector<std::vector<double>> aspectRatios = { { 2 }, { 2, 3 }, { 2, 3 }, { 2, 3 }, { 2 }, { 2 } };
    std::vector<float> values;
    values.reserve(8732 * 4);
    for (int map = 0; map < 6; ++map) {
        const double cellsPerSide = figureSize / steps[map];
        const double small = scales[map] / figureSize;
        const double large = scales[map + 1] / figureSize;
        const double middle = std::sqrt(small * large);
        std::vector<std::pair<double, double>> shapes = { { small, small }, { middle, middle } };
        for (double ratio : aspectRatios[map]) {
            const double w = small * std::sqrt(ratio), h = small / std::sqrt(ratio);
            shapes.emplace_back(w, h);
            shapes.emplace_back(h, w);
        }
        for (const auto& [w, h] : shapes) {
            for (int i = 0; i < featureSizes[map]; ++i) {
                for (int j = 0; j < featureSizes[map]; ++j) {
                    const double box[4] = { (j + 0.5) / cellsPerSide, (i + 0.5) / cellsPerSide, w, h };
                    for (double v : box)
                        values.push_back(float(std::clamp(v, 0.0, 1.0)));
                }
            }
        }
    }
    return torch::from_blob(values.data(), { int64_t(values.size() / 4), 4 }, torch::kFloat32).clone();
}

std::pair<torch::Tensor, torch::Tensor> decodeBatch(
    const torch::Tensor& locations, const torch::Tensor& logits, const torch::Tensor& defaultBoxes)
{
    const torch::Tensor offsets = locations.permute({ 0, 2, 1 }).to(torch::kFloat32);
    const torch::Tensor classLogits = logits.permute({ 0, 2, 1 }).to(torch::kFloat32);
    const torch::Tensor anchors = defaultBoxes.to(offsets.device()).unsqueeze(0);
    const torch::Tensor anchorXy = anchors.index({ Ellipsis, Slice(0, 2) });
    const torch::Tensor anchorWh = anchors.index({ Ellipsis, Slice(2, 4) });
    const torch::Tensor xy = (offsets.index({ Ellipsis, Slice(0, 2) }) * 0.1) * anchorWh + anchorXy;
    const torch::Tensor wh = (offsets.index({ Ellipsis, Slice(2, 4) }) * 0.2).exp() * anchorWh;
    const torch::Tensor boxes = torch::cat({ xy - 0.5 * wh, xy + 0.5 * wh }, -1);
    return { boxes, torch::softmax(classLogits, -1) };
}

torch::Tensor pairwiseIou(const torch::Tensor& a, const torch::Tensor& b)
{
    // One contiguous tensor per coordinate, so that the broadcasts run over contiguous rows of M, and in-place
    // arithmetic after the first allocation: the N x M intermediates are the cost here.
    const std::vector<torch::Tensor> ac = a.unbind(-1);
    const std::vector<torch::Tensor> bc = b.unbind(-1);
    auto column = [](const torch::Tensor& t) { return t.unsqueeze(-1); }; // ... x N x 1
    auto row = [](const torch::Tensor& t) { return t.unsqueeze(-2); }; // ... x 1 x M
    torch::Tensor width = torch::min(column(ac[2]), row(bc[2]));
    width.sub_(torch::max(column(ac[0]), row(bc[0]))).clamp_min_(0);
    torch::Tensor height = torch::min(column(ac[3]), row(bc[3]));
    height.sub_(torch::max(column(ac[1]), row(bc[1]))).clamp_min_(0);
    torch::Tensor intersection = width.mul_(height);
    const torch::Tensor areaA = (ac[2] - ac[0]) * (ac[3] - ac[1]);
    const torch::Tensor areaB = (bc[2] - bc[0]) * (bc[3] - bc[1]);
    torch::Tensor unionArea = column(areaA) + row(areaB);
    unionArea.sub_(intersection);
    return intersection.div_(unionArea);
}

namespace {

FrameDetections toDetections(const torch::Tensor& boxes, const torch::Tensor& labels, const torch::Tensor& scores)
{
    const torch::Tensor hostBoxes = boxes.to(torch::kCPU, torch::kFloat32).contiguous();
    const torch::Tensor hostLabels = labels.to(torch::kCPU, torch::kInt64).contiguous();
    const torch::Tensor hostScores = scores.to(torch::kCPU, torch::kFloat32).contiguous();
    FrameDetections detections(size_t(hostScores.size(0)));
    const float* box = hostBoxes.data_ptr<float>();
    const int64_t* label = hostLabels.data_ptr<int64_t>();
    const float* score = hostScores.data_ptr<float>();
    for (size_t i = 0; i < detections.size(); ++i)
        detections[i]
            = Detection { box[4 * i], box[4 * i + 1], box[4 * i + 2], box[4 * i + 3], int32_t(label[i]), score[i] };
    sortDetections(detections);
    return detections;
}

} // namespace

torch::Tensor batchedGreedyNms(
    const torch::Tensor& boxes, const torch::Tensor& valid, float threshold, NmsMethod method)
{
    const int64_t groups = boxes.size(0);
    const int64_t width = boxes.size(1);
    if (method == NmsMethod::FixedPoint || (method == NmsMethod::Auto && boxes.is_cuda())) {
        // suppresses[g, i, j]: box i (better score) removes box j if i is kept. Then keep = valid and no kept
        // suppressor; iterating from keep = valid fixes at least one more position per round, so it ends within
        // `width` rounds (a handful in practice). One flag is read per four rounds, so the GPU waits only a few
        // times per batch.
        const torch::Tensor upper
            = torch::ones({ width, width }, torch::TensorOptions().dtype(torch::kBool).device(boxes.device())).triu(1);
        torch::Tensor suppressesMask = pairwiseIou(boxes, boxes).ge(threshold);
        suppressesMask.logical_and_(upper).logical_and_(valid.unsqueeze(-1)).logical_and_(valid.unsqueeze(-2));
        const torch::Tensor suppresses = suppressesMask.to(torch::kFloat32);
        torch::Tensor keep = valid;
        for (int64_t round = 0; round < width + 4; round += 4) {
            torch::Tensor previous = keep;
            for (int inner = 0; inner < 4; ++inner) {
                previous = keep;
                keep = valid & torch::matmul(keep.to(torch::kFloat32).unsqueeze(-2), suppresses).squeeze(-2).eq(0);
            }
            if (torch::equal(keep, previous))
                break;
        }
        return keep;
    }
    // On the host: the classic greedy loop per group, each candidate compared with the boxes kept so far only, the
    // groups spread over LibTorch's threads. The IoU uses the same float operations in the same order as
    // pairwiseIou (postprocess.cpp is built without floating-point contraction), so the decisions are bit-identical
    // to the stock postprocess.
    const torch::Tensor hostBoxes = boxes.to(torch::kFloat32).contiguous();
    const torch::Tensor hostValid = valid.to(torch::kBool).contiguous();
    torch::Tensor keep = torch::zeros({ groups, width }, torch::TensorOptions().dtype(torch::kBool));
    const float* box = hostBoxes.data_ptr<float>();
    const bool* isValid = hostValid.data_ptr<bool>();
    bool* kept = keep.data_ptr<bool>();
    at::parallel_for(0, groups, 1, [&](int64_t begin, int64_t end) {
        std::vector<int64_t> keptIndices;
        for (int64_t g = begin; g < end; ++g) {
            const float* groupBoxes = box + g * width * 4;
            keptIndices.clear();
            for (int64_t j = 0; j < width; ++j) {
                if (!isValid[g * width + j])
                    continue;
                const float* b = groupBoxes + j * 4;
                const float areaB = (b[2] - b[0]) * (b[3] - b[1]);
                bool suppressed = false;
                for (int64_t i : keptIndices) {
                    const float* a = groupBoxes + i * 4;
                    const float w = std::min(a[2], b[2]) - std::max(a[0], b[0]);
                    const float h = std::min(a[3], b[3]) - std::max(a[1], b[1]);
                    if (threshold > 0.0f && !(w > 0.0f && h > 0.0f))
                        continue; // no overlap: IoU 0 (or NaN), below any positive threshold
                    const float intersection = w * h;
                    const float areaA = (a[2] - a[0]) * (a[3] - a[1]);
                    if (intersection / ((areaA + areaB) - intersection) >= threshold) {
                        suppressed = true;
                        break;
                    }
                }
                if (!suppressed) {
                    keptIndices.push_back(j);
                    kept[g * width + j] = true;
                }
            }
        }
    });
    return keep;
}

FrameDetections stockDecodeSingle(const torch::Tensor& boxes, const torch::Tensor& scores,
    const PostprocessConfig& config, int64_t* candidates, int64_t* nmsIterations)
{
    int64_t iterations = 0;
    std::vector<torch::Tensor> boxesOut, scoresOut;
    std::vector<int64_t> labelsOut;
    int64_t candidateCount = 0;
    const auto indexOptions = torch::TensorOptions().dtype(torch::kInt64).device(boxes.device());
    for (int64_t label = 1; label < scores.size(1); ++label) {
        const torch::Tensor classScores = scores.select(1, label);
        const torch::Tensor mask = classScores > config.scoreThreshold;
        const torch::Tensor classBoxes = boxes.index({ mask });
        const torch::Tensor kept = classScores.index({ mask });
        const int64_t count = kept.size(0);
        if (count == 0)
            continue;
        candidateCount += count;
        torch::Tensor order = std::get<1>(kept.sort(0)); // ascending, as the reference
        order = order.index({ Slice(std::max<int64_t>(0, count - config.topKPerClass), torch::indexing::None) });
        std::vector<int64_t> chosen;
        while (order.numel() > 0) {
            const int64_t best = order[-1].item<int64_t>(); // a device-to-host copy per kept box on a GPU
            const torch::Tensor overlap
                = pairwiseIou(classBoxes.index_select(0, order), classBoxes[best].unsqueeze(0)).reshape({ -1 });
            order = order.index({ overlap < config.iouThreshold });
            chosen.push_back(best);
            ++iterations;
        }
        const torch::Tensor chosenIndex = torch::tensor(chosen, torch::kInt64).to(indexOptions.device());
        boxesOut.push_back(classBoxes.index_select(0, chosenIndex));
        scoresOut.push_back(kept.index_select(0, chosenIndex));
        labelsOut.insert(labelsOut.end(), chosen.size(), label);
    }
    if (candidates)
        *candidates = candidateCount;
    if (nmsIterations)
        *nmsIterations = iterations;
    if (boxesOut.empty())
        return {};
    const torch::Tensor allBoxes = torch::cat(boxesOut, 0);
    const torch::Tensor allScores = torch::cat(scoresOut, 0);
    const torch::Tensor allLabels = torch::tensor(labelsOut, torch::kInt64).to(indexOptions.device());
    torch::Tensor order = std::get<1>(allScores.sort(0));
    order = order.index({ Slice(std::max<int64_t>(0, order.size(0) - config.maxDetections), torch::indexing::None) });
    return toDetections(
        allBoxes.index_select(0, order), allLabels.index_select(0, order), allScores.index_select(0, order));
}

std::vector<FrameDetections> vectorizedPostprocess(const torch::Tensor& locations, const torch::Tensor& logits,
    const torch::Tensor& defaultBoxes, const PostprocessConfig& config, std::vector<int64_t>* candidates)
{
    const auto [boxes, scores] = decodeBatch(locations, logits, defaultBoxes);
    const int64_t batch = boxes.size(0);
    const int64_t anchors = boxes.size(1);
    const int64_t classes = scores.size(2) - 1;
    // Class scores without the background, one contiguous row per (image, class): B x C x A.
    const torch::Tensor classScores
        = scores.index({ Ellipsis, Slice(1, torch::indexing::None) }).transpose(1, 2).contiguous();
    const torch::Tensor candidateCounts = (classScores > config.scoreThreshold).sum({ 1, 2 });
    const int64_t topK = std::min(config.topKPerClass, anchors);
    auto [topScores, topIndex] = classScores.topk(topK, 2, /*largest=*/true, /*sorted=*/true);
    torch::Tensor valid = topScores > config.scoreThreshold;
    // Size read 1: the most candidates any (image, class) has; the matrices below are that wide.
    const int64_t width = valid.sum(2).max().item<int64_t>();

    std::vector<FrameDetections> result(static_cast<size_t>(batch));
    torch::Tensor packed; // B x (1 + 6 M): candidate count, then M x (l, t, r, b, score, label)
    if (width == 0) {
        packed = candidateCounts.to(torch::kFloat32).unsqueeze(1);
    } else {
        topScores = topScores.index({ Ellipsis, Slice(0, width) });
        topIndex = topIndex.index({ Ellipsis, Slice(0, width) });
        valid = valid.index({ Ellipsis, Slice(0, width) });
        const torch::Tensor flatIndex = topIndex.reshape({ batch, classes * width });
        const torch::Tensor candidateBoxes
            = boxes.gather(1, flatIndex.unsqueeze(-1).expand({ batch, classes * width, 4 }))
                  .reshape({ batch, classes, width, 4 });
        const torch::Tensor keep = batchedGreedyNms(candidateBoxes.reshape({ batch * classes, width, 4 }),
            valid.reshape({ batch * classes, width }), config.iouThreshold)
                                       .reshape({ batch, classes, width });
        const torch::Tensor keptScores
            = torch::where(keep, topScores, torch::full_like(topScores, -1.0f)).reshape({ batch, classes * width });
        const int64_t best = std::min(config.maxDetections, classes * width);
        const auto [bestScores, bestPosition] = keptScores.topk(best, 1, true, true);
        const torch::Tensor labels = floorDivide(bestPosition, width) + 1;
        const torch::Tensor bestBoxes = candidateBoxes.reshape({ batch, classes * width, 4 })
                                            .gather(1, bestPosition.unsqueeze(-1).expand({ batch, best, 4 }));
        const torch::Tensor rows
            = torch::cat({ bestBoxes, bestScores.unsqueeze(-1), labels.to(torch::kFloat32).unsqueeze(-1) }, -1);
        packed = torch::cat({ candidateCounts.to(torch::kFloat32).unsqueeze(1), rows.reshape({ batch, best * 6 }) }, 1);
    }
    // The one copy of the results to the host.
    const torch::Tensor host = packed.to(torch::kCPU).contiguous();
    const int64_t rowsPerImage = (host.size(1) - 1) / 6;
    if (candidates)
        candidates->assign(size_t(batch), 0);
    for (int64_t b = 0; b < batch; ++b) {
        const float* row = host[b].data_ptr<float>();
        if (candidates)
            (*candidates)[size_t(b)] = int64_t(row[0]);
        for (int64_t k = 0; k < rowsPerImage; ++k) {
            const float* d = row + 1 + 6 * k;
            if (d[4] <= config.scoreThreshold)
                continue; // a padding row (not kept)
            result[size_t(b)].push_back(Detection { d[0], d[1], d[2], d[3], int32_t(d[5]), d[4] });
        }
        sortDetections(result[size_t(b)]);
    }
    return result;
}

std::vector<int64_t> greedyNmsReference(
    const std::vector<std::array<float, 4>>& boxes, const std::vector<float>& scores, float iouThreshold)
{
    std::vector<int64_t> order(boxes.size());
    for (size_t i = 0; i < order.size(); ++i)
        order[i] = int64_t(i);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return scores[a] > scores[b]; });
    std::vector<int64_t> kept;
    for (int64_t candidate : order) {
        bool suppressed = false;
        for (int64_t k : kept) {
            Detection a { boxes[k][0], boxes[k][1], boxes[k][2], boxes[k][3], 0, 0 };
            Detection b { boxes[candidate][0], boxes[candidate][1], boxes[candidate][2], boxes[candidate][3], 0, 0 };
            if (iou(a, b) >= iouThreshold) {
                suppressed = true;
                break;
            }
        }
        if (!suppressed)
            kept.push_back(candidate);
    }
    return kept;
}

} // namespace es::engine
