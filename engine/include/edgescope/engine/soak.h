// SPDX-License-Identifier: Apache-2.0
#pragma once

// The soak: the lab's pipeline run again and again with full profiling for a wall time, watching what must stay
// flat on a board that runs for hours. Public API: no LibTorch types.
#include "edgescope/engine/lab.h"

#include <functional>

namespace es::engine {

/// What to soak: the lab's options (one step, its frames per run, the session every run is appended to) and for
/// how long. Seconds of wall time.
struct SoakOptions
{
    LabOptions lab; ///< lab.steps holds one step; lab.frames frames are measured per run
    double seconds = 1800;
    double reportSeconds = 60; ///< one SoakSample this often
};

/// One report of the soak: the process and the session after `elapsedSeconds`. Memory and sizes in bytes.
struct SoakSample
{
    double elapsedSeconds = 0;
    int64_t runs = 0; ///< lab runs finished so far
    int64_t frames = 0; ///< frames measured so far
    double fps = 0; ///< over the runs of this interval
    int64_t rssBytes = -1;
    int64_t openFds = -1;
    int64_t threads = -1;
    int64_t gpuRecordsDropped = 0; ///< CUPTI records lost so far
    int64_t samplerSamplesMissed = 0; ///< system samples the sampler's period asked for and did not take, so far
    int64_t sessionBytes = 0;
};

/// The soak's reports and its verdict on memory: RSS growth from the first report (after the warm-up minute, when
/// the allocators have reached their working set) to the last, in percent.
struct SoakResult
{
    std::vector<SoakSample> samples;
    double rssGrowthPercent = 0;
    int64_t fdGrowth = 0;
    bool cancelled = false;
};

/// Runs lab runs of `options.lab` back to back until `options.seconds` have passed (or options.lab.cancel is set),
/// calling `onSample` on this thread every `options.reportSeconds` and at the end. A failed run ends the soak with
/// its Status; the runs before it stay in the session. More than one step or no session is an InvalidArgument about
/// the "steps" or "sessionPath" option.
Result<SoakResult> runSoak(const SoakOptions& options, const std::function<void(const SoakSample&)>& onSample);

} // namespace es::engine
