// SPDX-License-Identifier: Apache-2.0
// The CUPTI collector: buffer callbacks, drain thread, record decoding and the reasons CUPTI refuses.
#include "collect/cupti/cupti_collector.h"

#include "base/clock.h"
#include "collect/cupti/cupti_records.h"

#include <chrono>
#include <cstdlib>
#include <cstring>

namespace es::prof {

namespace {

/// The collector CUPTI's callbacks serve; null when none traces (buffers are then refused or freed).
std::atomic<CuptiCollector*> g_activeCollector { nullptr };
constexpr size_t kBufferAlignment = 8; // ACTIVITY_RECORD_ALIGNMENT

uint8_t* allocateBuffer(size_t bytes)
{
    return static_cast<uint8_t*>(std::aligned_alloc(kBufferAlignment, (bytes + 7) & ~size_t(7)));
}

uint32_t threadOf(CUpti_ActivityObjectKind kind, const CUpti_ActivityObjectKindId& id)
{
    return kind == CUPTI_ACTIVITY_OBJECT_THREAD || kind == CUPTI_ACTIVITY_OBJECT_PROCESS ? id.pt.threadId : 0;
}

} // namespace

// ---- decoding ------------------------------------------------------------------------------------------------

uint32_t ActivityDecoder::apiName(bool driver, uint32_t callbackId, GpuActivity& out)
{
    const uint64_t key = (uint64_t(driver) << 32) | callbackId;
    auto found = m_apiNames.find(key);
    if (found != m_apiNames.end() && found->second < out.names.size())
        return found->second;
    const char* name = nullptr;
    std::string text;
    if (m_api
        && m_api->getCallbackName(driver ? CUPTI_CB_DOMAIN_DRIVER_API : CUPTI_CB_DOMAIN_RUNTIME_API, callbackId, &name)
            == CUPTI_SUCCESS
        && name)
        text = name;
    else
        text = std::string(driver ? "cuDriver" : "cudaRuntime") + " callback " + std::to_string(callbackId);
    const uint32_t index = out.intern(text);
    m_apiNames[key] = index;
    return index;
}

size_t ActivityDecoder::decode(uint8_t* buffer, size_t validSize, GpuActivity& out)
{
    size_t decoded = 0;
    out.buffersCompleted += 1;
    out.bytesDecoded += validSize;
    if (!m_api || !buffer || validSize == 0)
        return 0;
    CUpti_Activity* record = nullptr;
    CUptiResult result;
    while ((result = m_api->activityGetNextRecord(buffer, validSize, &record)) == CUPTI_SUCCESS) {
        if (decodeRecord(*record, out))
            ++decoded;
        else
            ++out.unknownRecords;
    }
    if (result != CUPTI_ERROR_MAX_LIMIT_REACHED) {
        ++out.unknownRecords;
        out.notes.push_back("an activity buffer ended early (" + cuptiResultText(*m_api, result) + " after "
            + std::to_string(decoded) + " records): the rest of it was skipped");
    }
    return decoded;
}

bool ActivityDecoder::decodeRecord(const CUpti_Activity& record, GpuActivity& out)
{
    switch (record.kind) {
    case CUPTI_ACTIVITY_KIND_KERNEL:
    case CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL:
        decodeKernel(record, out);
        return true;
    case CUPTI_ACTIVITY_KIND_MEMCPY:
        decodeMemcpy(record, out);
        return true;
    case CUPTI_ACTIVITY_KIND_MEMSET:
        decodeMemset(record, out);
        return true;
    case CUPTI_ACTIVITY_KIND_RUNTIME:
    case CUPTI_ACTIVITY_KIND_DRIVER:
        decodeApiCall(record, out);
        return true;
    case CUPTI_ACTIVITY_KIND_SYNCHRONIZATION:
        decodeSync(record, out);
        return true;
    case CUPTI_ACTIVITY_KIND_MARKER:
        decodeMarker(record, out);
        return true;
    case CUPTI_ACTIVITY_KIND_MARKER_DATA:
        decodeMarkerData(record, out);
        return true;
    case CUPTI_ACTIVITY_KIND_OVERHEAD:
        decodeOverhead(record, out);
        return true;
    default:
        return false;
    }
}

void ActivityDecoder::decodeKernel(const CUpti_Activity& record, GpuActivity& out)
{
    const auto& k = reinterpret_cast<const cupti_records::Kernel&>(record);
    GpuKernel kernel;
    assignWorkPlace(kernel, workPlace(k));
    kernel.nameIndex = out.intern(k.name);
    kernel.gridX = k.gridX;
    kernel.gridY = k.gridY;
    kernel.gridZ = k.gridZ;
    kernel.blockX = k.blockX;
    kernel.blockY = k.blockY;
    kernel.blockZ = k.blockZ;
    kernel.registersPerThread = k.registersPerThread;
    kernel.staticSharedMemory = k.staticSharedMemory;
    kernel.dynamicSharedMemory = k.dynamicSharedMemory;
    kernel.gridId = k.gridId;
    out.kernels.push_back(kernel);
}

void ActivityDecoder::decodeMemcpy(const CUpti_Activity& record, GpuActivity& out)
{
    const auto& m = reinterpret_cast<const cupti_records::Memcpy&>(record);
    GpuCopy copy;
    assignWorkPlace(copy, workPlace(m));
    copy.bytes = m.bytes;
    copy.copyKind = m.copyKind;
    copy.srcKind = nsysMemoryKind(m.srcKind);
    copy.dstKind = nsysMemoryKind(m.dstKind);
    out.copies.push_back(copy);
}

void ActivityDecoder::decodeMemset(const CUpti_Activity& record, GpuActivity& out)
{
    const auto& m = reinterpret_cast<const cupti_records::Memset&>(record);
    GpuMemset memset;
    assignWorkPlace(memset, workPlace(m));
    memset.bytes = m.bytes;
    memset.value = m.value;
#if ES_CUPTI_MEMSET_HAS_MEMORY_KIND
    memset.memoryKind = nsysMemoryKind(m.memoryKind);
#endif
    out.memsets.push_back(memset);
}

void ActivityDecoder::decodeApiCall(const CUpti_Activity& record, GpuActivity& out)
{
    const auto& a = reinterpret_cast<const cupti_records::Api&>(record);
    GpuApiCall call;
    call.driver = record.kind == CUPTI_ACTIVITY_KIND_DRIVER;
    call.startNs = toProfilerNs(a.start);
    call.endNs = toProfilerNs(a.end);
    call.correlationId = a.correlationId;
    call.threadId = a.threadId;
    call.processId = a.processId;
    call.callbackId = a.cbid;
    call.returnValue = int32_t(a.returnValue);
    call.nameIndex = apiName(call.driver, a.cbid, out);
    out.apiCalls.push_back(call);
}

void ActivityDecoder::decodeSync(const CUpti_Activity& record, GpuActivity& out)
{
    const auto& s = reinterpret_cast<const cupti_records::Synchronization&>(record);
    GpuSync sync;
    sync.startNs = toProfilerNs(s.start);
    sync.endNs = toProfilerNs(s.end);
    sync.contextId = s.contextId;
    sync.streamId = s.streamId;
    sync.correlationId = s.correlationId;
    sync.syncType = uint32_t(s.type);
    sync.eventId = s.cudaEventId;
    out.syncs.push_back(sync);
}

void ActivityDecoder::decodeMarker(const CUpti_Activity& record, GpuActivity& out)
{
    const auto& m = reinterpret_cast<const cupti_records::Marker&>(record);
    GpuMarker marker;
    marker.timeNs = toProfilerNs(m.timestamp);
    marker.id = m.id;
    marker.flags = uint32_t(m.flags);
    marker.threadId = threadOf(m.objectKind, m.objectId);
    marker.nameIndex = out.intern(m.name);
    marker.domainIndex = out.intern(m.domain);
    if (!(marker.flags & CUPTI_ACTIVITY_FLAG_MARKER_END))
        m_markerIndex[marker.id] = out.markers.size();
    out.markers.push_back(marker);
}

void ActivityDecoder::decodeMarkerData(const CUpti_Activity& record, GpuActivity& out)
{
    const auto& d = reinterpret_cast<const cupti_records::MarkerData&>(record);
    auto found = m_markerIndex.find(d.id);
    if (found != m_markerIndex.end() && found->second < out.markers.size()) {
        out.markers[found->second].color = d.color;
        out.markers[found->second].category = d.category;
    }
}

void ActivityDecoder::decodeOverhead(const CUpti_Activity& record, GpuActivity& out)
{
    const auto& o = reinterpret_cast<const cupti_records::Overhead&>(record);
    GpuOverhead overhead;
    overhead.startNs = toProfilerNs(o.start);
    overhead.endNs = toProfilerNs(o.end);
    overhead.overheadKind = uint32_t(o.overheadKind);
    overhead.threadId = threadOf(o.objectKind, o.objectId);
    out.overheads.push_back(overhead);
}

GpuClockMapping measureCuptiClock(CuptiApi& api, int rounds)
{
    GpuClockMapping best;
    int64_t bestWindow = -1;
    for (int i = 0; i < rounds; ++i) {
        uint64_t cupti = 0;
        const int64_t before = nowNs();
        const CUptiResult result = api.getTimestamp(&cupti);
        const int64_t after = nowNs();
        if (result != CUPTI_SUCCESS)
            continue;
        const int64_t window = after - before;
        if (bestWindow < 0 || window < bestWindow) {
            bestWindow = window;
            best.offsetNs = int64_t(cupti) - (before + window / 2);
            best.uncertaintyNs = window / 2 + 1;
            best.measured = true;
        }
    }
    return best;
}

// ---- the collector ---------------------------------------------------------------------------------------------

CuptiCollector::CuptiCollector(
    std::unique_ptr<CuptiApi> api, std::string loadError, GpuTracerOptions options, GpuProbe probe)
    : m_api(std::move(api))
    , m_loadError(std::move(loadError))
    , m_options(options)
    , m_probe(std::move(probe))
    , m_decoder(m_api.get())
{
    m_status.reason = "GPU tracing has not started";
}

CuptiCollector::~CuptiCollector()
{
    stop();
    std::lock_guard<std::mutex> lock(m_bufferMutex);
    for (uint8_t* buffer : m_freeBuffers)
        std::free(buffer);
}

GpuTracingStatus CuptiCollector::status() const
{
    return m_status;
}

CuptiCollector::BufferCounts CuptiCollector::bufferCounts() const
{
    std::lock_guard<std::mutex> lock(m_bufferMutex);
    return m_bufferCounts;
}

Status CuptiCollector::refuse(std::string reason, std::string fix)
{
    m_status.available = false;
    m_status.reason = std::move(reason);
    m_status.fix = std::move(fix);
    return Status(StatusCode::Unavailable, "GPU tracing unavailable: " + m_status.reason + " (" + m_status.fix + ")");
}

Status CuptiCollector::start()
{
    if (m_tracing)
        return Status::ok();
    const GpuProbe& p = m_probe;
    if (const std::string other = attachedProfiler(); !other.empty())
        return refuse(other + " is attached to this process and traces the GPU itself",
            "its report has the GPU activity, and EdgeScope's NVTX ranges reach it; run without it to trace here");
    if (!p.driverLoaded || p.driverInitResult != 0 || p.devices.empty())
        return refuse(p.tracing.reason.empty() ? "no CUDA device" : p.tracing.reason,
            p.tracing.fix.empty() ? "check nvidia-smi" : p.tracing.fix);
    if (p.jetson && !p.root && p.driverVersion < 13000)
        return refuse("on a Jetson with CUDA " + cudaVersionText(p.driverVersion) + ", CUPTI traces only as root",
            "run with sudo (sudo -E build/bin/edgescope-cli ...)");
    if (!m_api)
        return refuse(m_loadError,
            "install CUPTI (it comes with the CUDA toolkit, under extras/CUPTI/lib64 on older ones, or pip's "
            "nvidia-cuda-cupti) or point EDGESCOPE_CUPTI_LIBRARY at libcupti.so");
    if (m_api->getVersion(&m_libraryVersion) == CUPTI_SUCCESS && m_libraryVersion < cupti_records::kHeaderApiVersion)
        return refuse("the CUPTI library " + m_api->location() + " (API " + std::to_string(m_libraryVersion)
                + ") is older than the headers this build used (API " + std::to_string(cupti_records::kHeaderApiVersion)
                + ")",
            "point EDGESCOPE_CUPTI_LIBRARY at the libcupti of the CUDA toolkit EdgeScope was built with");
    CuptiCollector* expected = nullptr;
    if (!g_activeCollector.compare_exchange_strong(expected, this))
        return refuse("another GPU tracer of this process is running", "stop it first (one CUPTI collector at a time)");

    m_startClock = measureCuptiClock(*m_api);
    m_decoder.setOffset(m_startClock.offsetNs);
    const CUptiResult registered = m_api->activityRegisterCallbacks(&onBufferRequested, &onBufferCompleted);
    if (registered != CUPTI_SUCCESS) {
        g_activeCollector.store(nullptr);
        return refuse("CUPTI refused the activity buffer callbacks: " + cuptiResultText(*m_api, registered),
            "check that the CUPTI library matches the driver (nvidia-smi shows the driver's CUDA version)");
    }
    const Status enabled = enableKinds();
    if (!enabled.isOk()) {
        disableKinds();
        g_activeCollector.store(nullptr);
        return enabled;
    }
    {
        std::lock_guard<std::mutex> lock(m_queueMutex);
        m_stopDrain = false;
    }
    m_drainThread = std::thread([this] { drainLoop(); });
    m_tracing = true;
    m_status.available = true;
    m_status.reason.clear();
    m_status.fix.clear();
    return Status::ok();
}

Status CuptiCollector::enableKinds()
{
    const CUptiResult kernels = m_api->activityEnable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL);
    if (kernels != CUPTI_SUCCESS) {
        const std::string text = cuptiResultText(*m_api, kernels);
        switch (kernels) {
        case CUPTI_ERROR_INSUFFICIENT_PRIVILEGES:
            if (m_probe.jetson)
                return refuse("CUPTI refused: insufficient privileges (" + text + "); on a Jetson it traces as root",
                    "run with sudo (sudo -E build/bin/edgescope-cli ...)");
            return refuse("the NVIDIA driver restricts GPU profiling to admin users (" + text + ")",
                "run as root, or load the driver with NVreg_RestrictProfilingOnlyToAdminUsers=0 (echo 'options "
                "nvidia NVreg_RestrictProfilingOnlyToAdminUsers=0' > /etc/modprobe.d/nvprof.conf, then reboot)");
        case CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED:
            return refuse(
                "another profiler (such as Nsight Systems) already holds CUPTI in this process (" + text + ")",
                "its report has the GPU activity, and EdgeScope's NVTX ranges reach it; run without it to trace "
                "here");
        case CUPTI_ERROR_NOT_INITIALIZED:
        case CUPTI_ERROR_NOT_COMPATIBLE:
            return refuse("CUPTI cannot work with this driver (" + text + ")",
                "use the libcupti of the driver's CUDA version (EDGESCOPE_CUPTI_LIBRARY=...) or update the driver");
        default:
            return refuse("CUPTI refused to trace kernels (" + text + ")",
                "check nvidia-smi and that no other profiler is attached");
        }
    }
    m_enabled.push_back(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL);
    struct Wanted
    {
        CUpti_ActivityKind kind;
        bool wanted;
        const char* what;
    };
    const Wanted optional[] = {
        { CUPTI_ACTIVITY_KIND_MEMCPY, true, "copies" },
        { CUPTI_ACTIVITY_KIND_MEMSET, true, "memsets" },
        { CUPTI_ACTIVITY_KIND_SYNCHRONIZATION, true, "synchronizations" },
        { CUPTI_ACTIVITY_KIND_RUNTIME, m_options.runtimeApi, "runtime API calls (no attribution to stages)" },
        { CUPTI_ACTIVITY_KIND_DRIVER, m_options.driverApi, "driver API calls" },
        { CUPTI_ACTIVITY_KIND_MARKER, m_options.markers, "NVTX markers" },
        { CUPTI_ACTIVITY_KIND_OVERHEAD, m_options.overhead, "CUPTI overhead" },
    };
    for (const Wanted& item : optional) {
        if (!item.wanted)
            continue;
        const CUptiResult result = m_api->activityEnable(item.kind);
        if (result == CUPTI_SUCCESS)
            m_enabled.push_back(item.kind);
        else
            m_startNotes.push_back(
                std::string("CUPTI did not trace ") + item.what + ": " + cuptiResultText(*m_api, result));
    }
    if (m_options.markers) {
        const CUptiResult data = m_api->activityEnable(CUPTI_ACTIVITY_KIND_MARKER_DATA);
        if (data == CUPTI_SUCCESS)
            m_enabled.push_back(CUPTI_ACTIVITY_KIND_MARKER_DATA);
        else
            m_startNotes.push_back("CUPTI refused NVTX marker data (" + cuptiResultText(*m_api, data)
                + ", as on JetPack 4.6): the ranges are traced without colours or categories");
    }
    return Status::ok();
}

