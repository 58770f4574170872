// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/trace_model.h"
#include "time_axis.h"

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace es::app {

/// What a lane of the timeline shows, in the order nsys groups them.
enum class LaneKind { Frames, Ranges, Operators, ApiCalls, Kernels, Copies, Syncs, Counter };

/// One row of bars: events of one nesting depth, sorted by start and not overlapping, read in place from a track of
/// the model (every event struct starts with startNs, endNs). `indices` picks the events of this depth out of the
/// track; empty means every event of the track. Read-only after the layout is built; any thread.
struct EventRow
{
    const unsigned char* base = nullptr;
    size_t stride = 0;
    size_t trackSize = 0;
    std::vector<uint32_t> indices;
    bool allEvents = true;

    size_t size() const { return allEvents ? trackSize : indices.size(); }
    size_t sourceIndex(size_t i) const { return allEvents ? i : indices[i]; }
    int64_t startAt(size_t i) const { return field(i, 0); }
    int64_t endAt(size_t i) const { return field(i, 8); }
    /// The first event that ends after `timeNs` (binary search on starts, then one step back).
    size_t firstEndingAfter(int64_t timeNs) const;
    /// The first event that starts at or after `timeNs`, searching from `from`.
    size_t firstStartingAt(int64_t timeNs, size_t from = 0) const;

private:
    int64_t field(size_t i, size_t offset) const;
};

/// One lane: a labelled set of rows (one per nesting depth) or a counter, in a group that folds as a whole.
struct Lane
{
    LaneKind kind = LaneKind::Ranges;
    std::string group; ///< "lab (4242)", "GPU 0 stream 7", "Counters"
    std::string label; ///< "NVTX ranges", "kernels", "cpu3 load (%)"
    int trackIndex = -1; ///< into the model's threads, streams or counters
    std::vector<EventRow> rows;
    double counterMin = 0, counterMax = 0;
};

/// What one pixel range of a row draws: a single event (folded == 0) or `folded` events too narrow to tell apart,
/// merged into one block, as Tracy folds zones narrower than a few pixels. x in pixels of the view.
struct DrawItem
{
    float x0 = 0, x1 = 0;
    uint32_t sourceIndex = 0; ///< the event in its track (the first one of a fold)
    uint32_t folded = 0;
};

/// The minimum and maximum of a counter within one pixel column (valid when `has`).
struct CounterColumn
{
    float minValue = 0, maxValue = 0;
    bool has = false;
};

/// The lanes of one run, built once off the GUI thread from a finalized model that it shares: lanes per thread
/// (stage ranges by depth, operators, CUDA API calls), per GPU stream (kernels, copies and memsets,
/// synchronizations) and per counter, the frames, and the CUDA correlation index. Immutable; any thread.
class TimelineLayout
{
public:
    static std::shared_ptr<const TimelineLayout> build(std::shared_ptr<const prof::TraceModel> model);

    const prof::TraceModel& model() const { return *m_model; }
    const std::vector<Lane>& lanes() const { return m_lanes; }
    /// Start of the measured frame `frameIndex` (its batch's start), or the run's start when there is none.
    int64_t frameStartNs(int64_t frameIndex) const;
    /// The CUDA API call of a correlation id: (thread index, call index), or (-1, -1).
    std::pair<int, int64_t> apiCallOf(uint32_t correlationId) const;
    /// Name of an event of a lane, as the timeline labels it.
    std::string eventName(const Lane& lane, size_t sourceIndex) const;
    /// Multi-line details for the hover: name, duration, frame, and for GPU work grid/block, bytes, direction, the
    /// launching API call and the stage it was issued in.
    std::string describe(const Lane& lane, size_t sourceIndex) const;
    /// The outermost stage range (buffer_to_image_tensor, preprocess, detector, postprocess) containing `timeNs` on
    /// any thread, empty when none.
    std::string stageAt(int64_t timeNs) const;

private:
    std::shared_ptr<const prof::TraceModel> m_model;
    std::vector<Lane> m_lanes;
    /// Per thread with API calls: the calls' indices in correlation order, empty where the calls already come in
    /// that order (CUPTI numbers them as they are made, so they mostly do): 4 bytes per call at most, none usually.
    struct CorrelationOrder
    {
        int thread = -1;
        std::vector<uint32_t> order;
    };
    std::vector<CorrelationOrder> m_correlationOrders;
};

/// The draw items of one row in the view: events of at least `minPx` pixels are drawn one by one; runs of narrower
/// events are merged into folds, skipping ahead by binary search so that the cost grows with the pixels, not with
/// the events (ten million events in view cost a few thousand items). Pure; any thread.
void collectVisible(const EventRow& row, const TimeAxis& axis, int widthPx, double minPx, std::vector<DrawItem>& out);

/// Per pixel column, the minimum and maximum of the counter's samples in it; a column without a sample holds the
/// last value before it (counters are steps). `out` gets `widthPx` columns.
void collectCounter(const std::vector<prof::CounterSample>& samples, const TimeAxis& axis, int widthPx,
    std::vector<CounterColumn>& out);

/// Statistics of the events that overlap a time selection: per lane and name, the count and the time inside it.
struct SelectionStat
{
    std::string lane;
    std::string name;
    int64_t count = 0;
    int64_t totalNs = 0;
};
std::vector<SelectionStat> selectionStats(const TimelineLayout& layout, int64_t fromNs, int64_t toNs);

} // namespace es::app
