// SPDX-License-Identifier: Apache-2.0
#pragma once

// The engine's public API: no LibTorch or OpenCV types, so that the CLI and the GUI compile without them.
#include "analysis/measurement_stats.h"
#include "analysis/measurement_verdict.h"
#include "base/status.h"
#include "edgescope/engine/detection.h"
#include "edgescope/engine/device_report.h"
#include "edgescope/engine/frame_source.h"

#include <atomic>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace es::engine {

/// What a step has done so far, after each measured batch: what the GUI's Live page shows while the lab runs. Times in
/// ms; `frame` and its detections are the batch's last frame, valid only during the call.
struct LiveUpdate
{
    std::string stepId;
    int stepNumber = 0;
    int64_t framesDone = 0;
    int64_t framesTotal = 0;
    double fps = 0; ///< measured frames so far over the time they took
    double batchLatencyMs = 0;
    std::map<std::string, double> stagesMs; ///< mean per frame so far; empty with --profile off
    const Frame* frame = nullptr;
    FrameDetections detections;
};

/// What to run: the frames, the steps and the model. Defaults are the founding study's.
struct LabOptions
{
    std::string video; ///< a file, camera or GStreamer pipeline (see openVideo); empty with synthetic
    bool synthetic = false;
    int syntheticWidth = 640;
    int syntheticHeight = 480;
    static constexpr int kDefaultOperatorStride = 4;
    int64_t frames = 12; ///< frames measured per step in each round
    int64_t warmup = 2; ///< frames run before each round of a step, not counted
    /// Rounds: every step measured this many times, in rounds (s0 s1 s2 s3 s4, then s1 s2 s3 s4 s0, ...: the order
    /// rotated each round), so that a drift of the machine touches every step alike. Statistics pool the rounds.
    int repeat = 1;
    std::vector<int> steps = { 0, 1, 2, 3, 4 };
    std::string device = "auto"; ///< auto, cpu or cuda
    int64_t batch = 4; ///< batch of steps 3 and 4
    std::string weightsPath; ///< empty: deterministic seeded weights
    uint64_t seed = 1; ///< seed of the seeded weights
    bool measureDetectorOnly = true;
    int threads = 0; ///< LibTorch intra-op threads; 0: OMP_NUM_THREADS when set, else every logical core
    std::string sessionPath; ///< --out: append one run per step to this session file (created when missing)
    std::string profile = "light"; ///< off: nothing recorded; light: ranges and samplers; full: also operators
    /// --profile full: LibTorch operators are recorded on one measured batch in this many (the 1st, the N+1th, ...
    /// of each step, counted across rounds), as torch.profiler's schedule records its active steps only; 1 records
    /// every batch. RecordFunction costs about a microsecond per operator, and the host NMS of s0 and s1 runs
    /// thousands of operators per frame: on every batch that cost up to 30 % of s0's FPS on a 2-core CPU.
    int operatorStride = kDefaultOperatorStride;
    int samplerPeriodMs = 100; ///< system sampler period (10 Hz)
    bool traceDriverApi = false; ///< --profile full: CUPTI traces driver API calls too
    std::string tegrastatsCommand; ///< e.g. "tegrastats" or "sudo tegrastats": read it as a child process too
    std::string systemRoot; ///< tests: prefixes /proc and /sys for the sampler and the verdicts' probe ("": real)
    std::function<void(const std::string&)> progress; ///< called on the lab's thread with one line of progress
    const std::atomic<bool>* cancel = nullptr; ///< set to stop between batches (Status Cancelled)
    /// Called on the lab's thread after each measured batch (the GUI's Live page); costs nothing when unset.
    std::function<void(const LiveUpdate&)> live;
};

/// GPU work of a stage (or of the whole step) per measured frame, from CUPTI's records attributed to the stage ranges.
/// Times in ms per frame.
struct GpuStageFigures
{
    double kernels = 0;
    double kernelMs = 0;
    double copiesHtoD = 0, copiesDtoH = 0, copiesDtoD = 0;
    double copyBytes = 0;
    double pageableCopyPercent = 0; ///< share of host copies that used pageable memory
    double memsets = 0;
    double syncs = 0;
    double syncWaitMs = 0; ///< CPU time spent waiting in synchronizations
    double gpuBusyMs = 0; ///< union of the kernels, copies and memsets issued here
    double cpuMs = 0; ///< the stage's ranges (or the batches' windows for the total)
    double gpuIdlePercent = 0; ///< of that CPU time, the share with no device work at all
};

/// What GPU tracing recorded for one step.
struct GpuStepFigures
{
    std::map<std::string, GpuStageFigures> stages; ///< by stage name
    GpuStageFigures total;
    int64_t records = 0; ///< kernels, copies, memsets, syncs and API calls of the measured part
    uint64_t droppedRecords = 0;
    int64_t unattributed = 0; ///< device records with no API call in a stage
    int64_t idleGapsPerFrame = 0; ///< idle stretches of 10 us or more, per frame (batch windows)
    int64_t clockUncertaintyNs = 0; ///< of the CUPTI-to-profiler clock mapping
    std::vector<std::string> notes;
};

