// SPDX-License-Identifier: Apache-2.0
#include "timeline_layout.h"

#include "analysis/gpu_attribution.h"
#include "model/vocabulary.h"
#include "time_format.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <numeric>
#include <sstream>

namespace es::app {

using prof::TraceModel;

int64_t EventRow::field(size_t i, size_t offset) const
{
    int64_t value;
    std::memcpy(&value, base + sourceIndex(i) * stride + offset, sizeof value);
    return value;
}

size_t EventRow::firstStartingAt(int64_t timeNs, size_t from) const
{
    size_t low = from, high = size();
    while (low < high) {
        const size_t middle = low + (high - low) / 2;
        if (startAt(middle) < timeNs)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

size_t EventRow::firstEndingAfter(int64_t timeNs) const
{
    size_t first = firstStartingAt(timeNs);
    // Events of a row do not overlap, so at most the one before may still be running at timeNs.
    if (first > 0 && endAt(first - 1) > timeNs)
        --first;
    return first;
}

namespace {

/// The indices of `calls` in correlation-id order; empty when they are in that order already.
std::vector<uint32_t> correlationOrder(const std::vector<prof::ApiEvent>& calls)
{
    const auto byId
        = [](const prof::ApiEvent& a, const prof::ApiEvent& b) { return a.correlationId < b.correlationId; };
    if (std::is_sorted(calls.begin(), calls.end(), byId))
        return {};
    std::vector<uint32_t> order(calls.size());
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(),
        [&calls](uint32_t a, uint32_t b) { return calls[a].correlationId < calls[b].correlationId; });
    return order;
}

template<typename Event> EventRow rowOver(const std::vector<Event>& events)
{
    EventRow row;
    row.base = reinterpret_cast<const unsigned char*>(events.data());
    row.stride = sizeof(Event);
    row.trackSize = events.size();
    return row;
}

/// One row per nesting depth of ranges or operators.
std::vector<EventRow> rowsByDepth(const std::vector<prof::SliceEvent>& events)
{
    uint16_t maxDepth = 0;
    for (const prof::SliceEvent& event : events)
        maxDepth = std::max(maxDepth, event.depth);
    if (maxDepth == 0)
        return { rowOver(events) };
    std::vector<EventRow> rows(size_t(maxDepth) + 1, rowOver(events));
    for (EventRow& row : rows)
        row.allEvents = false;
    for (size_t i = 0; i < events.size(); ++i)
        rows[events[i].depth].indices.push_back(uint32_t(i));
    return rows;
}

} // namespace

std::shared_ptr<const TimelineLayout> TimelineLayout::build(std::shared_ptr<const TraceModel> model)
{
    auto layout = std::make_shared<TimelineLayout>();
    layout->m_model = std::move(model);
    const TraceModel& trace = *layout->m_model;
    std::vector<Lane>& lanes = layout->m_lanes;
    if (!trace.frames.empty())
        lanes.push_back(
            { LaneKind::Frames, "Frames", "measured frames (batch windows)", -1, { rowOver(trace.frames) } });
    for (size_t t = 0; t < trace.threads.size(); ++t) {
        const prof::ThreadTrack& thread = trace.threads[t];
        // As nsys names a thread row: "pt_main_thread (1102)"; a thread known only by its id, "thread 1102".
        const std::string& name = trace.strings.get(thread.name);
        const std::string id = std::to_string(thread.osTid);
        const std::string group = name == "thread " + id || name.empty() ? "thread " + id : name + " (" + id + ")";
        if (!thread.ranges.empty())
            lanes.push_back({ LaneKind::Ranges, group, "NVTX ranges", int(t), rowsByDepth(thread.ranges) });
        if (!thread.operators.empty())
            lanes.push_back(
                { LaneKind::Operators, group, "LibTorch operators", int(t), rowsByDepth(thread.operators) });
        if (!thread.apiCalls.empty()) {
            lanes.push_back({ LaneKind::ApiCalls, group, "CUDA API", int(t), { rowOver(thread.apiCalls) } });
            layout->m_correlationOrders.push_back({ int(t), correlationOrder(thread.apiCalls) });
        }
    }
    for (size_t s = 0; s < trace.streams.size(); ++s) {
        const prof::StreamTrack& stream = trace.streams[s];
        const std::string group
            = "GPU " + std::to_string(stream.deviceId) + " stream " + std::to_string(stream.streamId);
        if (!stream.kernels.empty())
            lanes.push_back({ LaneKind::Kernels, group, "kernels", int(s), { rowOver(stream.kernels) } });
        if (!stream.copies.empty())
            lanes.push_back({ LaneKind::Copies, group, "copies and memsets", int(s), { rowOver(stream.copies) } });
        if (!stream.syncs.empty())
            lanes.push_back({ LaneKind::Syncs, group, "synchronizations", int(s), { rowOver(stream.syncs) } });
    }
    for (size_t c = 0; c < trace.counters.size(); ++c) {
        const prof::CounterTrackModel& counter = trace.counters[c];
        if (counter.samples.empty())
            continue;
        Lane lane { LaneKind::Counter, "Counters",
            trace.strings.get(counter.name) + " (" + trace.strings.get(counter.unit) + ")", int(c), {} };
        lane.counterMin = lane.counterMax = counter.samples.front().value;
        for (const prof::CounterSample& sample : counter.samples) {
            lane.counterMin = std::min(lane.counterMin, sample.value);
            lane.counterMax = std::max(lane.counterMax, sample.value);
        }
        // Loads and utilizations read against 0..100 %, as jtop draws them.
        if (trace.strings.get(counter.unit) == "%") {
            lane.counterMin = 0;
            lane.counterMax = std::max(100.0, lane.counterMax);
        }
        lanes.push_back(std::move(lane));
    }
    return layout;
}

int64_t TimelineLayout::frameStartNs(int64_t frameIndex) const
{
    for (const prof::FrameEvent& frame : m_model->frames) {
        if (frame.frameIndex == frameIndex)
            return frame.startNs;
    }
    return m_model->startNs;
}

std::pair<int, int64_t> TimelineLayout::apiCallOf(uint32_t correlationId) const
{
    for (const CorrelationOrder& thread : m_correlationOrders) {
        const std::vector<prof::ApiEvent>& calls = m_model->threads[size_t(thread.thread)].apiCalls;
        const auto idAt = [&](size_t i) { return calls[thread.order.empty() ? i : thread.order[i]].correlationId; };
        size_t low = 0, high = calls.size();
        while (low < high) {
            const size_t middle = low + (high - low) / 2;
            if (idAt(middle) < correlationId)
                low = middle + 1;
            else
                high = middle;
        }
        if (low < calls.size() && idAt(low) == correlationId && correlationId != 0)
            return { thread.thread, int64_t(thread.order.empty() ? low : thread.order[low]) };
    }
    return { -1, int64_t(-1) };
}

std::string TimelineLayout::eventName(const Lane& lane, size_t index) const
{
    const TraceModel& trace = *m_model;
    switch (lane.kind) {
    case LaneKind::Frames:
        return "frame " + std::to_string(trace.frames[index].frameIndex);
    case LaneKind::Ranges:
        return trace.strings.get(trace.threads[size_t(lane.trackIndex)].ranges[index].name);
    case LaneKind::Operators:
        return trace.strings.get(trace.threads[size_t(lane.trackIndex)].operators[index].name);
    case LaneKind::ApiCalls:
        return trace.strings.get(trace.threads[size_t(lane.trackIndex)].apiCalls[index].name);
    case LaneKind::Kernels:
        return trace.strings.get(trace.streams[size_t(lane.trackIndex)].kernels[index].name);
    case LaneKind::Copies: {
        const prof::CopyEvent& copy = trace.streams[size_t(lane.trackIndex)].copies[index];
        return copy.isMemset ? std::string("memset") : std::string("memcpy ") + prof::copyDirection(copy.copyKind);
    }
    case LaneKind::Syncs:
        return prof::syncTypeName(trace.streams[size_t(lane.trackIndex)].syncs[index].syncType);
    case LaneKind::Counter:
        return lane.label;
    }
    return {};
}

std::string TimelineLayout::stageAt(int64_t timeNs) const
{
    for (const Lane& lane : m_lanes) {
        if (lane.kind != LaneKind::Ranges)
            continue;
        const auto& ranges = m_model->threads[size_t(lane.trackIndex)].ranges;
        for (const EventRow& row : lane.rows) {
            const size_t i = row.firstEndingAfter(timeNs);
            if (i < row.size() && row.startAt(i) <= timeNs) {
                const std::string& name = m_model->strings.get(ranges[row.sourceIndex(i)].name);
                if (es::stage::isStage(name))
                    return name;
            }
        }
    }
    return {};
}

std::string TimelineLayout::describe(const Lane& lane, size_t index) const
{
    const TraceModel& trace = *m_model;
    std::ostringstream text;
    const auto launchedBy = [&](uint32_t correlationId) {
        const auto [thread, call] = apiCallOf(correlationId);
        if (thread < 0)
            return;
        const prof::ApiEvent& api = trace.threads[size_t(thread)].apiCalls[size_t(call)];
        text << "\nlaunched by " << trace.strings.get(api.name) << " (correlation " << correlationId << ")";
        const std::string stage = stageAt(api.startNs);
        if (!stage.empty())
            text << "\nissued in stage " << stage;
    };
    const auto timing = [&](int64_t startNs, int64_t endNs) {
        text << "\nduration " << formatDuration(endNs - startNs) << "\nstarts at "
             << formatDuration(startNs - trace.startNs) << " into the run";
    };
    text << eventName(lane, index);
    switch (lane.kind) {
    case LaneKind::Frames: {
        const prof::FrameEvent& frame = trace.frames[index];
        timing(frame.startNs, frame.endNs);
        text << "\nbatch " << frame.batchIndex << ", " << frame.detections << " detections, " << frame.candidates
             << " candidates";
        break;
    }
    case LaneKind::Ranges:
    case LaneKind::Operators: {
        const prof::ThreadTrack& thread = trace.threads[size_t(lane.trackIndex)];
        const prof::SliceEvent& slice = lane.kind == LaneKind::Ranges ? thread.ranges[index] : thread.operators[index];
        timing(slice.startNs, slice.endNs);
        if (slice.payload >= 0)
            text << "\nframe/batch " << slice.payload;
        const std::string stage = stageAt(slice.startNs);
        if (!stage.empty() && lane.kind == LaneKind::Operators)
            text << "\nin stage " << stage;
        break;
    }
    case LaneKind::ApiCalls: {
        const prof::ApiEvent& api = trace.threads[size_t(lane.trackIndex)].apiCalls[index];
        timing(api.startNs, api.endNs);
        text << "\ncorrelation " << api.correlationId << ", returned " << api.returnValue;
        const std::string stage = stageAt(api.startNs);
        if (!stage.empty())
            text << "\nin stage " << stage;
        break;
    }
    case LaneKind::Kernels: {
        const prof::KernelEvent& kernel = trace.streams[size_t(lane.trackIndex)].kernels[index];
        timing(kernel.startNs, kernel.endNs);
        text << "\ngrid " << kernel.gridX << "x" << kernel.gridY << "x" << kernel.gridZ << ", block " << kernel.blockX
             << "x" << kernel.blockY << "x" << kernel.blockZ << ", " << kernel.registersPerThread
             << " registers per thread";
        launchedBy(kernel.correlationId);
        break;
    }
    case LaneKind::Copies: {
        const prof::CopyEvent& copy = trace.streams[size_t(lane.trackIndex)].copies[index];
        timing(copy.startNs, copy.endNs);
        text << "\n" << formatBytes(double(copy.bytes));
        if (copy.endNs > copy.startNs)
            text << " at " << formatRate(double(copy.bytes) / (double(copy.endNs - copy.startNs) / 1e9));
        launchedBy(copy.correlationId);
        break;
    }
    case LaneKind::Syncs: {
        const prof::SyncEvent& sync = trace.streams[size_t(lane.trackIndex)].syncs[index];
        timing(sync.startNs, sync.endNs);
        text << "\nthe CPU waited for the GPU here";
        launchedBy(sync.correlationId);
        break;
    }
    case LaneKind::Counter:
        break;
    }
    return text.str();
}

void collectVisible(const EventRow& row, const TimeAxis& axis, int widthPx, double minPx, std::vector<DrawItem>& out)
{
    out.clear();
    const size_t count = row.size();
    const int64_t viewEnd = axis.endNs(widthPx);
    const auto clampPx = [widthPx](double x) { return float(std::clamp(x, -2.0, double(widthPx) + 2.0)); };
    const int64_t foldSpanNs = std::max<int64_t>(1, int64_t(minPx * axis.nsPerPixel));
    size_t i = row.firstEndingAfter(axis.startNs);
    while (i < count) {
        const int64_t start = row.startAt(i);
        if (start >= viewEnd)
            break;
        const double x0 = axis.toPixel(start);
        const double x1 = axis.toPixel(row.endAt(i));
        if (x1 - x0 >= minPx) {
            out.push_back({ clampPx(x0), clampPx(x1), uint32_t(row.sourceIndex(i)), 0 });
            ++i;
            continue;
        }
        // Every event that starts within the next minPx pixels joins the fold; a wide one among them is drawn alone.
        size_t next = row.firstStartingAt(start + foldSpanNs, i + 1);
        const double lastWidth = axis.toPixel(row.endAt(next - 1)) - axis.toPixel(row.startAt(next - 1));
        if (next - 1 > i && lastWidth >= minPx)
            --next;
        const double foldEnd = std::max(axis.toPixel(row.endAt(next - 1)), x0 + 1.0);
        DrawItem* previous = out.empty() ? nullptr : &out.back();
        if (previous && previous->folded > 0 && x0 - previous->x1 < 1.0) {
            previous->x1 = std::max(previous->x1, clampPx(foldEnd));
            previous->folded += uint32_t(next - i);
        } else {
            out.push_back({ clampPx(x0), clampPx(foldEnd), uint32_t(row.sourceIndex(i)), uint32_t(next - i) });
        }
        i = next;
    }
}

void collectCounter(
    const std::vector<prof::CounterSample>& samples, const TimeAxis& axis, int widthPx, std::vector<CounterColumn>& out)
{
    out.assign(size_t(std::max(0, widthPx)), CounterColumn {});
    if (samples.empty())
        return;
    const auto before = [](const prof::CounterSample& sample, int64_t time) { return sample.timeNs < time; };
    size_t next = size_t(std::lower_bound(samples.begin(), samples.end(), axis.startNs, before) - samples.begin());
    for (int column = 0; column < widthPx; ++column) {
        const int64_t columnEnd = axis.toTime(double(column + 1));
        CounterColumn& cell = out[size_t(column)];
        if (next > 0 && next < samples.size()) {
            cell.minValue = cell.maxValue = float(samples[next - 1].value); // the value holds until the next sample
            cell.has = true;
        }
        while (next < samples.size() && samples[next].timeNs < columnEnd) {
            const float value = float(samples[next].value);
            cell.minValue = cell.has ? std::min(cell.minValue, value) : value;
            cell.maxValue = cell.has ? std::max(cell.maxValue, value) : value;
            cell.has = true;
            ++next;
        }
    }
}

namespace {

/// A key that names an event without building its string: the interned name, or the copy kind, or the sync type.
uint64_t nameKey(const TraceModel& trace, const Lane& lane, size_t index)
{
    switch (lane.kind) {
    case LaneKind::Ranges:
        return trace.threads[size_t(lane.trackIndex)].ranges[index].name;
    case LaneKind::Operators:
        return trace.threads[size_t(lane.trackIndex)].operators[index].name;
    case LaneKind::ApiCalls:
        return trace.threads[size_t(lane.trackIndex)].apiCalls[index].name;
    case LaneKind::Kernels:
        return trace.streams[size_t(lane.trackIndex)].kernels[index].name;
    case LaneKind::Copies: {
        const prof::CopyEvent& copy = trace.streams[size_t(lane.trackIndex)].copies[index];
        return copy.isMemset ? 1000 : copy.copyKind;
    }
    case LaneKind::Syncs:
        return trace.streams[size_t(lane.trackIndex)].syncs[index].syncType;
    default:
        return 0;
    }
}

} // namespace

std::vector<SelectionStat> selectionStats(const TimelineLayout& layout, int64_t fromNs, int64_t toNs)
{
    std::vector<SelectionStat> stats;
    if (toNs <= fromNs)
        return stats;
    const auto& lanes = layout.lanes();
    for (const Lane& lane : lanes) {
        if (lane.kind == LaneKind::Counter)
            continue;
        std::map<uint64_t, std::pair<SelectionStat, size_t>> byName;
        for (const EventRow& row : lane.rows) {
            for (size_t i = row.firstEndingAfter(fromNs); i < row.size(); ++i) {
                const int64_t start = row.startAt(i);
                if (start >= toNs)
                    break;
                const int64_t inside = std::min(row.endAt(i), toNs) - std::max(start, fromNs);
                auto& entry
                    = byName[lane.kind == LaneKind::Frames ? 0 : nameKey(layout.model(), lane, row.sourceIndex(i))];
                entry.first.count += 1;
                entry.first.totalNs += std::max<int64_t>(0, inside);
                entry.second = row.sourceIndex(i);
            }
        }
        for (auto& [key, entry] : byName) {
            entry.first.lane = lane.group + " / " + lane.label;
            entry.first.name = lane.kind == LaneKind::Frames ? "frames" : layout.eventName(lane, entry.second);
            stats.push_back(std::move(entry.first));
        }
    }
    std::sort(stats.begin(), stats.end(),
        [](const SelectionStat& a, const SelectionStat& b) { return a.totalNs > b.totalNs; });
    return stats;
}

} // namespace es::app
