// SPDX-License-Identifier: Apache-2.0
// Metrics of a run from its session rows, the comparison of two runs, and the lab's waterfall. The rules that turn
// metrics into findings are in analysis_rules.cpp.
#include "analysis/analysis.h"

#include "analysis/analysis_internal.h"
#include "analysis/gpu_attribution.h"
#include "base/sqlite_util.h"
#include "model/stage_stats.h"
#include "model/trace_model.h"
#include "model/vocabulary.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace es::prof {

namespace {

constexpr int64_t kLongGapNs = 500'000'000; ///< a long GPU gap: 500 ms, nsys's gpu_gaps default

bool isScalarRead(const std::string& op)
{
    return op == "aten::_local_scalar_dense" || op == "aten::item";
}

/// The stage (innermost non-frame range) open on the thread at `timeNs`; empty when none.
class StageLookup
{
public:
    explicit StageLookup(const TraceModel& model) : m_model(model) { }
    /// The track is sorted by start and nested, so the innermost range holding `timeNs` is the last one to start
    /// before it that still holds it; looking back stops at the enclosing outermost range.
    std::string at(const ThreadTrack& thread, int64_t timeNs) const
    {
        auto it = std::upper_bound(thread.ranges.begin(), thread.ranges.end(), timeNs,
            [](int64_t t, const SliceEvent& range) { return t < range.startNs; });
        while (it != thread.ranges.begin()) {
            const SliceEvent& range = *--it;
            const std::string& name = m_model.strings.get(range.name);
            if (range.endNs >= timeNs && !es::range::isFrameOrBatch(name))
                return name;
            if (range.depth == 0)
                break;
        }
        return "";
    }

private:
    const TraceModel& m_model;
};

/// Which run this is: its session, step, device and settings.
void describeRun(RunMetrics& m, const SessionStore& store, const RunSummary& summary)
{
    const RunRecord& r = summary.record;
    m.runId = summary.runId;
    m.session = store.path();
    m.step = r.step;
    m.title = r.title;
    m.device = r.device;
    m.deviceName = r.deviceName;
    m.precision = r.precision;
    m.batch = r.batch;
}

/// FPS (from the record, else from the trace's span), frame time, latency quantiles, stage times per frame and the
/// pipeline's efficiency against the detector alone.
void computeTiming(RunMetrics& m, const RunRecord& r, const TraceModel& model, double frames)
{
    m.fps = r.fps;
    if (m.fps <= 0 && !model.frames.empty() && model.endNs > model.startNs)
        m.fps = frames / (double(model.endNs - model.startNs) / 1e9);
    m.frameMs = m.fps > 0 ? 1000.0 / m.fps : 0;
    m.batchFps = batchRates(model);
    if (!m.batchFps.empty())
        m.fpsInterval = medianWithInterval(m.batchFps).interval;
    std::vector<double> latencies;
    for (const FrameEvent& frame : model.frames)
        latencies.push_back(double(frame.endNs - frame.startNs) / 1e6);
    m.latencyP50Ms = quantile(latencies, 0.5);
    m.latencyP95Ms = quantile(latencies, 0.95);
    m.latencyP99Ms = quantile(latencies, 0.99);
    for (const ThreadTrack& thread : model.threads)
        for (const SliceEvent& range : thread.ranges) {
            const std::string& name = model.strings.get(range.name);
            if (!es::range::isFrameOrBatch(name))
                m.stageMs[name] += double(range.endNs - range.startNs) / 1e6 / frames;
        }
    if (r.detectorOnlyFps > 0) {
        m.detectorOnlyFps = r.detectorOnlyFps;
        m.pipelineEfficiency = m.fps / r.detectorOnlyFps;
    }
}

/// Stretches of 500 ms or more (nsys's gpu_gaps default) with no kernel or copy on any stream.
int64_t countLongGaps(const TraceModel& model)
{
    std::vector<std::pair<int64_t, int64_t>> device;
    size_t records = 0;
    for (const StreamTrack& stream : model.streams)
        records += stream.kernels.size() + stream.copies.size();
    device.reserve(records);
    for (const StreamTrack& stream : model.streams) {
        for (const KernelEvent& k : stream.kernels)
            device.emplace_back(k.startNs, k.endNs);
        for (const CopyEvent& c : stream.copies)
            device.emplace_back(c.startNs, c.endNs);
    }
    sortSpans(device);
    int64_t gaps = 0;
    int64_t reach = device.empty() ? 0 : device.front().second;
    for (const auto& [start, end] : device) {
        if (start - reach >= kLongGapNs)
            ++gaps;
        reach = std::max(reach, end);
    }
    return gaps;
}

/// The GPU metrics, from the attributed records; left unset when no GPU activity was traced.
void computeGpuMetrics(RunMetrics& m, const TraceModel& model, const GpuAttribution& gpu, double frames)
{
    const GpuWorkSummary& t = gpu.total;
    m.gpuTraced = t.kernels + t.copyCount() + t.syncs + t.memsets > 0;
    if (!m.gpuTraced)
        return;
    m.kernelsPerFrame = double(t.kernels) / frames;
    m.kernelMsPerFrame = double(t.kernelNs) / 1e6 / frames;
    std::vector<double> kernelUs;
    for (const StreamTrack& stream : model.streams)
        for (const KernelEvent& k : stream.kernels)
            kernelUs.push_back(double(k.endNs - k.startNs) / 1e3);
    m.medianKernelUs = quantile(kernelUs, 0.5);
    for (const auto& [direction, totals] : t.copies) {
        RunMetrics::Copies& c = m.copiesPerFrame[direction];
        c.count = double(totals.count) / frames;
        c.bytes = double(totals.bytes) / frames;
        c.ms = double(totals.ns) / 1e6 / frames;
        const int64_t host = totals.pageable + totals.pinned;
        c.pageablePercent = host ? 100.0 * double(totals.pageable) / double(host) : 0;
    }
    m.syncsPerFrame = double(t.syncs) / frames;
    m.syncWaitMsPerFrame = double(t.syncWaitNs) / 1e6 / frames;
    m.gpuBusyPercent = t.wallNs > 0 ? 100.0 * (1.0 - double(t.gpuIdleNs) / double(t.wallNs)) : 0;
    m.idleGapsPerFrame = double(t.idleGaps) / frames;
    m.longGaps = countLongGaps(model);
}

/// Frames during which operators were recorded: --profile full records them on a schedule of batches (every
/// batch in sessions before the schedule). 0 when the run has no operators.
int64_t framesWithOperators(const TraceModel& model)
{
    std::vector<int64_t> starts;
    for (const ThreadTrack& thread : model.threads)
        for (const SliceEvent& op : thread.operators)
            starts.push_back(op.startNs);
    std::sort(starts.begin(), starts.end());
    int64_t covered = 0;
    for (const FrameEvent& frame : model.frames) {
        auto first = std::lower_bound(starts.begin(), starts.end(), frame.startNs);
        covered += first != starts.end() && *first <= frame.endNs ? 1 : 0;
    }
    return covered;
}

/// Host scalar reads (.item()) per frame and stage, from the operators (--profile full): per frame that had its
/// operators recorded.
void countHostScalarReads(RunMetrics& m, const TraceModel& model, double measuredFrames)
{
    const int64_t recorded = framesWithOperators(model);
    const double frames = recorded > 0 ? double(recorded) : measuredFrames;
    const StageLookup lookup(model);
    int64_t reads = 0;
    for (const ThreadTrack& thread : model.threads)
        for (const SliceEvent& op : thread.operators)
            if (isScalarRead(model.strings.get(op.name))) {
                ++reads;
                const std::string stage = lookup.at(thread, op.startNs);
                m.hostScalarReadsByStage[stage.empty() ? "(no stage)" : stage] += 1.0 / frames;
            }
    m.hostScalarReadsPerFrame = double(reads) / frames;
}

/// A per-core load counter: "cpu0 load", "cpu12 load" (not the machine's "cpu load").
bool isCoreLoad(const std::string& name)
{
    return name.rfind("cpu", 0) == 0 && name.size() > 8 && name.compare(name.size() - 5, 5, " load") == 0;
}

/// The board's (or the GPU's) input power, in mW: the Jetson rails VDD_IN / POM_5V_IN / VIN_SYS, NVML's GPU power.
bool isInputPower(const std::string& name, const std::string& unit)
{
    return unit == "mW"
        && (name.find("VDD_IN") != std::string::npos || name.find("POM_5V_IN") != std::string::npos
            || name.find("VIN_SYS") != std::string::npos || name.find("gpu power") != std::string::npos
            || name == "power");
}

/// The system counters' means over the run: CPU load per core and overall, RSS, RAM, power and energy per frame.
void computeSystemCounters(RunMetrics& m, const TraceModel& model)
{
    double cpuSum = 0;
    int cpuCores = 0;
    double powerSum = 0;
    int powerTracks = 0;
    for (const CounterTrackModel& counter : model.counters) {
        if (counter.samples.empty())
            continue;
        double mean = 0;
        for (const CounterSample& sample : counter.samples)
            mean += sample.value;
        mean /= double(counter.samples.size());
        const std::string& name = model.strings.get(counter.name);
        if (isCoreLoad(name)) {
            m.cpuLoadPercent[name.substr(0, name.size() - 5)] = mean;
            cpuSum += mean;
            ++cpuCores;
        } else if (name == "cpu load") {
            m.cpuLoadMeanPercent = mean;
        } else if (name == "process rss") {
            m.rssMb = mean;
        } else if (name == "ram used") {
            m.ramUsedMb = mean;
        } else if (isInputPower(name, model.strings.get(counter.unit))) {
            powerSum += mean / 1000.0; // W
            ++powerTracks;
        }
    }
    if (!m.cpuLoadMeanPercent && cpuCores)
        m.cpuLoadMeanPercent = cpuSum / cpuCores;
    if (powerTracks) {
        m.powerW = powerSum;
        if (m.fps > 0) {
            m.energyPerFrameJ = powerSum / m.fps;
            m.fpsPerWatt = m.fps / powerSum;
        }
    }
}

/// The lab's verdict on the run, from its result JSON (sessions before verdicts have none).
StoredVerdict readVerdict(const nlohmann::json& result)
{
    StoredVerdict stored;
    if (!result.is_object() || !result.contains("verdict") || !result["verdict"].is_object())
        return stored;
    const auto& verdict = result["verdict"];
    if (verdict.contains("state") && verdict["state"].is_string())
        stored.state = verdict["state"].get<std::string>();
    if (verdict.contains("reasons") && verdict["reasons"].is_array()) {
        for (const auto& reason : verdict["reasons"])
            if (reason.is_string())
                stored.reasons.push_back(reason.get<std::string>());
    }
    return stored;
}

/// Agreement with the reference step, and the lab's verdict, from the run's result JSON.
void readAgreement(RunMetrics& m, const std::string& resultJson)
{
    const nlohmann::json result = nlohmann::json::parse(resultJson, nullptr, false);
    StoredVerdict verdict = readVerdict(result);
    m.verdict = std::move(verdict.state);
    m.verdictReasons = std::move(verdict.reasons);
    if (!result.is_object() || !result.contains("agreement") || !result["agreement"].is_object())
        return;
    const auto& a = result["agreement"];
    if (a.contains("matched_share") && a["matched_share"].is_number())
        m.agreementMatchedShare = a["matched_share"].get<double>();
    if (a.contains("identical_within_1e-4") && a["identical_within_1e-4"].is_boolean())
        m.detectionsIdentical = a["identical_within_1e-4"].get<bool>();
    if (a.contains("reference") && a["reference"].is_string())
        m.agreementReference = a["reference"].get<std::string>();
}

} // namespace

