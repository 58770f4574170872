// SPDX-License-Identifier: Apache-2.0
#include "analysis/gpu_attribution.h"

#include "model/vocabulary.h"

#include <algorithm>
#include <cstdint>
#include <unordered_map>

namespace es::prof {

namespace {

constexpr int64_t kIdleGapNs = 10000; // 10 us: shorter gaps are launch latency, not idleness
const std::string kUnattributed = "(unattributed)";

using Interval = std::pair<int64_t, int64_t>;

} // namespace

void sortSpans(std::vector<std::pair<int64_t, int64_t>>& intervals)
{
    std::vector<size_t> runStarts { 0 };
    for (size_t i = 1; i < intervals.size(); ++i)
        if (intervals[i] < intervals[i - 1]) {
            runStarts.push_back(i);
            if (runStarts.size() > 32) {
                std::sort(intervals.begin(), intervals.end());
                return;
            }
        }
    for (size_t run = 1; run < runStarts.size(); ++run) {
        const size_t end = run + 1 < runStarts.size() ? runStarts[run + 1] : intervals.size();
        std::inplace_merge(intervals.begin(), intervals.begin() + std::ptrdiff_t(runStarts[run]),
            intervals.begin() + std::ptrdiff_t(end));
    }
}

namespace {

/// Sorts and merges overlapping intervals in place (empty ones dropped).
void mergeIntervals(std::vector<Interval>& intervals)
{
    sortSpans(intervals);
    size_t merged = 0;
    for (const Interval& interval : intervals) {
        if (interval.second <= interval.first)
            continue;
        if (merged > 0 && interval.first <= intervals[merged - 1].second)
            intervals[merged - 1].second = std::max(intervals[merged - 1].second, interval.second);
        else
            intervals[merged++] = interval;
    }
    intervals.resize(merged);
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

/// Where an API call was made: its stage (innermost range; an index into the result's byStage) and batch (that
/// range's payload).
struct CallSite
{
    uint32_t stage = 0;
    int64_t batch = -1;
};

/// The call sites by correlation id: a dense table where the ids are close together (CUPTI numbers calls 1, 2, 3...;
/// no hashing of millions of calls), a hash map where they are not (imports of several processes). Filled by
/// set(), then read by find(). One thread.
class CallSites
{
public:
    /// Sizes the table for ids `lowest`..`highest` of `count` calls.
    void reserveFor(uint32_t lowest, uint32_t highest, size_t count)
    {
        const uint64_t span = uint64_t(highest) - lowest + 1;
        if (count == 0 || span > 4 * uint64_t(count) + 4096)
            return; // sparse ids: the hash map
        m_lowest = lowest;
        m_dense.assign(size_t(span), CallSite { kUnknown, -1 });
    }
    void set(uint32_t id, const CallSite& site)
    {
        if (!m_dense.empty() && id >= m_lowest && id - m_lowest < m_dense.size()) {
            m_dense[id - m_lowest] = site;
        } else {
            m_sparse[id] = site;
        }
    }
    const CallSite* find(uint32_t id) const
    {
        if (!m_dense.empty() && id >= m_lowest && id - m_lowest < m_dense.size())
            return m_dense[id - m_lowest].stage != kUnknown ? &m_dense[id - m_lowest] : nullptr;
        auto found = m_sparse.find(id);
        return found == m_sparse.end() ? nullptr : &found->second;
    }

private:
    static constexpr uint32_t kUnknown = UINT32_MAX; ///< the stage of a dense slot no call filled
    uint32_t m_lowest = 0;
    std::vector<CallSite> m_dense;
    std::unordered_map<uint32_t, CallSite> m_sparse;
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
        m_stageOfName.assign(m_names.size(), kNoStage);
        reserveForCalls();
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
    static constexpr uint32_t kNoStage = UINT32_MAX;

    /// The index in byStage of a stage, created (in order of first appearance) when new.
    uint32_t stageIndex(const std::string& name)
    {
        auto found = m_stageIndex.find(name);
        if (found != m_stageIndex.end())
            return found->second;
        const auto index = uint32_t(m_result.byStage.size());
        m_stageIndex.emplace(name, index);
        m_result.byStage.emplace_back(name, GpuWorkSummary {});
        m_stageWork.emplace_back();
        return index;
    }
    /// The same for a range's name (looked up once per name, not per call).
    uint32_t stageIndexOfName(StringId name)
    {
        if (m_stageOfName[name] == kNoStage)
            m_stageOfName[name] = stageIndex(m_names[name]);
        return m_stageOfName[name];
    }
    uint32_t unattributedIndex()
    {
        if (m_unattributed == kNoStage)
            m_unattributed = stageIndex(kUnattributed);
        return m_unattributed;
    }
    GpuWorkSummary& stageSummary(const std::string& name) { return m_result.byStage[stageIndex(name)].second; }
    /// The summary of a batch; the last one is remembered (records come in time order, batch after batch).
    GpuWorkSummary& batchSummary(int64_t batch)
    {
        if (batch != m_lastBatch || !m_lastBatchSummary) {
            m_lastBatch = batch;
            m_lastBatchSummary = &m_result.byBatch[batch];
            m_lastBatchWork = &m_batchWork[batch];
        }
        return *m_lastBatchSummary;
    }

    /// Sizes the call sites' table and the busy intervals from the run's calls and device records.
    void reserveForCalls()
    {
        uint32_t lowest = UINT32_MAX, highest = 0;
        size_t calls = 0;
        for (const ThreadTrack& thread : m_model.threads)
            for (const ApiEvent& call : thread.apiCalls)
                if (call.correlationId) {
                    lowest = std::min(lowest, call.correlationId);
                    highest = std::max(highest, call.correlationId);
                    ++calls;
                }
        m_sites.reserveFor(lowest, highest, calls);
        size_t records = 0;
        for (const StreamTrack& stream : m_model.streams)
            records += stream.kernels.size() + stream.copies.size();
        m_allDeviceWork.reserve(records);
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
                site.stage = stageIndexOfName(innermost->name);
                site.batch = innermost->payload;
            } else {
                site.stage = unattributedIndex();
            }
            if (call.correlationId)
                m_sites.set(call.correlationId, site);
            addApiCall(m_result.byStage[site.stage].second, call);
            addApiCall(m_result.total, call);
            if (site.batch >= 0)
                addApiCall(batchSummary(site.batch), call);
        }
    }

