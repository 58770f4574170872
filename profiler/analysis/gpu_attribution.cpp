// SPDX-License-Identifier: Apache-2.0
#include "analysis/gpu_attribution.h"

#include "model/vocabulary.h"

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

/// Adds one kernel to a summary.
void addKernel(GpuWorkSummary& s, const KernelEvent& k)
{
    ++s.kernels;
    s.kernelNs += k.endNs - k.startNs;
}

/// Adds one copy (by direction, with the kind of host memory it touched) or memset to a summary.
void addCopyOrMemset(GpuWorkSummary& s, const CopyEvent& c)
{
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
}

/// Adds one synchronization (and the CPU's wait in it) to a summary.
void addSync(GpuWorkSummary& s, const SyncEvent& sync)
{
    ++s.syncs;
    s.syncWaitNs += sync.endNs - sync.startNs;
}

/// Adds one API call to a summary.
void addApiCall(GpuWorkSummary& s, const ApiEvent& call)
{
    ++s.apiCalls;
    s.apiNs += call.endNs - call.startNs;
}

/// The innermost of the ranges open at `timeNs` among `open` (the ranges started by then, pruned of those that
/// ended before it, in place); null when none is open.
const SliceEvent* innermostOpen(std::vector<const SliceEvent*>& open, int64_t timeNs)
{
    open.erase(std::remove_if(open.begin(), open.end(), [&](const SliceEvent* range) { return range->endNs < timeNs; }),
        open.end());
    if (open.empty())
        return nullptr;
    return *std::max_element(
        open.begin(), open.end(), [](const SliceEvent* a, const SliceEvent* b) { return a->depth < b->depth; });
}

/// One run's attribution, built in three passes: API calls to their sites, device work to its call's site, then
/// busy and idle time of each stage, batch and the run.
class GpuWorkAttributor
{
public:
    explicit GpuWorkAttributor(const TraceModel& model) : m_model(model) { }

    GpuAttribution attribute()
    {
        m_result.frames = int64_t(m_model.frames.size());
        m_names.resize(m_model.strings.size());
        for (size_t i = 0; i < m_names.size(); ++i)
            m_names[i] = m_model.strings.get(StringId(i));
        for (const ThreadTrack& thread : m_model.threads)
            resolveCallSites(thread);
        for (const StreamTrack& stream : m_model.streams)
            attributeStream(stream);
        measureBusyTime();
        measureStageIdle();
        measureBatchWindows();
        return std::move(m_result);
    }

private:
    /// The summary of a stage, created (in order of first appearance) when new.
    GpuWorkSummary& stageSummary(const std::string& name)
    {
        auto found = m_stageIndex.find(name);
        if (found != m_stageIndex.end())
            return m_result.byStage[found->second].second;
        m_stageIndex.emplace(name, m_result.byStage.size());
        m_result.byStage.emplace_back(name, GpuWorkSummary {});
        return m_result.byStage.back().second;
    }

    /// 1. Each API call's site: sweeps the thread's ranges (sorted by start) with a stack of the open ones, and counts
    /// the call where it was made.
    void resolveCallSites(const ThreadTrack& thread)
    {
        std::vector<const SliceEvent*> open;
        size_t next = 0;
        for (const ApiEvent& call : thread.apiCalls) {
            while (next < thread.ranges.size() && thread.ranges[next].startNs <= call.startNs)
                open.push_back(&thread.ranges[next++]);
            CallSite site;
            if (const SliceEvent* innermost = innermostOpen(open, call.startNs)) {
                site.stage = &m_names[innermost->name];
                site.batch = innermost->payload;
            }
            if (call.correlationId)
                m_sites[call.correlationId] = site;
            addApiCall(stageSummary(site.stage ? *site.stage : kUnattributed), call);
            addApiCall(m_result.total, call);
            if (site.batch >= 0)
                addApiCall(m_result.byBatch[site.batch], call);
        }
    }

    /// The site of the call with this correlation id, counting the record as attributed or not.
    CallSite siteOf(uint32_t correlationId)
    {
        auto found = correlationId ? m_sites.find(correlationId) : m_sites.end();
        if (found == m_sites.end()) {
            ++m_result.unattributedRecords;
            return CallSite {};
        }
        ++m_result.attributedRecords;
        return found->second;
    }

