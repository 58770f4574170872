// SPDX-License-Identifier: Apache-2.0
#include "gpu_attribution.h"

#include <algorithm>
#include <unordered_map>

namespace es::prof {

namespace {

constexpr int64_t kIdleGapNs = 10000; // 10 us: shorter gaps are launch latency, not idleness
const std::string kUnattributed = "(unattributed)";

using Interval = std::pair<int64_t, int64_t>;

/// Sorts and merges overlapping intervals in place.
void mergeIntervals(std::vector<Interval>& intervals)
{
    std::sort(intervals.begin(), intervals.end());
    std::vector<Interval> merged;
    for (const Interval& interval : intervals) {
        if (interval.second <= interval.first)
            continue;
        if (!merged.empty() && interval.first <= merged.back().second)
            merged.back().second = std::max(merged.back().second, interval.second);
        else
            merged.push_back(interval);
    }
    intervals.swap(merged);
}

int64_t totalLength(const std::vector<Interval>& merged)
{
    int64_t total = 0;
    for (const Interval& interval : merged)
        total += interval.second - interval.first;
    return total;
}

/// Busy time, idle gaps and longest gap of [from, to) against merged device intervals; adds to `summary`.
void measureIdle(const std::vector<Interval>& merged, int64_t from, int64_t to, GpuWorkSummary& summary)
{
    if (to <= from)
        return;
    auto first = std::lower_bound(merged.begin(), merged.end(), Interval { from, from },
        [](const Interval& a, const Interval& b) { return a.second < b.first; });
    int64_t cursor = from;
    int64_t busy = 0;
    auto gap = [&](int64_t length) {
        if (length >= kIdleGapNs) {
            ++summary.idleGaps;
            summary.longestGapNs = std::max(summary.longestGapNs, length);
        }
    };
    for (auto it = first; it != merged.end() && it->first < to; ++it) {
        const int64_t start = std::max(it->first, from);
        const int64_t end = std::min(it->second, to);
        if (end <= start)
            continue;
        gap(start - cursor);
        busy += end - start;
        cursor = end;
    }
    gap(to - cursor);
    summary.wallNs += to - from;
    summary.gpuIdleNs += (to - from) - busy;
}

/// Where an API call was made: its stage (innermost range) and batch (that range's payload).
struct CallSite
{
    const std::string* stage = nullptr;
    int64_t batch = -1;
};

} // namespace

int64_t GpuWorkSummary::copyCount() const
{
    int64_t count = 0;
    for (const auto& [direction, totals] : copies)
        count += totals.count;
    return count;
}

CopyTotals GpuWorkSummary::copiesIn(const std::string& direction) const
{
    auto found = copies.find(direction);
    return found == copies.end() ? CopyTotals {} : found->second;
}

const GpuWorkSummary* GpuAttribution::stage(const std::string& name) const
{
    for (const auto& [stageName, summary] : byStage)
        if (stageName == name)
            return &summary;
    return nullptr;
}

const char* copyDirection(uint8_t copyKind)
{
    switch (copyKind) {
    case 1:
        return "HtoD";
    case 2:
        return "DtoH";
    case 8:
        return "DtoD";
    case 10:
        return "PtoP";
    case 9:
        return "HtoH";
    default:
        return "other";
    }
}

const char* syncTypeName(uint32_t syncType)
{
    switch (syncType) {
    case 1:
        return "Event Sync";
    case 2:
        return "Stream Wait Event";
    case 3:
        return "Stream Sync";
    case 4:
        return "Context Sync";
    default:
        return "Unknown Sync";
    }
}

GpuAttribution attributeGpuWork(const TraceModel& model)
{
    GpuAttribution result;
    result.frames = int64_t(model.frames.size());
    std::unordered_map<std::string, size_t> stageIndex;
    auto stageSummary = [&](const std::string& name) -> GpuWorkSummary& {
        auto found = stageIndex.find(name);
        if (found != stageIndex.end())
            return result.byStage[found->second].second;
        stageIndex.emplace(name, result.byStage.size());
        result.byStage.emplace_back(name, GpuWorkSummary {});
        return result.byStage.back().second;
    };

    // 1. Each API call's site: sweep the thread's ranges (sorted by start) with a stack of the open ones.
    std::unordered_map<uint32_t, CallSite> sites;
    std::unordered_map<uint32_t, const ApiEvent*> calls;
    std::vector<std::string> names(model.strings.size());
    for (size_t i = 0; i < names.size(); ++i)
        names[i] = model.strings.get(StringId(i));
    for (const ThreadTrack& thread : model.threads) {
        std::vector<const SliceEvent*> open;
        size_t next = 0;
        for (const ApiEvent& call : thread.apiCalls) {
            while (next < thread.ranges.size() && thread.ranges[next].startNs <= call.startNs)
                open.push_back(&thread.ranges[next++]);
            // Keep only the ranges still open at the call, innermost last.
            open.erase(std::remove_if(open.begin(), open.end(),
                           [&](const SliceEvent* range) { return range->endNs < call.startNs; }),
                open.end());
            CallSite site;
            if (!open.empty()) {
                const SliceEvent* innermost = *std::max_element(open.begin(), open.end(),
                    [](const SliceEvent* a, const SliceEvent* b) { return a->depth < b->depth; });
                site.stage = &names[innermost->name];
                site.batch = innermost->payload;
            }
            if (call.correlationId) {
                sites[call.correlationId] = site;
                calls[call.correlationId] = &call;
            }
            GpuWorkSummary& summary = stageSummary(site.stage ? *site.stage : kUnattributed);
            ++summary.apiCalls;
            summary.apiNs += call.endNs - call.startNs;
            ++result.total.apiCalls;
            result.total.apiNs += call.endNs - call.startNs;
            if (site.batch >= 0) {
                ++result.byBatch[site.batch].apiCalls;
                result.byBatch[site.batch].apiNs += call.endNs - call.startNs;
            }
        }
    }

    // 2. Device work, to the site of its call.
    std::vector<Interval> allDeviceWork;
    std::unordered_map<std::string, std::vector<Interval>> stageWork;
    std::map<int64_t, std::vector<Interval>> batchWork;
    auto siteOf = [&](uint32_t correlationId) {
        auto found = correlationId ? sites.find(correlationId) : sites.end();
        if (found == sites.end()) {
            ++result.unattributedRecords;
            return CallSite {};
        }
        ++result.attributedRecords;
        return found->second;
    };
    auto addTo = [&](const CallSite& site, auto&& add, int64_t start, int64_t end, bool deviceWork) {
        const std::string& stage = site.stage ? *site.stage : kUnattributed;
        add(stageSummary(stage));
        add(result.total);
        if (site.batch >= 0)
            add(result.byBatch[site.batch]);
        if (deviceWork) {
            allDeviceWork.emplace_back(start, end);
            stageWork[stage].emplace_back(start, end);
            if (site.batch >= 0)
                batchWork[site.batch].emplace_back(start, end);
        }
    };
    for (const StreamTrack& stream : model.streams) {
        for (const KernelEvent& k : stream.kernels) {
            addTo(
                siteOf(k.correlationId),
                [&](GpuWorkSummary& s) {
                    ++s.kernels;
                    s.kernelNs += k.endNs - k.startNs;
                },
                k.startNs, k.endNs, true);
        }
        for (const CopyEvent& c : stream.copies) {
            addTo(
                siteOf(c.correlationId),
                [&](GpuWorkSummary& s) {
                    if (c.isMemset) {
                        ++s.memsets;
                        s.memsetBytes += int64_t(c.bytes);
                        s.memsetNs += c.endNs - c.startNs;
                        return;
                    }
                    CopyTotals& totals = s.copies[copyDirection(c.copyKind)];
                    ++totals.count;
                    totals.bytes += int64_t(c.bytes);
                    totals.ns += c.endNs - c.startNs;
                    const uint8_t hostKind = c.copyKind == 1 ? c.srcKind : c.copyKind == 2 ? c.dstKind : 7;
                    totals.pageable += hostKind == 0;
                    totals.pinned += hostKind == 1;
                },
                c.startNs, c.endNs, true);
        }
        for (const SyncEvent& sync : stream.syncs) {
            addTo(
                siteOf(sync.correlationId),
                [&](GpuWorkSummary& s) {
                    ++s.syncs;
                    s.syncWaitNs += sync.endNs - sync.startNs;
                },
                sync.startNs, sync.endNs, false);
        }
    }

    // 3. Busy time of each group, and idleness within the CPU spans: stage ranges, batch windows, the run.
    mergeIntervals(allDeviceWork);
    for (auto& [stage, intervals] : stageWork) {
        mergeIntervals(intervals);
        stageSummary(stage).busyNs = totalLength(intervals);
    }
    for (auto& [batch, intervals] : batchWork) {
        mergeIntervals(intervals);
        result.byBatch[batch].busyNs = totalLength(intervals);
    }
    result.total.busyNs = totalLength(allDeviceWork);
    for (const ThreadTrack& thread : model.threads) {
        for (const SliceEvent& range : thread.ranges) {
            const std::string& name = names[range.name];
            if (name == "frame" || name == "batch")
                continue;
            measureIdle(allDeviceWork, range.startNs, range.endNs, stageSummary(name));
        }
    }
    std::map<int64_t, Interval> windows;
    for (const FrameEvent& frame : model.frames) {
        auto [it, inserted] = windows.emplace(frame.batchIndex, Interval { frame.startNs, frame.endNs });
        if (!inserted) {
            it->second.first = std::min(it->second.first, frame.startNs);
            it->second.second = std::max(it->second.second, frame.endNs);
        }
    }
    for (const auto& [batch, window] : windows) {
        measureIdle(allDeviceWork, window.first, window.second, result.byBatch[batch]);
        measureIdle(allDeviceWork, window.first, window.second, result.total);
    }
    result.batches = int64_t(windows.size());
    // Work issued in warm-up batches that ended inside the measured window has no window of its own: keep only
    // batches that were measured, when the run says which.
    if (!windows.empty()) {
        for (auto it = result.byBatch.begin(); it != result.byBatch.end();)
            it = windows.count(it->first) ? std::next(it) : result.byBatch.erase(it);
    }
    return result;
}

} // namespace es::prof
