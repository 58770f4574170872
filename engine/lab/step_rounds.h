// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal to es_engine: one step measured in rounds, and what its rounds add up to.
#include "collect/machine_probe.h"
#include "edgescope/engine/lab.h"
#include "lab/pipeline.h"
#include "lab/recorders.h"

#include <memory>

namespace es::engine {

/// A step across its rounds: its pipeline, and everything its rounds measured so far, pooled. Times in ns, ms where
/// named. Lab thread only.
struct StepProgress
{
    StepPlan plan;
    std::unique_ptr<Pipeline> pipeline;
    StepResult step; ///< identity at the start; figures once finishStep() ran; detections of the first round
    StepCapture capture; ///< every round's events (the run's start is the first round's, its end the last's)
    std::vector<double> latenciesMs;
    int64_t detections = 0, candidates = 0, nmsIterations = 0;
    int64_t framesDone = 0; ///< measured, all rounds
    int64_t batchIndex = 0; ///< warm-up and measured batches so far (the NVTX payload)
    int64_t measuredBatches = 0; ///< measured batches so far, all rounds (the operator schedule counts these)
    int roundsDone = 0;
    double cpuClockSumMhz = 0, gpuClockSumMhz = 0;
    int cpuClockReadings = 0, gpuClockReadings = 0;
};

/// Batches of `count` frames of `frames` from index `first` on (cycled when the source is shorter), `batch` a batch.
std::vector<std::vector<const Frame*>> makeBatches(
    const std::vector<Frame>& frames, int64_t first, int64_t count, int64_t batch);

/// One round of a step: its warm-up, then options.frames measured frames in batches, each batch's rate and latency,
/// the first round's detections, the recorders' events and the machine's readings around the measured part.
/// Cancelled between batches when options.cancel is set.
Status measureRound(const LabOptions& options, StepProgress& progress, const std::vector<Frame>& frames,
    const torch::Device& device, Recorders& recorders, const prof::MachineProbe& probe);

/// The step's figures from its rounds: FPS as the median batch rate with its interval, latency quantiles, stage
/// times and counts per frame, and the evidence of its verdict.
void finishStep(const LabOptions& options, StepProgress& progress, bool onCpu);

/// The verdict of every step and of the run, from the steps' evidence.
void judgeLab(LabResult& lab);

} // namespace es::engine
