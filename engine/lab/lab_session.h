// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal to es_engine: turns what the lab measured into session records.
#include "edgescope/engine/lab.h"
#include "store/session_store.h"

namespace es::engine {

/// What one step recorded besides its StepResult: the raw events of its measured part. Times in ns.
struct StepCapture
{
    int64_t startNs = 0;
    int64_t endNs = 0;
    std::vector<prof::RangeEvent> ranges;
    std::vector<prof::RangeRecorder::ThreadInfo> threads;
    std::vector<prof::FrameRecord> frames;
    std::vector<prof::CounterTrack> counters;
    std::vector<prof::OperatorRecord> operators;
    prof::GpuActivity gpu; ///< what CUPTI recorded in the measured part
    std::string gpuState; ///< traced, unavailable or off; empty: the lab's
    prof::GpuTracingStatus gpuTracing;
};

/// The environment rows of a session: OS, CPU, GPU and driver, CUDA, LibTorch, OpenCV, Jetson model.
std::map<std::string, std::string> sessionEnvironment(const LabResult& lab);

/// The step's GPU figures per frame and per stage, from its captured activity attributed to its ranges.
GpuStepFigures gpuFigures(const StepCapture& capture, int64_t frames);

/// One run of the session from a finished step.
prof::RunData makeRunData(const LabOptions& options, const LabResult& lab, const StepResult& step, StepCapture capture);

} // namespace es::engine
