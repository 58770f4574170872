// SPDX-License-Identifier: Apache-2.0
#pragma once

// The iterations of a program's loop in a trace EdgeScope did not record itself (a PyTorch-profiler trace, an nsys
// export): where each one starts and ends, and what the run does per iteration, so that imports get the figures a
// lab run gets per frame (rate with its interval, time per iteration, GPU work and kernels per iteration) and two
// traces of one program, before and after a change, compare kernel by kernel. Qt-free and Torch-free.
#include "analysis/measurement_stats.h"
#include "base/status.h"
#include "model/trace_model.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace es::prof {

/// One iteration: the span of its marking range or operator. Times in ns on the trace's clock.
struct IterationWindow
{
    int64_t startNs = 0;
    int64_t endNs = 0;
};

/// The iterations found in a run and how they were told apart.
struct Iterations
{
    std::string marker; ///< the range name they share without its "#N" ("ProfilerStep#", "train_step")
    std::string source; ///< how the marker was chosen, for a reader
    std::vector<IterationWindow> windows; ///< sorted by start, none inside another
};

/// A name without its iteration number: "ProfilerStep#12" -> "ProfilerStep#"; other names stay as they are.
std::string iterationKey(const std::string& name);

/// The iterations of `model` (finalized). `requested` names the marker (a range or operator name, with or without
/// its "#N"); empty chooses: the PyTorch profiler's ProfilerStep#N where there are any, else the NVTX range that
/// repeats (two or more times) with the largest total time. NotFound, with what to do, when nothing marks them.
Result<Iterations> findIterations(const TraceModel& model, const std::string& requested = "");

/// One kernel name's work per iteration.
struct KernelShare
{
    double launchesPerIteration = 0;
    double msPerIteration = 0;
};

/// What a run does per iteration. Times in ms unless named otherwise.
struct IterationMetrics
{
    std::string marker, source;
    int64_t count = 0;
    double perSecond = 0; ///< iterations over the span from the first's start to the last's end
    std::vector<double> rates; ///< 1 / duration of each iteration: the samples behind the intervals
    std::optional<Interval> perSecondInterval; ///< the median iteration's rate, 95 % interval
    double meanMs = 0, medianMs = 0, p95Ms = 0, minMs = 0, maxMs = 0;
    bool gpuTraced = false;
    double gpuBusyPercent = 0; ///< device busy (kernels, copies, memsets) over the iterations' span
    double kernelsPerIteration = 0, kernelMsPerIteration = 0;
    double copiesPerIteration = 0, copyMsPerIteration = 0, copyMbPerIteration = 0;
    double syncsPerIteration = 0, syncWaitMsPerIteration = 0;
    std::map<std::string, double> rangeMsPerIteration; ///< the other ranges within the iterations, by key
    std::map<std::string, KernelShare> kernels; ///< by kernel name; work launched within an iteration
};

/// The figures above for `iterations` of `model`. Device work belongs to the iteration whose thread launched it
/// (its API call, by correlation id), or where it started when its call is not in the trace.
IterationMetrics measureIterations(const TraceModel& model, const Iterations& iterations);

/// One kernel name in two runs, per iteration.
struct KernelChange
{
    std::string name;
    std::string change; ///< "appeared", "vanished" or "changed"
    KernelShare base, with;
    double deltaMs() const { return with.msPerIteration - base.msPerIteration; }
};

/// The kernels of two runs by name: those that appeared, those that vanished, and those in both, ordered by how much
/// their time per iteration changed (largest first); at most `limit` entries.
std::vector<KernelChange> diffKernels(
    const std::map<std::string, KernelShare>& base, const std::map<std::string, KernelShare>& with, size_t limit = 40);

} // namespace es::prof
