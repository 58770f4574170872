// SPDX-License-Identifier: Apache-2.0
#pragma once

// GPU activity as EdgeScope keeps it: plain records decoded from CUPTI, with times already on the profiler's clock.
// No CUDA or CUPTI header here: the engine, the session store and the GUI include this; only the CUPTI collector
// (cupti_collector.cpp) reads CUPTI's own structs.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace es::prof {

/// A CUDA runtime or driver API call (CUPTI_ACTIVITY_KIND_RUNTIME / DRIVER). Times in ns on the profiler's clock.
struct GpuApiCall
{
    int64_t startNs = 0;
    int64_t endNs = 0;
    uint32_t correlationId = 0;
    uint32_t threadId = 0; ///< as CUPTI reports it (see resolveThreadIds)
    uint32_t processId = 0;
    uint32_t callbackId = 0;
    uint32_t nameIndex = 0; ///< into GpuActivity::names ("cudaLaunchKernel_v7000")
    int32_t returnValue = 0;
    bool driver = false; ///< a driver API call (cu*), else a runtime call (cuda*)
};

/// Where and when a piece of device work ran: the six fields that kernels, copies and memsets share, in the order
/// CUPTI, the nsys tables and the importers give them. Times in ns on the profiler's clock. Value type.
struct GpuWorkPlace
{
    int64_t startNs = 0;
    int64_t endNs = 0;
    uint32_t deviceId = 0, contextId = 0, streamId = 0, correlationId = 0;
};

/// Sets the six shared fields of a GpuKernel, GpuCopy or GpuMemset at once.
template<typename Record> void assignWorkPlace(Record& record, const GpuWorkPlace& place)
{
    record.startNs = place.startNs;
    record.endNs = place.endNs;
    record.deviceId = place.deviceId;
    record.contextId = place.contextId;
    record.streamId = place.streamId;
    record.correlationId = place.correlationId;
}

/// The six shared fields of a GpuKernel, GpuCopy or GpuMemset.
template<typename Record> GpuWorkPlace workPlaceOf(const Record& record)
{
    return { record.startNs, record.endNs, record.deviceId, record.contextId, record.streamId, record.correlationId };
}

/// A kernel execution (CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL).
struct GpuKernel
{
    int64_t startNs = 0;
    int64_t endNs = 0;
    uint32_t deviceId = 0, contextId = 0, streamId = 0, correlationId = 0;
    uint32_t nameIndex = 0; ///< the mangled name, into GpuActivity::names
    int32_t gridX = 0, gridY = 0, gridZ = 0;
    int32_t blockX = 0, blockY = 0, blockZ = 0;
    int32_t registersPerThread = 0;
    int32_t staticSharedMemory = 0, dynamicSharedMemory = 0;
    int64_t gridId = 0;
};

/// A memory copy (CUPTI_ACTIVITY_KIND_MEMCPY). copyKind uses ENUM_CUDA_MEMCPY_OPER's values, srcKind and dstKind
/// ENUM_CUDA_MEM_KIND's (0 pageable, 1 pinned, 2 device, ...).
struct GpuCopy
{
    int64_t startNs = 0;
    int64_t endNs = 0;
    uint32_t deviceId = 0, contextId = 0, streamId = 0, correlationId = 0;
    uint64_t bytes = 0;
    uint8_t copyKind = 0, srcKind = 7, dstKind = 7;
};

/// A memset (CUPTI_ACTIVITY_KIND_MEMSET).
struct GpuMemset
{
    int64_t startNs = 0;
    int64_t endNs = 0;
    uint32_t deviceId = 0, contextId = 0, streamId = 0, correlationId = 0;
    uint64_t bytes = 0;
    uint32_t value = 0;
    uint8_t memoryKind = 7;
};

/// A synchronization (CUPTI_ACTIVITY_KIND_SYNCHRONIZATION): syncType as ENUM_CUPTI_SYNC_TYPE (3 stream, 4 context).
/// The time the calling thread waited is endNs - startNs.
struct GpuSync
{
    int64_t startNs = 0;
    int64_t endNs = 0;
    uint32_t contextId = 0, streamId = 0, correlationId = 0;
    uint32_t syncType = 0;
    uint32_t eventId = 0;
};