void CuptiCollector::disableKinds()
{
    for (auto kind = m_enabled.rbegin(); kind != m_enabled.rend(); ++kind)
        m_api->activityDisable(*kind);
    m_enabled.clear();
}

Result<GpuActivity> CuptiCollector::collect()
{
    if (!m_tracing)
        return Status(StatusCode::Unavailable, "GPU tracing unavailable: " + m_status.reason);
    const CUptiResult flushed = m_api->activityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);
    const bool drained = waitDrained(10000);
    size_t droppedSinceLastBuffer = 0; // records dropped after the last completed buffer (none handed back)
    if (m_api->activityGetNumDroppedRecords(nullptr, 0, &droppedSinceLastBuffer) == CUPTI_SUCCESS)
        m_dropped.fetch_add(droppedSinceLastBuffer);
    const GpuClockMapping now = measureCuptiClock(*m_api);
    GpuActivity taken;
    {
        std::lock_guard<std::mutex> lock(m_activityMutex);
        std::swap(taken, m_activity);
        m_decoder.handedOver();
    }
    taken.clock = m_startClock;
    if (now.measured && m_startClock.measured)
        taken.clock.driftNs = now.offsetNs - m_startClock.offsetNs;
    taken.droppedRecords += m_dropped.exchange(0);
    if (flushed != CUPTI_SUCCESS)
        taken.notes.push_back("CUPTI's flush failed (" + cuptiResultText(*m_api, flushed)
            + "): the last records of this run may be missing");
    if (!drained)
        taken.notes.push_back("the drain thread did not finish decoding within 10 s: records may be missing");
    for (std::string& note : m_startNotes)
        taken.notes.push_back(std::move(note));
    m_startNotes.clear();
    return taken;
}

