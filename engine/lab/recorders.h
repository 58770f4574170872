// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal to es_engine: the collectors of a lab run.
#include "collect/gpu_tracer.h"
#include "collect/range_recorder.h"
#include "collect/system_sampler.h"
#include "collect/tegrastats.h"
#include "edgescope/engine/lab.h"
#include "lab/lab_session.h"
#include "lab/operator_recorder.h"

#include <memory>

namespace es::engine {

/// The collectors of a lab run: the stage-range mirror, the system sampler, tegrastats, the operator recorder and
/// the GPU tracer, started as --profile asks. Lab thread only (the sampler and tegrastats run their own threads).
struct Recorders
{
    bool recording = false;
    bool operatorsWanted = false;
    prof::RangeRecorder ranges;
    std::unique_ptr<prof::SystemSampler> sampler;
    std::unique_ptr<prof::TegrastatsProcess> tegrastats;
    OperatorRecorder operators;
    std::unique_ptr<prof::GpuTracer> gpu; ///< --profile full: CUPTI, when it can trace here

    void start(const LabOptions& options, LabResult& lab);
    /// What one round of a step recorded in [startNs, endNs], added to `capture` (ranges, counters, operators, GPU
    /// activity). Returns the samples the system sampler took in the window (its busiest track), -1 without one.
    int64_t collectRound(int64_t startNs, int64_t endNs, StepCapture& capture);
    void stop(const LabOptions& options, LabResult& lab);

private:
    /// Starts CUPTI; where it cannot trace, says why once and the lab goes on without GPU activity.
    void startGpuTracing(const LabOptions& options, LabResult& lab);
};

/// Appends the samples of `tracks` to the tracks of the same name in `into` (new names are added).
void mergeTracks(std::vector<prof::CounterTrack>& into, std::vector<prof::CounterTrack> tracks);

} // namespace es::engine