StoredVerdict storedVerdict(const std::string& resultJson)
{
    return readVerdict(nlohmann::json::parse(resultJson, nullptr, false));
}

std::vector<double> batchRates(const TraceModel& model)
{
    struct Span
    {
        int64_t frames = 0, startNs = INT64_MAX, endNs = INT64_MIN;
    };
    std::map<int32_t, Span> batches;
    for (const FrameEvent& frame : model.frames) {
        Span& span = batches[frame.batchIndex];
        ++span.frames;
        span.startNs = std::min(span.startNs, frame.startNs);
        span.endNs = std::max(span.endNs, frame.endNs);
    }
    std::vector<double> rates;
    for (const auto& [index, span] : batches) {
        if (span.endNs > span.startNs)
            rates.push_back(double(span.frames) * 1e9 / double(span.endNs - span.startNs));
    }
    return rates;
}

/// A run without frames (an import): its iterations, or why there are none.
void findImportedIterations(RunMetrics& m, const TraceModel& model, const std::string& marker)
{
    auto found = findIterations(model, marker);
    if (found)
        m.iterations = measureIterations(model, found.value());
    else
        m.iterationsNote = found.status().message();
}

/// The per-frame figures of an import, per iteration instead: its rate, time, ranges and device work.
void applyIterationFigures(RunMetrics& m)
{
    const IterationMetrics& it = *m.iterations;
    m.unit = "iteration";
    m.frameMs = it.perSecond > 0 ? 1000.0 / it.perSecond : 0;
    m.latencyP50Ms = it.medianMs;
    m.latencyP95Ms = it.p95Ms;
    m.latencyP99Ms = it.maxMs;
    m.stageMs = it.rangeMsPerIteration;
    if (it.gpuTraced) {
        m.kernelsPerFrame = it.kernelsPerIteration;
        m.kernelMsPerFrame = it.kernelMsPerIteration;
        m.syncsPerFrame = it.syncsPerIteration;
        m.syncWaitMsPerFrame = it.syncWaitMsPerIteration;
        m.gpuBusyPercent = it.gpuBusyPercent;
    }
}