    /// The site of the call with this correlation id, counting the record as attributed or not.
    CallSite siteOf(uint32_t correlationId)
    {
        const CallSite* found = correlationId ? m_sites.find(correlationId) : nullptr;
        if (!found) {
            ++m_result.unattributedRecords;
            return CallSite { unattributedIndex(), -1 };
        }
        ++m_result.attributedRecords;
        return *found;
    }

    /// 2. One device record to its call's stage, batch and the run total; device work (not synchronizations) also
    /// joins the busy intervals.
    template<typename Event>
    void attributeRecord(const Event& event, void (*add)(GpuWorkSummary&, const Event&), bool deviceWork)
    {
        const CallSite site = siteOf(event.correlationId);
        add(m_result.byStage[site.stage].second, event);
        add(m_result.total, event);
        if (site.batch >= 0)
            add(batchSummary(site.batch), event);
        if (deviceWork) {
            m_allDeviceWork.emplace_back(event.startNs, event.endNs);
            m_stageWork[site.stage].emplace_back(event.startNs, event.endNs);
            if (site.batch >= 0)
                m_lastBatchWork->emplace_back(event.startNs, event.endNs); // batchSummary(site.batch) set it
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
        for (size_t stage = 0; stage < m_stageWork.size(); ++stage) {
            mergeIntervals(m_stageWork[stage]);
            m_result.byStage[stage].second.busyNs = totalLength(m_stageWork[stage]);
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
    std::unordered_map<std::string, uint32_t> m_stageIndex; ///< stage name to its index in byStage
    std::vector<uint32_t> m_stageOfName; ///< a range name's (StringId) stage index, kNoStage until looked up
    uint32_t m_unattributed = kNoStage;
    CallSites m_sites; ///< by correlation id
    std::vector<Interval> m_allDeviceWork;
    std::vector<std::vector<Interval>> m_stageWork; ///< by stage index
    std::map<int64_t, std::vector<Interval>> m_batchWork;
    int64_t m_lastBatch = -1;
    GpuWorkSummary* m_lastBatchSummary = nullptr;
    std::vector<Interval>* m_lastBatchWork = nullptr;
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
