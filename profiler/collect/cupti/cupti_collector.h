// SPDX-License-Identifier: Apache-2.0
#pragma once

// The CUPTI collector. Includes CUPTI headers (through the seam): nothing outside profiler/'s CUPTI files and their
// tests includes this; the engine uses gpu_tracer.h.
#include "collect/cupti/cupti_api.h"
#include "collect/gpu_tracer.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace es::prof {

/// Decodes CUPTI activity buffers into GpuActivity records on the profiler's clock. Keeps what spans records: the
/// API names by callback id, and the markers waiting for their MARKER_DATA. One thread (the drain thread).
class ActivityDecoder
{
public:
    explicit ActivityDecoder(CuptiApi* api) : m_api(api) { }
    /// profilerNs = cuptiNs - offsetNs for every record decoded from now on.
    void setOffset(int64_t offsetNs) { m_offsetNs = offsetNs; }
    /// Decodes every record of one completed buffer into `out`; returns the number of records decoded.
    size_t decode(uint8_t* buffer, size_t validSize, GpuActivity& out);
    /// Forgets markers held for MARKER_DATA (their activity was handed over).
    void handedOver() { m_markerIndex.clear(); }

private:
    int64_t toProfilerNs(uint64_t cuptiNs) const { return cuptiNs ? int64_t(cuptiNs) - m_offsetNs : 0; }
    uint32_t apiName(bool driver, uint32_t callbackId, GpuActivity& out);
    /// The six fields a CUPTI kernel, memcpy or memset record shares, with its times on the profiler's clock.
    template<typename CuptiRecord> GpuWorkPlace workPlace(const CuptiRecord& record) const
    {
        return { toProfilerNs(record.start), toProfilerNs(record.end), record.deviceId, record.contextId,
            record.streamId, record.correlationId };
    }
    /// Decodes one record into `out`; false for a kind not decoded.
    bool decodeRecord(const CUpti_Activity& record, GpuActivity& out);
    void decodeKernel(const CUpti_Activity& record, GpuActivity& out);
    void decodeMemcpy(const CUpti_Activity& record, GpuActivity& out);
    void decodeMemset(const CUpti_Activity& record, GpuActivity& out);
    void decodeApiCall(const CUpti_Activity& record, GpuActivity& out);
    void decodeSync(const CUpti_Activity& record, GpuActivity& out);
    void decodeMarker(const CUpti_Activity& record, GpuActivity& out);
    /// Adds a MARKER_DATA record's colour and category to the marker it belongs to, if that is still held.
    void decodeMarkerData(const CUpti_Activity& record, GpuActivity& out);
    void decodeOverhead(const CUpti_Activity& record, GpuActivity& out);

    CuptiApi* m_api;
    int64_t m_offsetNs = 0;
    std::unordered_map<uint64_t, uint32_t> m_apiNames; ///< (driver << 32 | cbid) -> name index in the activity
    std::unordered_map<uint32_t, size_t> m_markerIndex; ///< marker id -> its index in the activity's markers
};

/// Measures how CUPTI's clock maps onto the profiler's (nowNs): the tightest of `rounds` back-to-back readings.
GpuClockMapping measureCuptiClock(CuptiApi& api, int rounds = 9);

/// GpuTracer over CUPTI's activity API. start() checks what the probe knows (no driver, no GPU, a Jetson without
/// root, another profiler attached), loads nothing itself (the CuptiApi is given), registers the buffer callbacks
/// and enables the kinds; a refusal of kernel tracing turns into a reason and a fix. CUPTI's buffer callbacks do
/// constant work (take a free buffer; queue a completed one and read the dropped count); a drain thread decodes.
/// One collector may trace at a time in a process (CUPTI's callbacks are process-wide). Control methods: one thread.
class CuptiCollector final : public GpuTracer
{
public:
    /// `api` may be null, with `loadError` saying why libcupti could not be loaded.
    CuptiCollector(std::unique_ptr<CuptiApi> api, std::string loadError, GpuTracerOptions options, GpuProbe probe);
    ~CuptiCollector() override;

    Status start() override;
    Result<GpuActivity> collect() override;
    void stop() override;
    GpuTracingStatus status() const override;

    /// Buffer bookkeeping, for tests and the run's notes.
    struct BufferCounts
    {
        uint64_t requested = 0;
        uint64_t refused = 0; ///< requests answered with no buffer (memory cap reached)
        uint64_t allocated = 0;
    };
    BufferCounts bufferCounts() const;

private:
    static void CUPTIAPI onBufferRequested(uint8_t** buffer, size_t* size, size_t* maxNumRecords);
    static void CUPTIAPI onBufferCompleted(
        CUcontext context, uint32_t streamId, uint8_t* buffer, size_t size, size_t validSize);
    void drainLoop();
    Status refuse(std::string reason, std::string fix);
    Status enableKinds();
    void disableKinds();
    /// Waits until every completed buffer is decoded (or `timeoutMs` passes).
    bool waitDrained(int timeoutMs);

    std::unique_ptr<CuptiApi> m_api;
    std::string m_loadError;
    GpuTracerOptions m_options;
    GpuProbe m_probe;
    GpuTracingStatus m_status;
    bool m_tracing = false;
    uint32_t m_libraryVersion = 0;
    std::vector<CUpti_ActivityKind> m_enabled;
    std::vector<std::string> m_startNotes; ///< said once, with the first collect

    // Buffers: free list and counts, shared with CUPTI's callbacks.
    mutable std::mutex m_bufferMutex;
    std::vector<uint8_t*> m_freeBuffers;
    size_t m_bytesAllocated = 0;
    BufferCounts m_bufferCounts;

    // Completed buffers, from CUPTI's callback to the drain thread.
    std::mutex m_queueMutex;
    std::condition_variable m_queueChanged;
    std::deque<std::pair<uint8_t*, size_t>> m_completed;
    size_t m_decoding = 0; ///< buffers popped but not decoded yet
    bool m_stopDrain = false;
    std::thread m_drainThread;
    std::atomic<uint64_t> m_dropped { 0 };

    // What the drain thread decoded since the last collect().
    std::mutex m_activityMutex;
    GpuActivity m_activity;
    ActivityDecoder m_decoder;
    GpuClockMapping m_startClock;
};

} // namespace es::prof