RunMetrics computeMetrics(const SessionStore& store, const RunSummary& summary, const TraceModel& model,
    const GpuAttribution& gpu, const std::string& iterationMarker)
{
    RunMetrics m;
    describeRun(m, store, summary);
    m.frames = int64_t(model.frames.size());
    if (m.frames == 0)
        findImportedIterations(m, model, iterationMarker);
    const double frames = double(std::max<int64_t>(1, m.iterations ? m.iterations->count : m.frames));
    if (!m.iterations)
        computeTiming(m, summary.record, model, frames);
    computeGpuMetrics(m, model, gpu, frames);
    if (m.iterations)
        applyIterationFigures(m);
    countHostScalarReads(m, model, frames);
    computeSystemCounters(m, model);
    readAgreement(m, summary.record.resultJson);
    return m;
}

namespace {

/// analyzeRun's work; `keepModel`, when set, gets the run's events after.
Result<RunAnalysis> analyzeOneRun(const SessionStore& store, const std::vector<RunSummary>& runs, int64_t runId,
    const RunMetrics* previous, const std::string& iterationMarker, LoadProgress* progress,
    const std::function<void(int64_t, TraceModel&)>& keepModel)
{
    auto found = std::find_if(runs.begin(), runs.end(), [runId](const RunSummary& r) { return r.runId == runId; });
    if (found == runs.end())
        return Status(StatusCode::InvalidArgument, "no run " + std::to_string(runId) + " in " + store.path());
    ES_ASSIGN_OR_RETURN(TraceModel model, loadRun(store, runId, kLoadAll, progress));
    const GpuAttribution gpu = attributeGpuWork(model);
    RunAnalysis analysis;
    analysis.metrics = computeMetrics(store, *found, model, gpu, iterationMarker);
    std::map<std::string, std::string> environment;
    if (auto env = store.environment())
        environment = env.value();
    analysis.findings = applyRules(analysis.metrics, gpu, previous, environment);
    if (keepModel)
        keepModel(runId, model);
    return analysis;
}

} // namespace