void CuptiCollector::stop()
{
    if (!m_tracing)
        return;
    disableKinds();
    m_api->activityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);
    waitDrained(10000);
    {
        std::lock_guard<std::mutex> lock(m_queueMutex);
        m_stopDrain = true;
    }
    m_queueChanged.notify_all();
    if (m_drainThread.joinable())
        m_drainThread.join();
    g_activeCollector.store(nullptr);
    m_tracing = false;
    m_status.available = false;
    m_status.reason = "GPU tracing was stopped";
}

bool CuptiCollector::waitDrained(int timeoutMs)
{
    std::unique_lock<std::mutex> lock(m_queueMutex);
    return m_queueChanged.wait_for(
        lock, std::chrono::milliseconds(timeoutMs), [this] { return m_completed.empty() && m_decoding == 0; });
}

void CuptiCollector::drainLoop()
{
    for (;;) {
        std::pair<uint8_t*, size_t> item;
        {
            std::unique_lock<std::mutex> lock(m_queueMutex);
            m_queueChanged.wait(lock, [this] { return m_stopDrain || !m_completed.empty(); });
            if (m_completed.empty())
                return;
            item = m_completed.front();
            m_completed.pop_front();
            ++m_decoding;
        }
        {
            std::lock_guard<std::mutex> lock(m_activityMutex);
            m_decoder.decode(item.first, item.second, m_activity);
        }
        {
            std::lock_guard<std::mutex> lock(m_bufferMutex);
            m_freeBuffers.push_back(item.first);
        }
        {
            std::lock_guard<std::mutex> lock(m_queueMutex);
            --m_decoding;
        }
        m_queueChanged.notify_all();
    }
}