    /// 2. One device record to its call's stage, batch and the run total; device work (not synchronizations) also
    /// joins the busy intervals.
    template<typename Event>
    void attributeRecord(const Event& event, void (*add)(GpuWorkSummary&, const Event&), bool deviceWork)
    {
        const CallSite site = siteOf(event.correlationId);
        const std::string& stage = site.stage ? *site.stage : kUnattributed;
        add(stageSummary(stage), event);
        add(m_result.total, event);
        if (site.batch >= 0)
            add(m_result.byBatch[site.batch], event);
        if (deviceWork) {
            m_allDeviceWork.emplace_back(event.startNs, event.endNs);
            m_stageWork[stage].emplace_back(event.startNs, event.endNs);
            if (site.batch >= 0)
                m_batchWork[site.batch].emplace_back(event.startNs, event.endNs);
        }
    }

    void attributeStream(const StreamTrack& stream)
    {
        for (const KernelEvent& k : stream.kernels)
            attributeRecord(k, addKernel, true);
        for (const CopyEvent& c : stream.copies)
            attributeRecord(c, addCopyOrMemset, true);
        for (const SyncEvent& sync : stream.syncs)
            attributeRecord(sync, addSync, false);
    }

    /// 3a. Busy time of each stage, batch and the run: the union of its device work.
    void measureBusyTime()
    {
        mergeIntervals(m_allDeviceWork);
        for (auto& [stage, intervals] : m_stageWork) {
            mergeIntervals(intervals);
            stageSummary(stage).busyNs = totalLength(intervals);
        }
        for (auto& [batch, intervals] : m_batchWork) {
            mergeIntervals(intervals);
            m_result.byBatch[batch].busyNs = totalLength(intervals);
        }
        m_result.total.busyNs = totalLength(m_allDeviceWork);
    }

    /// 3b. GPU idleness within each stage range (frame and batch ranges hold stages and are measured as windows).
    void measureStageIdle()
    {
        for (const ThreadTrack& thread : m_model.threads) {
            for (const SliceEvent& range : thread.ranges) {
                const std::string& name = m_names[range.name];
                if (es::range::isFrameOrBatch(name))
                    continue;
                measureIdle(m_allDeviceWork, range.startNs, range.endNs, stageSummary(name));
            }
        }
    }

    /// 3c. GPU idleness within each batch's window (its first frame's start to its last frame's end) and the run's.
    void measureBatchWindows()
    {
        std::map<int64_t, Interval> windows;
        for (const FrameEvent& frame : m_model.frames) {
            auto [it, inserted] = windows.emplace(frame.batchIndex, Interval { frame.startNs, frame.endNs });
            if (!inserted) {
                it->second.first = std::min(it->second.first, frame.startNs);
                it->second.second = std::max(it->second.second, frame.endNs);
            }
        }
        for (const auto& [batch, window] : windows) {
            measureIdle(m_allDeviceWork, window.first, window.second, m_result.byBatch[batch]);
            measureIdle(m_allDeviceWork, window.first, window.second, m_result.total);
        }
        m_result.batches = int64_t(windows.size());
        // Work issued in warm-up batches that ended inside the measured window has no window of its own: keep only
        // batches that were measured, when the run says which.
        if (!windows.empty()) {
            for (auto it = m_result.byBatch.begin(); it != m_result.byBatch.end();)
                it = windows.count(it->first) ? std::next(it) : m_result.byBatch.erase(it);
        }
    }

    const TraceModel& m_model;
    GpuAttribution m_result;
    std::vector<std::string> m_names; ///< the model's strings by id
    std::unordered_map<std::string, size_t> m_stageIndex; ///< stage name to its index in byStage
    std::unordered_map<uint32_t, CallSite> m_sites; ///< by correlation id
    std::vector<Interval> m_allDeviceWork;
    std::unordered_map<std::string, std::vector<Interval>> m_stageWork;
    std::map<int64_t, std::vector<Interval>> m_batchWork;
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
    return GpuWorkAttributor(model).attribute();
}

int64_t unionLength(std::vector<std::pair<int64_t, int64_t>> spans)
{
    mergeIntervals(spans);
    return totalLength(spans);
}

} // namespace es::prof