/// What one step measured. Times in ms, rates per second.
struct StepResult
{
    int number = 0;
    std::string id;
    std::string title;
    int64_t batch = 1;
    std::string precision = "fp32"; ///< fp32, fp16 or bf16
    std::string precisionReason; ///< why this precision (s4 on a CPU says why bf16 or why not)
    int64_t frames = 0; ///< measured, all rounds
    int rounds = 1;
    double wallSeconds = 0; ///< measured time, all rounds
    /// Frames per second: the median of the batches' rates (frames of a batch over its time), all rounds pooled,
    /// and its 95 % interval (see prof::medianWithInterval; fewer than 6 batches give a wider-than-asked one).
    double fps = 0;
    prof::Interval fpsInterval;
    std::vector<double> batchFps; ///< the samples: one rate per measured batch, in order
    int64_t operatorBatches = 0; ///< --profile full: measured batches whose operators were recorded
    std::vector<double> roundFps; ///< frames over time of each round
    double latencyP50Ms = 0, latencyP95Ms = 0, latencyP99Ms = 0; ///< per frame: its batch from start to detections
    std::map<std::string, double> stagesMs; ///< mean ms per frame of each stage (a batch's time split over its frames)
    double detectionsPerFrame = 0;
    double candidatesPerFrame = 0; ///< (box, class) pairs above the score threshold per frame
    double nmsIterationsPerFrame = 0; ///< host-loop NMS iterations per frame (s0, s1): one .item() each
    std::optional<double> speedupVsBaseline; ///< fps / s0's fps when s0 ran
    /// The speedup's interval (Hodges-Lehmann ratio of the batch rates against s0's) and what it says: faster,
    /// slower, within noise (the interval holds 1) or too few samples.
    std::optional<prof::Interval> speedupInterval;
    std::string speedupVerdict;
    prof::Verdict verdict; ///< steady, or disturbed and why (see prof::judgeSteps)
    prof::StepEvidence evidence; ///< what the verdict read
    double detectorOnlyFps = 0; ///< forward pass alone, same batch and precision, input on the device
    double pipelineEfficiency = 0; ///< fps / detectorOnlyFps
    std::optional<Agreement> agreement; ///< s1-s3 against s0, s4 against s3 (or the closest earlier step run)
    std::vector<FrameDetections> detections; ///< per measured frame
    std::optional<GpuStepFigures> gpu; ///< when --profile full traced the GPU
    int64_t deviceMemoryPeakBytes = -1; ///< LibTorch's peak allocated GPU memory while measuring; -1: unknown
};

/// The result of a lab run: every step on the same frames, and what they ran on.
struct LabResult
{
    DeviceReport devices;
    std::string deviceUsed; ///< "cpu" or "cuda:0"
    std::string deviceName; ///< the CPU model or the GPU name
    std::string weights; ///< which weights, in words
    bool trainedWeights = false;
    std::string video; ///< the source, in words
    int64_t frames = 0;
    int64_t warmup = 0;
    int64_t framesDecoded = 0; ///< distinct frames read from the source (cycled when fewer than warmup + frames)
    double decodeMsPerFrame = 0; ///< video decoding, done before the steps and not part of their FPS
    int threads = 0; ///< LibTorch intra-op threads
    int repeat = 1; ///< rounds
    std::string profile; ///< off, light or full
    int operatorStride = 1; ///< --profile full: operators recorded on one measured batch in this many
    std::vector<StepResult> steps;
    prof::Verdict verdict; ///< disturbed when any step is
    std::vector<std::string> driftRisks; ///< named before the run: what will make its figures drift
    std::vector<std::string> notes; ///< things a reader must know (cycled frames, fallbacks)
    std::string gpuTracing = "off"; ///< traced, unavailable (see gpuTracingReason) or off (--profile off/light)
    std::string gpuTracingReason; ///< why not
    std::string gpuTracingFix; ///< what to do about it
    std::string sessionPath; ///< where the runs were written, empty without --out
    std::vector<int64_t> runIds; ///< the session's run id of each step, in step order
};

/// Runs the chosen steps on the same frames and measures each; catches every LibTorch and OpenCV exception and
/// returns a Status naming the input and the fix instead. Runs on the calling thread (a worker in the GUI).
Result<LabResult> runLab(const LabOptions& options);

/// Returns the allocator's free pages to the system (glibc's malloc_trim; nothing elsewhere). runLab calls it when it
/// ends; long-running callers (the soak, the GUI) rely on it to keep RSS flat over many runs.
void releaseFreeMemory();

/// Checks options before any work (frames, batch, steps, device), so that bad input fails fast. A status about one
/// option names it in LabOptions' spelling (Status::option(): "frames", "batch", "steps"...) and its message speaks of
/// the option, not of a CLI flag, so that the CLI and the GUI can each add their own name for it.
Status validateLabOptions(const LabOptions& options);

} // namespace es::engine