void CUPTIAPI CuptiCollector::onBufferRequested(uint8_t** buffer, size_t* size, size_t* maxNumRecords)
{
    *maxNumRecords = 0; // fill the buffer with as many records as fit
    *buffer = nullptr;
    *size = 0;
    CuptiCollector* self = g_activeCollector.load(std::memory_order_acquire);
    if (!self)
        return;
    std::lock_guard<std::mutex> lock(self->m_bufferMutex);
    ++self->m_bufferCounts.requested;
    const size_t bytes = self->m_options.bufferBytes;
    if (!self->m_freeBuffers.empty()) {
        *buffer = self->m_freeBuffers.back();
        self->m_freeBuffers.pop_back();
    } else if (self->m_bytesAllocated + bytes <= self->m_options.maxBufferBytes
        // CUPTI before API 27 (CUDA 12.9) may crash on a refused buffer: past the cap, allocate anyway there.
        || (self->m_libraryVersion > 0 && self->m_libraryVersion < 27)) {
        *buffer = allocateBuffer(bytes);
        if (*buffer) {
            self->m_bytesAllocated += bytes;
            ++self->m_bufferCounts.allocated;
        }
    }
    if (*buffer)
        *size = bytes;
    else
        ++self->m_bufferCounts.refused;
}

void CUPTIAPI CuptiCollector::onBufferCompleted(
    CUcontext context, uint32_t streamId, uint8_t* buffer, size_t /*size*/, size_t validSize)
{
    CuptiCollector* self = g_activeCollector.load(std::memory_order_acquire);
    if (!self) {
        std::free(buffer); // a buffer of a collector that has gone: its records cannot be kept
        return;
    }
    size_t dropped = 0;
    if (self->m_api->activityGetNumDroppedRecords(context, streamId, &dropped) == CUPTI_SUCCESS && dropped)
        self->m_dropped.fetch_add(dropped, std::memory_order_relaxed);
    if (!buffer)
        return;
    {
        std::lock_guard<std::mutex> lock(self->m_queueMutex);
        self->m_completed.emplace_back(buffer, validSize);
    }
    self->m_queueChanged.notify_all();
}

} // namespace es::prof