Result<RunAnalysis> analyzeRun(
    const SessionStore& store, int64_t runId, const RunMetrics* previous, const std::string& iterationMarker)
{
    ES_ASSIGN_OR_RETURN(std::vector<RunSummary> runs, store.runs());
    return analyzeOneRun(store, runs, runId, previous, iterationMarker, nullptr, {});
}

namespace {

/// Two imports: the speedup in iterations per second (with its interval from the iterations' rates) and the
/// kernels that appeared, vanished or changed time the most.
void compareIterations(const IterationMetrics& a, const IterationMetrics& b, Comparison& c)
{
    c.measuredSpeedup = a.perSecond > 0 ? b.perSecond / a.perSecond : 0;
    if (!a.rates.empty() && !b.rates.empty()) {
        c.speedup = ratioWithInterval(b.rates, a.rates);
        c.speedupVerdict = ratioVerdict(*c.speedup);
    }
    c.kernelDiff = diffKernels(a.kernels, b.kernels);
}

} // namespace

Comparison compareRuns(const RunAnalysis& base, const RunAnalysis& with)
{
    Comparison c;
    c.base = base;
    c.with = with;
    const RunMetrics& a = base.metrics;
    const RunMetrics& b = with.metrics;
    auto add = [&](const std::string& name, const std::string& unit, std::optional<double> x, std::optional<double> y,
                   bool higherIsBetter) {
        c.metrics.push_back({ name, unit, x, y, higherIsBetter });
    };
    // Imports count iterations, not frames: FPS does not apply to them (absent, not 0).
    auto fpsOf = [](const RunMetrics& m) { return m.iterations ? std::nullopt : std::optional<double>(m.fps); };
    auto iterationFigure = [](const RunMetrics& m, double IterationMetrics::*field) {
        return m.iterations ? std::optional<double>((*m.iterations).*field) : std::nullopt;
    };
    add("FPS", "frames/s", fpsOf(a), fpsOf(b), true);
    if (a.iterations || b.iterations) {
        add("iterations/s", "iterations/s", iterationFigure(a, &IterationMetrics::perSecond),
            iterationFigure(b, &IterationMetrics::perSecond), true);
        add("time per iteration (median)", "ms", iterationFigure(a, &IterationMetrics::medianMs),
            iterationFigure(b, &IterationMetrics::medianMs), false);
        add("copies", "per iteration", iterationFigure(a, &IterationMetrics::copiesPerIteration),
            iterationFigure(b, &IterationMetrics::copiesPerIteration), false);
    }
    const std::string per = a.unit == b.unit ? a.unit : "frame or iteration";
    add("latency p50", "ms", a.latencyP50Ms, b.latencyP50Ms, false);
    add("latency p95", "ms", a.latencyP95Ms, b.latencyP95Ms, false);
    add("latency p99", "ms", a.latencyP99Ms, b.latencyP99Ms, false);
    std::map<std::string, bool> stages;
    for (const auto& [stage, ms] : a.stageMs)
        stages[stage] = true;
    for (const auto& [stage, ms] : b.stageMs)
        stages[stage] = true;
    auto stageOf = [](const RunMetrics& m, const std::string& s) -> std::optional<double> {
        auto found = m.stageMs.find(s);
        return found == m.stageMs.end() ? std::optional<double>() : found->second;
    };
    for (const auto& [stage, present] : stages)
        add(stage, "ms/" + per, stageOf(a, stage), stageOf(b, stage), false);
    add("detector-only FPS", "frames/s", a.detectorOnlyFps, b.detectorOnlyFps, true);
    add("pipeline efficiency", "", a.pipelineEfficiency, b.pipelineEfficiency, true);
    auto gpuValue = [](const RunMetrics& m, double v) { return m.gpuTraced ? std::optional<double>(v) : std::nullopt; };
    add("kernels", "per " + per, gpuValue(a, a.kernelsPerFrame), gpuValue(b, b.kernelsPerFrame), false);
    add("kernel time", "ms/" + per, gpuValue(a, a.kernelMsPerFrame), gpuValue(b, b.kernelMsPerFrame), false);
    for (const char* direction : { "HtoD", "DtoH", "DtoD" }) {
        auto copies = [direction](const RunMetrics& m) -> std::optional<double> {
            if (!m.gpuTraced)
                return std::nullopt;
            auto found = m.copiesPerFrame.find(direction);
            return found == m.copiesPerFrame.end() ? 0.0 : found->second.count;
        };
        add(std::string(direction) + " copies", "per " + per, copies(a), copies(b), false);
    }
    add("synchronizations", "per " + per, gpuValue(a, a.syncsPerFrame), gpuValue(b, b.syncsPerFrame), false);
    add("sync wait", "ms/" + per, gpuValue(a, a.syncWaitMsPerFrame), gpuValue(b, b.syncWaitMsPerFrame), false);
    add("GPU busy", "%", gpuValue(a, a.gpuBusyPercent), gpuValue(b, b.gpuBusyPercent), true);
    add("host scalar reads (.item())", "per " + per, a.hostScalarReadsPerFrame, b.hostScalarReadsPerFrame, false);
    add("CPU load", "%", a.cpuLoadMeanPercent, b.cpuLoadMeanPercent, false);
    add("process RSS", "MB", a.rssMb, b.rssMb, false);
    add("power", "W", a.powerW, b.powerW, false);
    add("energy per frame", "J", a.energyPerFrameJ, b.energyPerFrameJ, false);
    add("FPS per watt", "frames/s/W", a.fpsPerWatt, b.fpsPerWatt, true);
    add("detections matched", "share", a.agreementMatchedShare, b.agreementMatchedShare, true);

    auto has = [](const std::vector<Finding>& list, const Finding& f) {
        return std::any_of(list.begin(), list.end(),
            [&f](const Finding& other) { return other.rule == f.rule && other.stage == f.stage; });
    };
    for (const Finding& f : with.findings)
        if (!has(base.findings, f))
            c.appeared.push_back(f);
    // The time the gone findings would save: per stage the largest saving (two findings about one stage name the
    // same milliseconds), summed over stages; the whole-run findings count as one more "stage".
    std::map<std::string, double> savedMsByStage;
    for (const Finding& f : base.findings)
        if (!has(with.findings, f)) {
            c.disappeared.push_back(f);
            const double saved = a.frameMs * (1.0 - 1.0 / std::max(1.0, f.expectedSpeedup));
            savedMsByStage[f.stage] = std::max(savedMsByStage[f.stage], saved);
        }
    double savedMs = 0;
    for (const auto& [stage, ms] : savedMsByStage)
        savedMs += ms;
    if (a.frameMs > 0 && savedMs > 0)
        c.predictedSpeedup = a.frameMs / std::max(a.frameMs * 0.05, a.frameMs - savedMs);
    c.measuredSpeedup = a.fps > 0 ? b.fps / a.fps : 0;
    if (!a.batchFps.empty() && !b.batchFps.empty()) {
        c.speedup = ratioWithInterval(b.batchFps, a.batchFps);
        c.speedupVerdict = ratioVerdict(*c.speedup);
    }
    if (a.iterations && b.iterations)
        compareIterations(*a.iterations, *b.iterations, c);
    return c;
}

