// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal to es_engine and its tests: includes LibTorch.
#include "edgescope/engine/detection.h"

#include <torch/torch.h>

#include <vector>

namespace es::engine {

/// Default boxes of SSD300 (NVIDIA's dboxes300_coco): feature sizes [38, 19, 10, 5, 3, 1], steps
/// [8, 16, 32, 64, 100, 300], scales [21, 45, 99, 153, 207, 261, 315], aspect ratios [[2], [2,3], [2,3], [2,3], [2],
/// [2]]; per map, for each box shape, every cell row by row. 8732 x 4 (cx, cy, w, h), clamped to [0, 1], float32.
torch::Tensor defaultBoxesXywh();

/// Thresholds of the postprocess, the stock SSD300 values by default.
struct PostprocessConfig
{
    float scoreThreshold = 0.05f; ///< a class score must exceed this to become a candidate
    float iouThreshold = 0.5f; ///< NMS suppresses a box whose IoU with a kept box is >= this
    int64_t topKPerClass = 200; ///< candidates kept per class before NMS
    int64_t maxDetections = 200; ///< detections kept per image after NMS
};

/// NVIDIA's scale_back_batch: locations N x 4 x 8732 and logits N x 81 x 8732 to boxes N x 8732 x 4 (ltrb, 0..1)
/// and class probabilities N x 8732 x 81 (softmax), on the inputs' device, in float32.
std::pair<torch::Tensor, torch::Tensor> decodeBatch(
    const torch::Tensor& locations, const torch::Tensor& logits, const torch::Tensor& defaultBoxes);

/// IoU of every box in `a` (... x N x 4, ltrb) with every box in `b` (... x M x 4): ... x N x M.
torch::Tensor pairwiseIou(const torch::Tensor& a, const torch::Tensor& b);

/// The stock SSD300 postprocess of one image (NVIDIA's decode_single), on tensors wherever they live: per class,
/// scores above the threshold, sorted, the best 200, then greedy NMS whose loop reads the next best index with
/// .item(). On a GPU every .item() is a device-to-host copy and a synchronization: that is step 0's lesson.
/// `boxes` 8732 x 4 and `scores` 8732 x 81 from decodeBatch. `candidates` receives the number of (box, class)
/// pairs above the threshold; `nmsIterations` the number of greedy NMS iterations (one .item() each).
FrameDetections stockDecodeSingle(const torch::Tensor& boxes, const torch::Tensor& scores,
    const PostprocessConfig& config, int64_t* candidates = nullptr, int64_t* nmsIterations = nullptr);

/// The vectorized postprocess of steps 2 and later, for a whole batch on the device: decode of all boxes at once,
/// score threshold, top-k per class, batched greedy NMS for every (image, class) at once, the best detections per
/// image; only the final detections are copied to the host (one copy), plus a constant handful of size reads per
/// batch. Gives the same detections as stockDecodeSingle. `candidates` receives one count per image.
std::vector<FrameDetections> vectorizedPostprocess(const torch::Tensor& locations, const torch::Tensor& logits,
    const torch::Tensor& defaultBoxes, const PostprocessConfig& config, std::vector<int64_t>* candidates = nullptr);

/// Greedy NMS for many groups at once: `boxes` G x K x 4 sorted by score within each group (best first), `valid`
/// G x K; returns which boxes are kept (G x K bool). Box j is kept when valid and no kept box i < j of its group has
/// IoU >= threshold with it. On a GPU: a fixed point of batched matrix products (a few flag reads); on a CPU: the
/// classic greedy loop per group, in parallel over groups, with the stock postprocess's float rounding. Both exact.
/// `method` picks the algorithm: Auto (by device), or one of them on any device (tests run the GPU's on the CPU).
enum class NmsMethod { Auto, FixedPoint, HostLoop };
torch::Tensor batchedGreedyNms(
    const torch::Tensor& boxes, const torch::Tensor& valid, float threshold, NmsMethod method = NmsMethod::Auto);

/// Greedy NMS by the book, on host vectors: boxes sorted by score (best first) are kept unless their IoU with a
/// kept box reaches the threshold. Returns kept indices. The reference for tests.
std::vector<int64_t> greedyNmsReference(
    const std::vector<std::array<float, 4>>& boxes, const std::vector<float>& scores, float iouThreshold);

} // namespace es::engine
