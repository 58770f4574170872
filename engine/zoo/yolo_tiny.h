// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal to es_engine and its tests: includes LibTorch.
#include "base/status.h"
#include "edgescope/engine/detection.h"

#include <torch/torch.h>

#include <string>
#include <vector>

namespace es::engine {

/// YOLOv3-tiny (Redmon and Farhadi 2018) exactly as darknet's yolov3-tiny.cfg builds it for 416 x 416: seven 3x3
/// convolutions with max pooling (the last pool 2x2 with stride 1), then two YOLO heads of 3 anchors x (4 + 1 + 80)
/// = 255 channels on 13 x 13 and, after a 2x upsampling joined with layer 8, on 26 x 26. Every convolution but the two
/// heads has BatchNorm and leaky ReLU (0.1). The 24 cfg layers are `module_list.N` with Ultralytics' child names
/// (Conv2d, BatchNorm2d), so their state dicts load by name; darknet's own .weights file loads too
/// (loadDarknetWeights). forward() takes N x 3 x 416 x 416 (RGB, 0..1) and returns the raw head outputs
/// {N x 255 x 13 x 13, N x 255 x 26 x 26}. 8,852,366 parameters. One thread at a time.
class YoloV3TinyImpl : public torch::nn::Module
{
public:
    static constexpr int64_t kInputSize = 416;
    static constexpr int64_t kClasses = 80;
    YoloV3TinyImpl();
    std::vector<torch::Tensor> forward(torch::Tensor x);

    torch::nn::ModuleList module_list { nullptr };
    /// The convolutional layers in cfg order (cfg layer index, its block), for forward and darknet's weights.
    std::vector<std::pair<int, torch::nn::Sequential>> convolutions;
};
TORCH_MODULE(YoloV3Tiny);

/// The YOLO layers' decode: sigmoid offsets on each cell, anchors scaled by exp, objectness times the sigmoid class
/// probabilities. Anchors are yolov3-tiny.cfg's (10,14 23,27 37,58 81,82 135,169 344,319 pixels at 416), masks
/// 3,4,5 on 13 x 13 and 1,2,3 on 26 x 26 (the cfg's, which its published weights were trained with). Returns boxes
/// N x 2535 x 4 (ltrb, 0..1 of the input) and class scores N x 2535 x 80, float32 on the inputs' device.
std::pair<torch::Tensor, torch::Tensor> decodeYolo(const std::vector<torch::Tensor>& heads, int64_t inputSize);

/// Darknet's detection postprocess: per class, scores above `scoreThreshold` (darknet's 0.25), the best 200, greedy
/// NMS at IoU `iouThreshold` (0.45), at most `maxDetections` per image, best first. COCO labels 1..80.
std::vector<FrameDetections> yoloPostprocess(const torch::Tensor& boxes, const torch::Tensor& scores,
    float scoreThreshold = 0.25f, float iouThreshold = 0.45f, int64_t maxDetections = 100);

/// Reads darknet's yolov3-tiny.weights (https://pjreddie.com/media/files/yolov3-tiny.weights): a header (version and
/// images seen), then per convolution in cfg order BatchNorm beta, gamma, mean and variance (or the bias) and the
/// weights, float32. The file must hold exactly the model's values; the model is unchanged when it does not.
/// Returns the number of tensors loaded. One thread at a time.
Result<int64_t> loadDarknetWeights(YoloV3Tiny& model, const std::string& path);

} // namespace es::engine
