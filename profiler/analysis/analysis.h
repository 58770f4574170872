// SPDX-License-Identifier: Apache-2.0
#pragma once

// Before/after analysis of lab runs: metrics per run, findings that explain what a run spends its time on (each with
// its evidence, the events behind it and the gain expected if fixed), and comparisons of runs (two steps of a lab,
// runs of two sessions or devices, imported runs). Qt-free and Torch-free; computed from sessions.
#include "analysis/iterations.h"
#include "analysis/measurement_stats.h"
#include "base/status.h"
#include "model/trace_model.h"
#include "store/session_store.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace es::prof {

/// What a run measured. Times in ms per frame unless named otherwise; absent values are unset.
struct RunMetrics
{
    int64_t runId = 0;
    std::string session; ///< the file it came from
    std::string step;
    std::string title;
    std::string device;
    std::string deviceName;
    std::string precision;
    int64_t batch = 1;
    int64_t frames = 0;
    double fps = 0;
    std::vector<double> batchFps; ///< one rate per measured batch (the samples of the intervals)
    std::optional<Interval> fpsInterval; ///< the median batch rate's 95 % interval
    std::string verdict; ///< steady or disturbed, as the lab judged the run; empty when it did not
    std::vector<std::string> verdictReasons;
    double latencyP50Ms = 0, latencyP95Ms = 0, latencyP99Ms = 0;
    double frameMs = 0; ///< wall time per frame (1000 / FPS)
    std::map<std::string, double> stageMs; ///< per frame
    std::optional<double> detectorOnlyFps;
    std::optional<double> pipelineEfficiency;
    // GPU (when traced)
    bool gpuTraced = false;
    double kernelsPerFrame = 0, kernelMsPerFrame = 0, medianKernelUs = 0;
    struct Copies
    {
        double count = 0, bytes = 0, ms = 0, pageablePercent = 0;
    };
    std::map<std::string, Copies> copiesPerFrame; ///< by direction
    double syncsPerFrame = 0, syncWaitMsPerFrame = 0;
    double gpuBusyPercent = 0; ///< device busy time over the measured batches' windows
    double idleGapsPerFrame = 0; ///< gaps of 10 us or more
    int64_t longGaps = 0; ///< GPU idle for 500 ms or more (nsys's gpu_gaps default)
    // Host work without a GPU trace: LibTorch's scalar reads (.item()) per frame, from the operators
    double hostScalarReadsPerFrame = 0;
    std::map<std::string, double> hostScalarReadsByStage;
    // System
    std::map<std::string, double> cpuLoadPercent; ///< per core, mean over the run
    std::optional<double> cpuLoadMeanPercent;
    std::optional<double> rssMb, ramUsedMb;
    std::optional<double> powerW, energyPerFrameJ, fpsPerWatt;
    // Detections
    std::optional<double> agreementMatchedShare;
    std::optional<bool> detectionsIdentical;
    std::string agreementReference;
    // Imported traces (no frames of the lab's): the program's iterations, and what the per-frame figures above are
    // per iteration instead ("frame" for lab runs, "iteration" for imports with iterations).
    std::string unit = "frame";
    std::optional<IterationMetrics> iterations;
    std::string iterationsNote; ///< why a run without frames has no iterations (what to do)
};

/// One rule that fired: what, why it matters, the evidence, where, and what fixing it should gain.
struct Finding
{
    std::string rule; ///< "sync-copy-in-loop", ...
    std::string title; ///< one line
    std::string explanation; ///< for a student: what the pattern is and what to do
    std::string evidence; ///< the numbers that triggered it
    std::string stage; ///< where (a stage name), empty for the whole run
    double count = 0; ///< the per-frame count behind it, where there is one
    double shareOfFrame = 0; ///< share of the frame time involved (0..1)
    double expectedSpeedup = 1; ///< FPS gain if fixed (frame time / frame time without it)
    std::string events; ///< which events: "NVTX range postprocess, DtoH copies with cudaStreamSynchronize"
};

/// A run's metrics and findings.
struct RunAnalysis
{
    RunMetrics metrics;
    std::vector<Finding> findings;
};

struct TraceModel;
/// The rate of each batch of a run's frames (frames of the batch over the time from its start to its last frame's
/// end), in batch order: the samples behind FPS intervals.
std::vector<double> batchRates(const TraceModel& model);

/// Metrics and findings of one run of a session. `previous`: the run before it in a lab (for precision and
/// detection rules), or null.
/// `iterationMarker`: the range that marks one iteration of an import (empty: found as findIterations does).
Result<RunAnalysis> analyzeRun(const SessionStore& store, int64_t runId, const RunMetrics* previous = nullptr,
    const std::string& iterationMarker = "");

/// One metric of two runs: absolute and relative change.
struct MetricChange
{
    std::string name;
    std::string unit;
    std::optional<double> base, with;
    bool higherIsBetter = true;
};

/// Two runs side by side: every metric, the findings that appeared and disappeared, and the speedup the base run's
/// findings predicted next to the measured one: the frame time the gone findings would save (per stage the largest,
/// summed over stages) taken off the base's frame.
struct Comparison
{
    RunAnalysis base, with;
    std::vector<MetricChange> metrics;
    std::vector<Finding> appeared, disappeared;
    double measuredSpeedup = 0;
    std::optional<Estimate> speedup; ///< with's batch rates over base's, with its interval
    std::string speedupVerdict; ///< faster, slower, within noise or too few samples
    double predictedSpeedup = 1;
    std::vector<KernelChange> kernelDiff; ///< imports: kernels that appeared, vanished or changed time the most
};
Comparison compareRuns(const RunAnalysis& base, const RunAnalysis& with);

/// All runs of a session in order, each compared with the one before it (the lab's waterfall).
struct LabAnalysis
{
    std::vector<RunAnalysis> runs;
    std::vector<Comparison> steps; ///< steps[i] compares runs[i] with runs[i + 1]
};
/// The lab's verdict on a run as its stored result JSON carries it: state "steady" or "disturbed" with the reasons;
/// an empty state for runs the lab did not judge (older sessions, imports) or a result that does not parse.
struct StoredVerdict
{
    std::string state;
    std::vector<std::string> reasons;
};
StoredVerdict storedVerdict(const std::string& resultJson);

/// How far analyzeSession has come, for a progress bar: runs analysed of all, and the reading of the one it is on
/// (reset for each run). The analysing thread writes it; any thread may read it.
struct SessionProgress
{
    std::atomic<int64_t> runs { 0 };
    std::atomic<int64_t> runsDone { 0 };
    LoadProgress reading;
    /// 0..1: the runs done, and the share of the current run read (reading is most of a run's analysis).
    double fraction() const
    {
        const int64_t total = runs.load();
        return total > 0 ? std::min(1.0, (double(runsDone.load()) + reading.fraction()) / double(total)) : 0.0;
    }
};

/// What analyzeSession reports and hands on as it goes; each part optional.
struct SessionAnalysisHooks
{
    SessionProgress* progress = nullptr;
    /// Called with each run's loaded events once the run is analysed, on the analysing thread: a caller that will
    /// show a run's timeline may keep (move) them instead of reading the run a second time.
    std::function<void(int64_t runId, TraceModel& model)> keepModel;
};

/// `iterationMarker` as analyzeRun takes it, for the imports among the runs.
Result<LabAnalysis> analyzeSession(const SessionStore& store, const std::vector<int64_t>& runIds = {},
    const std::string& iterationMarker = "", const SessionAnalysisHooks& hooks = {});

} // namespace es::prof
