// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal to es_engine and its tests: includes LibTorch.
#include "edgescope/engine/detection.h"
#include "edgescope/engine/frame_source.h"
#include "edgescope/engine/model_bench.h"
#include "ssd/weights.h"

#include <torch/torch.h>

#include <functional>
#include <memory>

namespace es::engine {

/// What a model's raw outputs mean for its task, in float32 on the host: predicted classes (N), segmentation masks
/// (N x H x W class indices), keypoints (N x K x 2, x and y in input pixels) or detections per image.
struct TaskOutputs
{
    torch::Tensor classes;
    torch::Tensor masks;
    torch::Tensor keypoints;
    std::vector<FrameDetections> detections;
};

/// One model of the zoo: its module (parameters, buffers, dtype and device), a forward that returns its raw outputs
/// and how to read them. Built by createZooModel with seeded weights. One thread at a time.
class ZooModel
{
public:
    using Forward = std::function<std::vector<torch::Tensor>(const torch::Tensor&)>;
    using WeightsLoader = std::function<Result<WeightsInfo>(const std::string&)>;
    ZooModel(ModelInfo info, std::shared_ptr<torch::nn::Module> module, Forward forward, WeightsLoader loader,
        std::function<void(uint64_t)> seededInit);

    const ModelInfo& info() const { return m_info; }
    torch::nn::Module& module() { return *m_module; }
    std::vector<torch::Tensor> forward(const torch::Tensor& images) { return m_forward(images); }
    /// Loads a weights file (TorchScript or state dict by the names info().weightNames says; YOLOv3-tiny also
    /// darknet's .weights); the model is unchanged when it fails.
    Result<WeightsInfo> loadWeights(const std::string& path) { return m_loader(path); }
    /// The reference initialization (torchvision's: Kaiming normal fan-out for convolutions, BatchNorm 1 and 0,
    /// N(0, 0.01) for linear layers; NVIDIA's for SSD300), deterministic for a seed.
    void initializeSeeded(uint64_t seed) { m_seededInit(seed); }
    /// The task's reading of raw outputs (argmax, heatmap peaks, decode and NMS).
    TaskOutputs interpret(const std::vector<torch::Tensor>& outputs) const;

private:
    ModelInfo m_info;
    std::shared_ptr<torch::nn::Module> m_module;
    Forward m_forward;
    WeightsLoader m_loader;
    std::function<void(uint64_t)> m_seededInit;
    torch::Tensor m_defaultBoxes; ///< SSD300's
};

/// A zoo model by id (see benchModels()), with seeded weights (seed 1), in eval mode, on the CPU in float32.
Result<std::unique_ptr<ZooModel>> createZooModel(const std::string& id);

/// Frames to the model's input: resized (bilinear) to its input size, scaled as the model expects (ImageNet mean and
/// standard deviation for the classifiers, DeepLab and pose; 0..1 for YOLO; SSD300's -1..1), N x 3 x H x W float32.
torch::Tensor modelInput(const ModelInfo& info, const std::vector<const Frame*>& frames);

/// Sets every BatchNorm's running statistics to those of `images` (one forward in training mode for BatchNorm
/// only, momentum 1), so that a seeded network's activations are normalized as a trained one's are and reduced
/// precision is compared on realistic ranges. Parameters are unchanged.
void calibrateBatchNorm(ZooModel& model, const torch::Tensor& images);

/// The torchvision-style seeded initialization of any module (see ZooModel::initializeSeeded).
void initializeTorchvisionStyle(torch::nn::Module& module, uint64_t seed);

} // namespace es::engine