Result<LabAnalysis> analyzeSession(const SessionStore& store, const std::vector<int64_t>& runIds,
    const std::string& iterationMarker, const SessionAnalysisHooks& hooks)
{
    ES_ASSIGN_OR_RETURN(std::vector<RunSummary> runs, store.runs());
    const auto picked = [&runIds](int64_t runId) {
        return runIds.empty() || std::find(runIds.begin(), runIds.end(), runId) != runIds.end();
    };
    SessionProgress* progress = hooks.progress;
    if (progress)
        progress->runs
            = std::count_if(runs.begin(), runs.end(), [&](const RunSummary& run) { return picked(run.runId); });
    LabAnalysis lab;
    for (const RunSummary& run : runs) {
        if (!picked(run.runId))
            continue;
        if (progress) {
            progress->reading.rowsExpected = 0;
            progress->reading.rowsRead = 0;
        }
        ES_ASSIGN_OR_RETURN(RunAnalysis analysis,
            analyzeOneRun(store, runs, run.runId, lab.runs.empty() ? nullptr : &lab.runs.back().metrics,
                iterationMarker, progress ? &progress->reading : nullptr, hooks.keepModel));
        lab.runs.push_back(std::move(analysis));
        if (progress)
            ++progress->runsDone;
    }
    if (lab.runs.empty())
        return Status(StatusCode::InvalidArgument, store.path() + " has no run to analyze");
    for (size_t i = 0; i + 1 < lab.runs.size(); ++i)
        lab.steps.push_back(compareRuns(lab.runs[i], lab.runs[i + 1]));
    return lab;
}

} // namespace es::prof
