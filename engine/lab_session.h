// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal to es_engine: turns what the lab measured into session records.
#include "lab.h"
#include "session_store.h"

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
};

/// The environment rows of a session: OS, CPU, GPU and driver, CUDA, LibTorch, OpenCV, Jetson model.
std::map<std::string, std::string> sessionEnvironment(const LabResult& lab);

/// One run of the session from a finished step.
prof::RunData makeRunData(const LabOptions& options, const LabResult& lab, const StepResult& step, StepCapture capture);

} // namespace es::engine
