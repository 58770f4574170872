// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal to es_engine and its tests: includes LibTorch.
#include "collect/range_recorder.h"
#include "edgescope/engine/frame_source.h"
#include "ssd/postprocess.h"
#include "ssd/ssd300.h"

#include <vector>

namespace es::engine {

/// How one step runs the pipeline. Built by planStep() from the step number.
struct StepPlan
{
    int number = 0;
    int64_t batch = 1;
    bool hostPreprocess = true; ///< s0, s1: frame to tensor and preprocess on the host, then upload
    bool stockPostprocessOnDevice = false; ///< s0: the stock postprocess on the detector's output where it lives
    bool stockPostprocessOnHost = false; ///< s1: one .cpu(), then the stock postprocess
    torch::Dtype dtype = torch::kFloat32;
};

StepPlan planStep(int number, int64_t batch, torch::Dtype halfType);

/// The range names of the four stages (the seed's names) and of the enclosing frame or batch range, interned
/// once with their colours (Okabe-Ito) and NVTX categories.
struct StageNames
{
    prof::RangeName bufferToImageTensor, preprocess, detector, postprocess, frame, batch;
    static const StageNames& get();
};

/// The detections of one batch, and per frame the candidate count and the host loop's NMS iterations (s0 and s1;
/// each one an .item(), so on a GPU a device-to-host copy and a synchronization in s0).
struct BatchOutput
{
    std::vector<FrameDetections> detections;
    std::vector<int64_t> candidates;
    std::vector<int64_t> nmsIterations;
};

/// Runs SSD300 on batches of frames as one step prescribes, marking each stage with a range (NVTX and the
/// recorder). The model must already be on `device` in the plan's dtype. One thread at a time.
class Pipeline
{
public:
    Pipeline(Ssd300 model, torch::Device device, StepPlan plan, prof::RangeRecorder* recorder,
        PostprocessConfig config = {});

    /// Runs the four stages on `frames` (all the same size) as one batch; `batchIndex` is the NVTX payload.
    BatchOutput run(const std::vector<const Frame*>& frames, int64_t batchIndex);

    /// The stages up to the detector's input, for the detector-only measurement: N x 3 x 300 x 300 on the device.
    torch::Tensor prepareInput(const std::vector<const Frame*>& frames);

private:
    torch::Tensor bufferToImageTensor(const std::vector<const Frame*>& frames);
    torch::Tensor preprocess(torch::Tensor images);

    Ssd300 m_model;
    torch::Device m_device;
    StepPlan m_plan;
    prof::RangeRecorder* m_recorder;
    PostprocessConfig m_config;
    torch::Tensor m_defaultBoxesHost;
    torch::Tensor m_defaultBoxesDevice;
};

} // namespace es::engine