/// An NVTX marker or range end point as CUPTI sees it (CUPTI_ACTIVITY_KIND_MARKER), joined with its MARKER_DATA.
struct GpuMarker
{
    int64_t timeNs = 0;
    uint32_t id = 0; ///< pairs a range's start and end
    uint32_t flags = 0; ///< 1 instantaneous, 2 start, 4 end (CUPTI_ACTIVITY_FLAG_MARKER_*)
    uint32_t threadId = 0;
    uint32_t nameIndex = 0; ///< 0 for an end point
    uint32_t domainIndex = 0;
    uint32_t color = 0; ///< ARGB, 0 when MARKER_DATA was not recorded
    uint32_t category = 0;
};

/// Time CUPTI or the driver spent on itself (CUPTI_ACTIVITY_KIND_OVERHEAD), e.g. buffer flushes.
struct GpuOverhead
{
    int64_t startNs = 0;
    int64_t endNs = 0;
    uint32_t overheadKind = 0; ///< CUpti_ActivityOverheadKind
    uint32_t threadId = 0;
};

/// How CUPTI's timestamps map onto the profiler's clock: profilerNs = cuptiNs - offsetNs. Measured by reading both
/// clocks back to back several times and keeping the tightest pair; uncertaintyNs is half that pair's window.
/// driftNs is how far the offset moved between the start and the end of the trace.
struct GpuClockMapping
{
    int64_t offsetNs = 0;
    int64_t uncertaintyNs = 0;
    int64_t driftNs = 0;
    bool measured = false;
};

/// Everything the GPU tracer collected for one run: decoded records, interned names, what was lost and why.
/// Built by the collector's drain thread, then handed over whole; one thread at a time.
struct GpuActivity
{
    std::vector<GpuApiCall> apiCalls;
    std::vector<GpuKernel> kernels;
    std::vector<GpuCopy> copies;
    std::vector<GpuMemset> memsets;
    std::vector<GpuSync> syncs;
    std::vector<GpuMarker> markers;
    std::vector<GpuOverhead> overheads;
    std::vector<std::string> names { "" }; ///< index 0 is the empty name
    GpuClockMapping clock;
    uint64_t droppedRecords = 0; ///< records CUPTI dropped (buffers full or refused)
    uint64_t unknownRecords = 0; ///< records of kinds not decoded
    uint64_t buffersCompleted = 0;
    uint64_t bytesDecoded = 0;
    std::vector<std::string> notes; ///< what a reader must know ("MARKER_DATA refused: no NVTX colours")

    uint32_t intern(const std::string& text);
    uint32_t intern(const char* text) { return intern(std::string(text ? text : "")); }
    const std::string& name(uint32_t index) const;
    size_t recordCount() const;
    bool empty() const { return recordCount() == 0; }
    /// Moves `other`'s records in, re-interning its names.
    void append(GpuActivity&& other);
    /// Keeps only the records that start within [fromNs, toNs] (API calls, kernels, copies, memsets, syncs,
    /// markers, overheads), together with the device work whose API call is kept.
    GpuActivity slice(int64_t fromNs, int64_t toNs) const;

private:
    std::unordered_map<std::string, uint32_t> m_nameIndex;
};

/// Maps the thread ids CUPTI reports onto OS thread ids (gettid). Depending on the platform CUPTI's threadId is the
/// OS tid or the low 32 bits of pthread_self(); `known` lists the threads EdgeScope saw (OS tid, pthread id low 32
/// bits). Unknown ids are kept as they are.
struct KnownThread
{
    int64_t osTid = 0;
    uint32_t pthreadLow32 = 0;
};
int64_t resolveOsThreadId(uint32_t cuptiThreadId, const std::vector<KnownThread>& known);

/// CUPTI's memory kind (CUpti_ActivityMemoryKind: 0 unknown, 1 pageable, 2 pinned, 3 device, ...) as nsys's
/// ENUM_CUDA_MEM_KIND (0 pageable, 1 pinned, 2 device, ..., 7 unknown).
inline uint8_t nsysMemoryKind(uint32_t cuptiKind)
{
    return cuptiKind == 0 || cuptiKind > 7 ? 7 : uint8_t(cuptiKind - 1);
}

/// "void at::native::(anonymous namespace)::foo<float>(int)" for a mangled "_ZN2at6native...", the input otherwise.
std::string demangleKernelName(const std::string& mangled);
/// The kernel's short name as nsys shows it: the demangled name without parameters, templates or namespaces.
std::string shortKernelName(const std::string& demangled);

} // namespace es::prof
