// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "base/status.h"
#include "store/session_store.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace es::prof {

using StringId = uint32_t;

/// Interns strings: each distinct text is stored once and named by a dense StringId. One thread at a time.
class StringPool
{
public:
    StringId intern(const std::string& text);
    const std::string& get(StringId id) const { return m_strings[id]; }
    size_t size() const { return m_strings.size(); }

private:
    std::vector<std::string> m_strings;
    std::unordered_map<std::string, StringId> m_ids;
};

// The events of the model: compact PODs, times in ns on the profiler's clock (CLOCK_MONOTONIC), names interned.

/// A range on a thread (NVTX stage, frame, batch) or a LibTorch operator. 32 bytes.
struct SliceEvent
{
    int64_t startNs;
    int64_t endNs;
    int64_t payload; ///< frame or batch index, -1 when none
    StringId name;
    uint16_t depth; ///< nesting on its track, 0 = outermost
    uint16_t category;
};

/// A CUDA runtime or driver API call. 32 bytes.
struct ApiEvent
{
    int64_t startNs;
    int64_t endNs;
    uint32_t correlationId;
    StringId name;
    int32_t returnValue;
    uint32_t reserved;
};

/// A kernel on a stream. 48 bytes.
struct KernelEvent
{
    int64_t startNs;
    int64_t endNs;
    uint32_t correlationId;
    StringId name;
    uint32_t gridX, gridY, gridZ;
    uint16_t blockX, blockY, blockZ;
    uint16_t registersPerThread;
};

/// A copy (copyKind as ENUM_CUDA_MEMCPY_OPER, memory kinds as ENUM_CUDA_MEM_KIND) or a memset (copyKind 0). 32 bytes.
struct CopyEvent
{
    int64_t startNs;
    int64_t endNs;
    uint64_t bytes;
    uint32_t correlationId;
    uint8_t copyKind;
    uint8_t srcKind;
    uint8_t dstKind;
    uint8_t isMemset;
};

/// A synchronization (syncType as ENUM_CUPTI_SYNC_TYPE). 24 bytes.
struct SyncEvent
{
    int64_t startNs;
    int64_t endNs;
    uint32_t correlationId;
    uint32_t syncType;
};

/// One counter sample. 16 bytes.
struct CounterSample
{
    int64_t timeNs;
    double value;
};

/// One measured frame. 40 bytes.
struct FrameEvent
{
    int64_t startNs;
    int64_t endNs;
    int64_t frameIndex;
    int64_t candidates;
    int32_t batchIndex;
    int32_t detections;
};

static_assert(sizeof(SliceEvent) == 32 && std::is_trivially_copyable_v<SliceEvent>, "SliceEvent must stay compact");
static_assert(sizeof(ApiEvent) == 32 && sizeof(CopyEvent) == 32 && sizeof(SyncEvent) == 24, "GPU events compact");
static_assert(sizeof(KernelEvent) == 48 && sizeof(CounterSample) == 16 && sizeof(FrameEvent) == 40, "compact events");

/// One CPU thread: its ranges, operators and CUDA API calls, each sorted by start (outer before inner).
struct ThreadTrack
{
    int64_t osTid = 0;
    StringId name = 0;
    std::vector<SliceEvent> ranges;
    std::vector<SliceEvent> operators;
    std::vector<ApiEvent> apiCalls;
};

/// One GPU stream: kernels, copies/memsets and synchronizations, each sorted by start.
struct StreamTrack
{
    int32_t deviceId = 0;
    int64_t streamId = 0;
    std::vector<KernelEvent> kernels;
    std::vector<CopyEvent> copies;
    std::vector<SyncEvent> syncs;
};

/// One counter time series.
struct CounterTrackModel
{
    StringId name = 0;
    StringId unit = 0;
    std::vector<CounterSample> samples;
};

/// Everything one run recorded, in memory, for views and analyses: per-track vectors of compact events sorted by
/// start, one ns time base, interned strings. Built for tens of millions of events (bytesPerEvent() says what they
/// cost). Built on one thread, then read-only: any thread may read a model nobody modifies.
class TraceModel
{
public:
    StringPool strings;
    std::vector<ThreadTrack> threads;
    std::vector<StreamTrack> streams;
    std::vector<CounterTrackModel> counters;
    std::vector<FrameEvent> frames;
    int64_t startNs = 0;
    int64_t endNs = 0;

    /// Sorts every track by start (longer first on ties, so that parents precede children) and recomputes depths
    /// of nested ranges per thread.
    void finalize();
    int64_t eventCount() const;
    /// Memory held by the events themselves (vector capacities), per event.
    double bytesPerEvent() const;
    ThreadTrack& thread(int64_t osTid);
    StreamTrack& stream(int32_t deviceId, int64_t streamId);
};

/// The model of a run still in memory (the lab's, before or without a session), as loadRun would give after
/// writing it.
TraceModel buildModel(const RunData& data);

/// Loads one run of a session into a model: NVTX ranges and operators per thread, CUDA API calls, kernels, copies,
/// memsets and synchronizations per stream, counters and frames. Read-only on the store.
/// What loadRun reads (flags): readers that need less load faster.
enum LoadParts : unsigned {
    kLoadRanges = 1,
    kLoadOperators = 2,
    kLoadGpu = 4,
    kLoadCounters = 8,
    kLoadFrames = 16,
    kLoadAll = 31
};
/// How far a loadRun has come, for a progress bar: rows read of the rows its tables hold for the run. The reading
/// threads update it; any thread may read it.
struct LoadProgress
{
    std::atomic<int64_t> rowsExpected { 0 };
    std::atomic<int64_t> rowsRead { 0 };
    /// 0..1; 0 until the readers have counted their rows.
    double fraction() const
    {
        const int64_t expected = rowsExpected.load();
        return expected > 0 ? std::min(1.0, double(rowsRead.load()) / double(expected)) : 0.0;
    }
};

/// `progress`, when given, follows the reading (the GPU tables are read in parallel, each on a connection of its own).
Result<TraceModel> loadRun(
    const SessionStore& store, int64_t runId, unsigned parts = kLoadAll, LoadProgress* progress = nullptr);

} // namespace es::prof
