// SPDX-License-Identifier: Apache-2.0
// The findings: each rule has a threshold, the evidence that crossed it, the events behind it, a student-level
// explanation, and the speedup expected if it were fixed (frame time over frame time without the cost it names).
#include "analysis/analysis_internal.h"
#include "model/vocabulary.h"

#include <algorithm>
#include <cstdio>

namespace es::prof {

namespace {

/// Rule thresholds (per frame unless said).
constexpr double kLoopCopies = 10; ///< device-to-host copies in one stage that make a loop
/// Synchronizations per loop copy: a loop of .item() calls waits on (nearly) every copy; half of them is enough to
/// tell it from copies that are merely numerous.
constexpr double kLoopSyncsPerCopy = 0.5;
constexpr double kLoopScalarReads = 10; ///< host .item() reads in one stage
constexpr double kPageableShare = 50; ///< % of host copies on pageable memory
constexpr double kPageableMs = 0.1; ///< copy time worth pinning
/// Synchronizations beyond the device-to-host copies: one per frame is already a wait no result needs.
constexpr double kExtraSyncs = 1;
/// Share of the frame spent waiting in synchronizations below which dropping them is not worth a finding.
constexpr double kSyncWaitShare = 0.05;
constexpr double kLowGpuBusy = 50; ///< % (nsys's gpu_time_util threshold)
/// Kernels per frame from which launch overhead can add up to a share of the frame (100 x 5 us = 0.5 ms).
constexpr double kManyKernels = 100;
/// Median kernel time (us) below which a kernel costs about as much CPU to launch as GPU to run.
constexpr double kShortKernelUs = 10;
constexpr double kLaunchOverheadUs = 5; ///< CPU cost of one kernel launch, typical for the CUDA runtime
constexpr double kHostStageShare = 0.25; ///< of the frame
/// Share of a stage's time with the GPU idle above which the stage is host work, not waiting on the device.
constexpr double kHostStageGpuIdle = 0.9;
constexpr double kPrecisionGain = 1.1; ///< a precision change should give at least this
/// Batch below which a precision change has too little work per kernel to pay off.
constexpr int64_t kSmallBatch = 4;
/// Share of matched detections below which a step changed what the model finds (reduced precision stays above it).
constexpr double kDetectionsMatched = 0.99;

/// The expected gains: what share of the cost each fix removes.
constexpr double kPinnedCopySaving = 0.5; ///< pinned memory copies about twice as fast
constexpr double kLaunchSaving = 0.5; ///< fusing, batching or a CUDA graph removes about half the launches' cost
constexpr double kHostStageSaving = 0.8; ///< batched tensor operations remove about 80% of a host stage
/// No fix takes the frame below this share of its time (caps a predicted speedup at 20x).
constexpr double kMinRemainingFrame = 0.05;

std::string format(const char* pattern, double a, double b = 0, double c = 0)
{
    char text[512];
    std::snprintf(text, sizeof text, pattern, a, b, c);
    return text;
}

double speedupSaving(double frameMs, double savedMs)
{
    if (frameMs <= 0 || savedMs <= 0)
        return 1.0;
    return frameMs / std::max(frameMs * kMinRemainingFrame, frameMs - savedMs);
}

/// What every rule reads: the run's metrics and GPU attribution, the run before it, and the session's environment.
struct RuleInput
{
    const RunMetrics& m;
    const GpuAttribution& gpu;
    const RunMetrics* previous;
    const std::map<std::string, std::string>& environment;
    double frames; ///< measured frames, at least 1
    double frameMs;
};

/// A rule returns the findings it raises (none, one, or one per stage); applyRules sets their rule id.
using Rule = std::vector<Finding> (*)(const RuleInput&);

/// 1. Synchronous device-to-host copies in a loop: the .item() pattern.
std::vector<Finding> syncCopiesInLoop(const RuleInput& in)
{
    std::vector<Finding> findings;
    for (const auto& [stage, s] : in.gpu.byStage) {
        const double dtoh = double(s.copiesIn("DtoH").count) / in.frames;
        const double syncs = double(s.syncs) / in.frames;
        if (dtoh < kLoopCopies || syncs < kLoopCopies * kLoopSyncsPerCopy)
            continue;
        Finding f;
        f.stage = stage;
        f.count = dtoh;
        const double costMs = (double(s.syncWaitNs) + double(s.copiesIn("DtoH").ns)) / 1e6 / in.frames;
        f.shareOfFrame = in.frameMs > 0 ? std::min(1.0, costMs / in.frameMs) : 0;
        // One copy of everything at once replaces the loop's copies and waits.
        f.expectedSpeedup = speedupSaving(in.frameMs, costMs * (1.0 - 1.0 / dtoh));
        f.title = format("%.0f synchronous device-to-host copies per frame in ", dtoh) + stage;
        f.evidence = format("%.0f DtoH copies and %.0f synchronizations per frame; waiting and copying take %.1f%% of "
                            "the frame",
            dtoh, syncs, 100 * f.shareOfFrame);
        f.explanation = "Each .item() (or .cpu() of a small tensor) inside a loop copies a few bytes from the GPU and "
                        "makes the CPU wait until the GPU has finished everything queued before it. The GPU idles "
                        "between these round trips. Copy the whole result once (.cpu() before the loop), or keep the "
                        "loop on the device as tensor operations.";
        f.events = "DtoH copies and their cudaStreamSynchronize/cudaMemcpy calls inside the NVTX range " + stage;
        findings.push_back(f);
    }
    return findings;
}

/// 1b. The same pattern seen from the host, where no GPU was traced (or on a CPU): LibTorch scalar reads.
std::vector<Finding> scalarReadsInLoop(const RuleInput& in)
{
    std::vector<Finding> findings;
    if (in.m.gpuTraced)
        return findings;
    for (const auto& [stage, reads] : in.m.hostScalarReadsByStage) {
        if (reads < kLoopScalarReads)
            continue;
        auto stageMs = in.m.stageMs.find(stage);
        const double ms = stageMs == in.m.stageMs.end() ? 0 : stageMs->second;
        Finding f;
        f.stage = stage;
        f.count = reads;
        f.shareOfFrame = in.frameMs > 0 ? std::min(1.0, ms / in.frameMs) : 0;
        f.expectedSpeedup = speedupSaving(in.frameMs, ms * (1.0 - 1.0 / reads));
        f.title = format("%.0f scalar reads (.item()) per frame in ", reads) + stage;
        f.evidence = format("%.0f aten::_local_scalar_dense per frame; the stage takes %.1f ms (%.1f%% of the "
                            "frame)",
            reads, ms, 100 * f.shareOfFrame);
        f.explanation = "A Python-style loop reads one value per iteration with .item(). On a GPU each read is a "
                        "synchronous copy; on a CPU each iteration still pays LibTorch's per-operator cost. "
                        "Vectorize the loop (batched NMS) so that the stage runs a few large operations. The "
                        "expected gain is an upper bound: the stage's time minus one iteration.";
        f.events = "LibTorch operators aten::_local_scalar_dense inside the NVTX range " + stage;
        findings.push_back(f);
    }
    return findings;
}

/// 2. Pageable host memory behind copies.
std::vector<Finding> pageableCopies(const RuleInput& in)
{
    std::vector<Finding> findings;
    if (!in.m.gpuTraced)
        return findings;
    for (const auto& [direction, c] : in.m.copiesPerFrame) {
        if ((direction != "HtoD" && direction != "DtoH") || c.pageablePercent < kPageableShare || c.ms < kPageableMs)
            continue;
        Finding f;
        f.count = c.count;
        f.shareOfFrame = in.frameMs > 0 ? c.ms / in.frameMs : 0;
        f.expectedSpeedup = speedupSaving(in.frameMs, c.ms * kPinnedCopySaving);
        f.title = direction + format(" copies use pageable host memory (%.0f%%)", c.pageablePercent);
        f.evidence = format("%.1f copies, %.2f MB and %.3f ms per frame", c.count, c.bytes / 1e6, c.ms);
        f.explanation = "Copies from or to ordinary (pageable) host memory go through a staging buffer and cannot "
                        "overlap with kernels. Pinned memory (tensor.pin_memory(), non_blocking=True) copies "
                        "about twice as fast and asynchronously.";
        f.events = direction + " memcpy records with a pageable host side";
        findings.push_back(f);
    }
    return findings;
}

/// 3. Explicit synchronizations that no copy needs.
std::vector<Finding> explicitSyncs(const RuleInput& in)
{
    const RunMetrics& m = in.m;
    if (!m.gpuTraced)
        return {};
    const double dtoh = m.copiesPerFrame.count("DtoH") ? m.copiesPerFrame.at("DtoH").count : 0;
    const double extra = m.syncsPerFrame - dtoh;
    if (!(extra >= kExtraSyncs && in.frameMs > 0 && m.syncWaitMsPerFrame >= kSyncWaitShare * in.frameMs))
        return {};
    Finding f;
    f.count = extra;
    const double waitedMs = m.syncWaitMsPerFrame * extra / std::max(1.0, m.syncsPerFrame);
    f.shareOfFrame = waitedMs / in.frameMs;
    f.expectedSpeedup = speedupSaving(in.frameMs, waitedMs);
    f.title = format("%.1f synchronizations per frame that no copy needs", extra);
    f.evidence = format("%.1f synchronizations against %.1f device-to-host copies per frame; %.2f ms waited",
        m.syncsPerFrame, dtoh, m.syncWaitMsPerFrame);
    f.explanation = "torch.cuda.synchronize() or stream/event waits block the CPU until the GPU is idle. Keep "
                    "one where a result is needed on the host (or for timing) and drop the others.";
    f.events = "CUPTI synchronization records without a device-to-host copy next to them";
    return { f };
}

/// 4. Low GPU time utilization and idle gaps (nsys's gpu_time_util and gpu_gaps).
std::vector<Finding> gpuIdle(const RuleInput& in)
{
    const RunMetrics& m = in.m;
    if (!(m.gpuTraced && m.gpuBusyPercent < kLowGpuBusy))
        return {};
    Finding f;
    f.count = m.idleGapsPerFrame;
    f.shareOfFrame = 1.0 - m.gpuBusyPercent / 100.0;
    double bound = m.gpuBusyPercent > 0 ? 100.0 / m.gpuBusyPercent : 1.0;
    if (m.detectorOnlyFps && m.fps > 0)
        bound = std::min(bound, *m.detectorOnlyFps / m.fps);
    f.expectedSpeedup = std::max(1.0, bound);
    f.title = format("the GPU is busy %.0f%% of the frame time", m.gpuBusyPercent);
    f.evidence = format("%.1f idle gaps of 10 us or more per frame; %.0f gaps of 500 ms or more", m.idleGapsPerFrame,
        double(m.longGaps));
    f.explanation = "Between kernels the GPU waits for the CPU: launches, Python-side work, copies and "
                    "synchronizations. Move host work to the device, batch frames, and avoid waits so that "
                    "the next work is queued before the GPU runs dry. The gain is bounded by the detector's "
                    "own speed.";
    f.events = "gaps between kernels, copies and memsets inside the frames' windows";
    return { f };
}

/// 5. Launch-bound: many short kernels.
std::vector<Finding> launchBound(const RuleInput& in)
{
    const RunMetrics& m = in.m;
    if (!(m.gpuTraced && m.kernelsPerFrame >= kManyKernels && m.medianKernelUs < kShortKernelUs))
        return {};
    Finding f;
    f.count = m.kernelsPerFrame;
    const double launchMs = m.kernelsPerFrame * kLaunchOverheadUs / 1e3;
    f.shareOfFrame = in.frameMs > 0 ? std::min(1.0, launchMs / in.frameMs) : 0;
    f.expectedSpeedup = speedupSaving(in.frameMs, launchMs * kLaunchSaving);
    f.title = format("%.0f kernels per frame, median %.1f us: launch-bound", m.kernelsPerFrame, m.medianKernelUs);
    f.evidence = format("%.0f kernels per frame with a median of %.1f us; at about %.0f us of CPU per launch",
        m.kernelsPerFrame, m.medianKernelUs, kLaunchOverheadUs);
    f.explanation = "When kernels are shorter than the CPU's cost of launching them, the GPU waits on "
                    "launches. Batch frames, fuse element-wise operations, or capture the step in a CUDA graph.";
    f.events = "CONCURRENT_KERNEL records";
    return { f };
}

/// 6. Host-side stages dominating the frame.
std::vector<Finding> hostStages(const RuleInput& in)
{
    std::vector<Finding> findings;
    for (const auto& [stage, ms] : in.m.stageMs) {
        if (stage == es::stage::kDetector || in.frameMs <= 0 || ms < kHostStageShare * in.frameMs)
            continue;
        const GpuWorkSummary* s = in.gpu.stage(stage);
        const bool hostSide
            = !in.m.gpuTraced || !s || (s->wallNs > 0 && double(s->gpuIdleNs) / double(s->wallNs) > kHostStageGpuIdle);
        if (!hostSide)
            continue;
        Finding f;
        f.stage = stage;
        f.shareOfFrame = ms / in.frameMs;
        f.expectedSpeedup = speedupSaving(in.frameMs, ms * kHostStageSaving);
        f.title = stage + format(" takes %.0f%% of the frame on the host", 100 * f.shareOfFrame);
        f.evidence = format("%.1f ms of a %.1f ms frame", ms, in.frameMs);
        f.explanation = "A stage outside the model takes a large share of each frame. Pre- and postprocessing can run "
                        "as batched tensor operations (on the device where there is one); the expected gain assumes "
                        "80% of the stage goes away.";
        f.events = "NVTX range " + stage;
        findings.push_back(f);
    }
    return findings;
}

/// The likeliest reason a precision change did not speed the run up.
std::string precisionReason(const RunMetrics& m, const std::map<std::string, std::string>& environment)
{
    const auto simd = environment.find("cpu_simd");
    const bool cpu = m.device.rfind("cuda", 0) != 0;
    if (m.batch < kSmallBatch)
        return "the batch is small (" + std::to_string(m.batch) + "): too little work per kernel to gain";
    if (cpu && (simd == environment.end() || simd->second.find("bf16") == std::string::npos))
        return "this CPU has no native bf16/fp16 instructions: reduced precision is emulated";
    return "conversions between precisions or host-side stages dominate the frame";
}

/// 7. A precision change that did not speed up.
std::vector<Finding> precisionWithoutGain(const RuleInput& in)
{
    const RunMetrics& m = in.m;
    const RunMetrics* previous = in.previous;
    if (!(previous && m.precision != previous->precision && m.precision != "fp32" && previous->fps > 0
            && m.fps < previous->fps * kPrecisionGain))
        return {};
    Finding f;
    f.count = m.fps / previous->fps;
    const std::string reason = precisionReason(m, in.environment);
    f.title = m.precision + format(" gave %.2fx against ", f.count) + previous->precision;
    f.evidence = format("%.2f FPS against %.2f FPS", m.fps, previous->fps) + "; likely: " + reason;
    f.explanation = "Half precision pays off where the hardware has fast fp16/bf16 units (GPU tensor cores, CPUs "
                    "with AMX or AVX-512 BF16) and the model's kernels dominate the frame.";
    f.events = "the run's FPS against the previous step's";
    return { f };
}

/// 8. A step that changed the detections.
std::vector<Finding> detectionsChanged(const RuleInput& in)
{
    const RunMetrics& m = in.m;
    if (!(m.detectionsIdentical && !*m.detectionsIdentical && m.agreementMatchedShare
            && *m.agreementMatchedShare < kDetectionsMatched))
        return {};
    Finding f;
    f.count = *m.agreementMatchedShare;
    f.title = format("the detections changed: %.0f%% match ", 100 * *m.agreementMatchedShare) + m.agreementReference;
    f.evidence = format("%.1f%% of detections matched (IoU >= 0.5, same label)", 100 * *m.agreementMatchedShare);
    f.explanation = "An optimization should not change what the model finds. Small differences come from reduced "
                    "precision; large ones point at a bug in the changed stage.";
    f.events = "ES_DETECTIONS against the reference step's";
    return { f };
}

/// Every rule with its id, in the order its findings are listed before sorting by gain.
struct RuleEntry
{
    const char* id;
    Rule apply;
};
constexpr RuleEntry kRules[] = {
    { "sync-copy-in-loop", syncCopiesInLoop },
    { "scalar-reads-in-loop", scalarReadsInLoop },
    { "pageable-copies", pageableCopies },
    { "explicit-sync", explicitSyncs },
    { "gpu-idle", gpuIdle },
    { "launch-bound", launchBound },
    { "host-stage", hostStages },
    { "precision-no-gain", precisionWithoutGain },
    { "detections-changed", detectionsChanged },
};

/// The rules speak of frames; an import's figures are per iteration, and its findings say so.
void replaceAll(std::string& text, const std::string& from, const std::string& to)
{
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
}

void sayPer(Finding& f, const std::string& unit)
{
    for (std::string* text : { &f.title, &f.evidence, &f.explanation }) {
        replaceAll(*text, "per frame", "per " + unit);
        replaceAll(*text, "the frame", "the " + unit);
        replaceAll(*text, "frame time", unit + " time");
    }
}

} // namespace

std::vector<Finding> applyRules(const RunMetrics& m, const GpuAttribution& gpu, const RunMetrics* previous,
    const std::map<std::string, std::string>& environment)
{
    const int64_t units = m.iterations ? m.iterations->count : m.frames;
    const RuleInput input { m, gpu, previous, environment, double(std::max<int64_t>(1, units)), m.frameMs };
    std::vector<Finding> findings;
    for (const RuleEntry& rule : kRules) {
        for (Finding& f : rule.apply(input)) {
            f.rule = rule.id;
            if (m.unit != "frame")
                sayPer(f, m.unit);
            findings.push_back(std::move(f));
        }
    }
    std::stable_sort(findings.begin(), findings.end(),
        [](const Finding& a, const Finding& b) { return a.expectedSpeedup > b.expectedSpeedup; });
    return findings;
}

} // namespace es::prof
