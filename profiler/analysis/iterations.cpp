// SPDX-License-Identifier: Apache-2.0
#include "analysis/iterations.h"

#include "analysis/gpu_attribution.h"
#include "model/stage_stats.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <unordered_map>

namespace es::prof {

namespace {

constexpr const char* kProfilerStep = "ProfilerStep#";

/// How often a marker occurs and for how long, over every thread.
struct MarkerUse
{
    int64_t count = 0;
    int64_t totalNs = 0;
};

/// Ranges (NVTX, user annotations) and, when `withOperators`, operators of every thread, by iteration key.
std::map<std::string, MarkerUse> markerUses(const TraceModel& model, bool withOperators)
{
    std::map<std::string, MarkerUse> uses;
    auto add = [&](const SliceEvent& slice) {
        MarkerUse& use = uses[iterationKey(model.strings.get(slice.name))];
        ++use.count;
        use.totalNs += slice.endNs - slice.startNs;
    };
    for (const ThreadTrack& thread : model.threads) {
        for (const SliceEvent& range : thread.ranges)
            add(range);
        if (withOperators)
            for (const SliceEvent& op : thread.operators)
                add(op);
    }
    return uses;
}

bool matchesMarker(const std::string& name, const std::string& marker)
{
    return name == marker || iterationKey(name) == marker || iterationKey(name) == marker + "#";
}

/// The spans of every range and operator that `marker` names, sorted, without those inside another.
std::vector<IterationWindow> windowsOf(const TraceModel& model, const std::string& marker)
{
    std::vector<IterationWindow> spans;
    for (const ThreadTrack& thread : model.threads)
        for (const auto* slices : { &thread.ranges, &thread.operators })
            for (const SliceEvent& slice : *slices)
                if (slice.endNs > slice.startNs && matchesMarker(model.strings.get(slice.name), marker))
                    spans.push_back({ slice.startNs, slice.endNs });
    std::sort(spans.begin(), spans.end(), [](const IterationWindow& a, const IterationWindow& b) {
        return a.startNs != b.startNs ? a.startNs < b.startNs : a.endNs > b.endNs;
    });
    std::vector<IterationWindow> windows;
    for (const IterationWindow& span : spans)
        if (windows.empty() || span.startNs >= windows.back().endNs)
            windows.push_back(span);
    return windows;
}

/// The auto choice: ProfilerStep#N, else the repeating range with the largest total time.
Result<std::string> chooseMarker(const TraceModel& model, std::string& source)
{
    if (markerUses(model, true).count(kProfilerStep)) {
        source = "the PyTorch profiler's steps, ProfilerStep#N";
        return std::string(kProfilerStep);
    }
    std::string best;
    MarkerUse bestUse;
    for (const auto& [key, use] : markerUses(model, false))
        if (use.count >= 2 && use.totalNs > bestUse.totalNs) {
            best = key;
            bestUse = use;
        }
    if (best.empty())
        return Status(StatusCode::NotFound,
            "no iterations: the trace has no ProfilerStep#N and no range that repeats; name the range that marks one "
            "iteration (compare --iteration NAME, or the Iteration field of the Compare page)");
    source = "the range '" + best + "', which repeats with the largest total time (" + std::to_string(bestUse.count)
        + " times)";
    return best;
}

/// Index of the window holding `timeNs`, or -1.
int64_t windowAt(const std::vector<IterationWindow>& windows, int64_t timeNs)
{
    auto after = std::upper_bound(
        windows.begin(), windows.end(), timeNs, [](int64_t t, const IterationWindow& w) { return t < w.startNs; });
    if (after == windows.begin())
        return -1;
    const auto& window = *(after - 1);
    return timeNs < window.endNs ? int64_t(after - windows.begin() - 1) : -1;
}

/// Launch times by correlation id (the API call that issued each piece of device work).
std::unordered_map<uint32_t, int64_t> launchTimes(const TraceModel& model)
{
    std::unordered_map<uint32_t, int64_t> times;
    for (const ThreadTrack& thread : model.threads)
        for (const ApiEvent& call : thread.apiCalls)
            if (call.correlationId)
                times.emplace(call.correlationId, call.startNs);
    return times;
}

void measureDurations(IterationMetrics& m, const std::vector<IterationWindow>& windows)
{
    std::vector<double> ms;
    for (const IterationWindow& w : windows) {
        ms.push_back(double(w.endNs - w.startNs) / 1e6);
        m.rates.push_back(1e9 / double(w.endNs - w.startNs));
    }
    const double span = double(windows.back().endNs - windows.front().startNs);
    m.perSecond = double(windows.size()) * 1e9 / span;
    double sum = 0;
    for (double value : ms)
        sum += value;
    m.meanMs = sum / double(ms.size());
    m.medianMs = quantile(ms, 0.5);
    m.p95Ms = quantile(ms, 0.95);
    m.minMs = *std::min_element(ms.begin(), ms.end());
    m.maxMs = *std::max_element(ms.begin(), ms.end());
    if (m.rates.size() >= 2)
        m.perSecondInterval = medianWithInterval(m.rates).interval;
}

/// Kernels, copies, memsets and synchronizations launched within an iteration, and the device's busy share.
void measureDeviceWork(IterationMetrics& m, const TraceModel& model, const std::vector<IterationWindow>& windows)
{
    const auto launches = launchTimes(model);
    auto inIteration = [&](uint32_t correlationId, int64_t startNs) {
        auto found = correlationId ? launches.find(correlationId) : launches.end();
        return windowAt(windows, found != launches.end() ? found->second : startNs) >= 0;
    };
    const int64_t spanStart = windows.front().startNs, spanEnd = windows.back().endNs;
    std::vector<std::pair<int64_t, int64_t>> busy;
    auto clip = [&](int64_t start, int64_t end) {
        if (end > spanStart && start < spanEnd)
            busy.emplace_back(std::max(start, spanStart), std::min(end, spanEnd));
    };
    const double n = double(windows.size());
    for (const StreamTrack& stream : model.streams) {
        m.gpuTraced = m.gpuTraced || !stream.kernels.empty() || !stream.copies.empty();
        for (const KernelEvent& k : stream.kernels) {
            clip(k.startNs, k.endNs);
            if (!inIteration(k.correlationId, k.startNs))
                continue;
            KernelShare& share = m.kernels[model.strings.get(k.name)];
            share.launchesPerIteration += 1 / n;
            share.msPerIteration += double(k.endNs - k.startNs) / 1e6 / n;
            m.kernelsPerIteration += 1 / n;
            m.kernelMsPerIteration += double(k.endNs - k.startNs) / 1e6 / n;
        }
        for (const CopyEvent& c : stream.copies) {
            clip(c.startNs, c.endNs);
            if (c.isMemset || !inIteration(c.correlationId, c.startNs))
                continue;
            m.copiesPerIteration += 1 / n;
            m.copyMsPerIteration += double(c.endNs - c.startNs) / 1e6 / n;
            m.copyMbPerIteration += double(c.bytes) / 1e6 / n;
        }
        for (const SyncEvent& s : stream.syncs)
            if (windowAt(windows, s.startNs) >= 0) {
                m.syncsPerIteration += 1 / n;
                m.syncWaitMsPerIteration += double(s.endNs - s.startNs) / 1e6 / n;
            }
    }
    if (m.gpuTraced)
        m.gpuBusyPercent = 100.0 * double(unionLength(std::move(busy))) / double(spanEnd - spanStart);
}

/// The other ranges (user annotations, NVTX) within the iterations, by key, per iteration.
void measureRanges(IterationMetrics& m, const TraceModel& model, const std::vector<IterationWindow>& windows)
{
    for (const ThreadTrack& thread : model.threads)
        for (const SliceEvent& range : thread.ranges) {
            const std::string key = iterationKey(model.strings.get(range.name));
            if (key != m.marker && windowAt(windows, range.startNs) >= 0)
                m.rangeMsPerIteration[key] += double(range.endNs - range.startNs) / 1e6 / double(windows.size());
        }
}

} // namespace

std::string iterationKey(const std::string& name)
{
    const size_t hash = name.rfind('#');
    if (hash == std::string::npos || hash + 1 == name.size())
        return name;
    for (size_t i = hash + 1; i < name.size(); ++i)
        if (!std::isdigit(static_cast<unsigned char>(name[i])))
            return name;
    return name.substr(0, hash + 1);
}

Result<Iterations> findIterations(const TraceModel& model, const std::string& requested)
{
    Iterations iterations;
    if (requested.empty()) {
        ES_ASSIGN_OR_RETURN(iterations.marker, chooseMarker(model, iterations.source));
    } else {
        iterations.marker = iterationKey(requested);
        iterations.source = "the range '" + requested + "', as chosen";
    }
    iterations.windows = windowsOf(model, iterations.marker);
    if (iterations.windows.empty())
        return Status(StatusCode::NotFound,
            "no range or operator named '" + requested
                + "' marks an iteration in this trace; name one that repeats (compare --iteration NAME)");
    return iterations;
}

IterationMetrics measureIterations(const TraceModel& model, const Iterations& iterations)
{
    IterationMetrics m;
    m.marker = iterations.marker;
    m.source = iterations.source;
    m.count = int64_t(iterations.windows.size());
    if (iterations.windows.empty())
        return m;
    measureDurations(m, iterations.windows);
    measureDeviceWork(m, model, iterations.windows);
    measureRanges(m, model, iterations.windows);
    return m;
}

std::vector<KernelChange> diffKernels(
    const std::map<std::string, KernelShare>& base, const std::map<std::string, KernelShare>& with, size_t limit)
{
    std::vector<KernelChange> changes;
    for (const auto& [name, share] : base) {
        auto other = with.find(name);
        changes.push_back({ name, other == with.end() ? "vanished" : "changed", share,
            other == with.end() ? KernelShare() : other->second });
    }
    for (const auto& [name, share] : with)
        if (!base.count(name))
            changes.push_back({ name, "appeared", KernelShare(), share });
    std::stable_sort(changes.begin(), changes.end(),
        [](const KernelChange& a, const KernelChange& b) { return std::fabs(a.deltaMs()) > std::fabs(b.deltaMs()); });
    if (changes.size() > limit)
        changes.resize(limit);
    return changes;
}

} // namespace es::prof
