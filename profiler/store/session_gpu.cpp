// SPDX-License-Identifier: Apache-2.0
// Writing a run's GPU activity into the session: the nsys-named CUPTI_ACTIVITY_KIND_* tables (same columns and
// meanings as an nsys export, plus runId), NVTX ranges of other domains that CUPTI saw, and ES_GPU_TRACING.
#include "base/sqlite_util.h"
#include "model/vocabulary.h"
#include "store/session_store.h"

#include <functional>
#include <unordered_map>

namespace es::prof {

namespace {

/// Where the GPU rows of one run go: the open session (its path names it in messages), the run, its process and
/// the threads EdgeScope saw in it (to map CUPTI's thread ids).
struct GpuTarget
{
    sqlite3* db;
    const std::string& path;
    int64_t runId;
    int64_t pid;
    int64_t globalPid;
    std::vector<KnownThread> known;

    /// The globalTid of a thread as CUPTI names it.
    int64_t globalTidOf(uint32_t cuptiThreadId) const
    {
        return packGlobalTid(pid, resolveOsThreadId(cuptiThreadId, known));
    }
    Status failed(const Statement& statement) const
    {
        return sqliteStatus(statement.errorCode(), path, statement.error());
    }
};

/// The StringIds ids of a run's activity names (GpuActivity::names), each interned once, on first use.
class ActivityNameIds
{
public:
    using InternString = std::function<Result<int64_t>(const std::string&)>;
    ActivityNameIds(const GpuActivity& gpu, InternString intern)
        : m_gpu(gpu), m_intern(std::move(intern)), m_ids(gpu.names.size(), -1)
    { }
    /// The id of the name at `index` (of the empty name when `index` is out of range).
    Result<int64_t> id(uint32_t index)
    {
        if (index >= m_ids.size())
            index = 0;
        if (m_ids[index] < 0) {
            ES_ASSIGN_OR_RETURN(m_ids[index], m_intern(m_gpu.names[index]));
        }
        return m_ids[index];
    }
    /// The id of a text that is not one of the activity's names (a kernel's demangled or short name).
    Result<int64_t> intern(const std::string& text) { return m_intern(text); }

private:
    const GpuActivity& m_gpu;
    InternString m_intern;
    std::vector<int64_t> m_ids;
};

/// Binds the six fields kernels, copies and memsets share (start, end, deviceId, contextId, streamId,
/// correlationId) to the columns from `firstColumn` on.
void bindWorkPlace(Statement& statement, int firstColumn, const GpuWorkPlace& place)
{
    statement.bind(firstColumn, place.startNs).bind(firstColumn + 1, place.endNs);
    statement.bind(firstColumn + 2, int64_t(place.deviceId)).bind(firstColumn + 3, int64_t(place.contextId));
    statement.bind(firstColumn + 4, int64_t(place.streamId)).bind(firstColumn + 5, int64_t(place.correlationId));
}

/// The CUPTI_ACTIVITY_KIND_KERNEL rows, with each kernel name's demangled and short forms interned once.
Status writeKernels(const GpuTarget& target, const GpuActivity& gpu, ActivityNameIds& names)
{
    Statement kernel(target.db,
        "INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL(start, \"end\", deviceId, contextId, streamId, correlationId, "
        "globalPid, demangledName, shortName, mangledName, launchType, registersPerThread, gridX, gridY, gridZ, "
        "blockX, blockY, blockZ, staticSharedMemory, dynamicSharedMemory, localMemoryPerThread, localMemoryTotal, "
        "gridId, runId) VALUES (?,?,?,?,?,?,?,?,?,?,0,?,?,?,?,?,?,?,?,?,0,0,?,?)");
    std::unordered_map<uint32_t, std::pair<int64_t, int64_t>> kernelNames; // mangled -> (demangled, short)
    for (const GpuKernel& k : gpu.kernels) {
        ES_ASSIGN_OR_RETURN(const int64_t mangled, names.id(k.nameIndex));
        auto found = kernelNames.find(k.nameIndex);
        if (found == kernelNames.end()) {
            const std::string demangled = demangleKernelName(gpu.name(k.nameIndex));
            ES_ASSIGN_OR_RETURN(const int64_t demangledId, names.intern(demangled));
            ES_ASSIGN_OR_RETURN(const int64_t shortId, names.intern(shortKernelName(demangled)));
            found = kernelNames.emplace(k.nameIndex, std::make_pair(demangledId, shortId)).first;
        }
        bindWorkPlace(kernel, 1, workPlaceOf(k));
        kernel.bind(7, target.globalPid);
        kernel.bind(8, found->second.first).bind(9, found->second.second).bind(10, mangled);
        kernel.bind(11, int64_t(k.registersPerThread)).bind(12, int64_t(k.gridX)).bind(13, int64_t(k.gridY));
        kernel.bind(14, int64_t(k.gridZ)).bind(15, int64_t(k.blockX)).bind(16, int64_t(k.blockY));
        kernel.bind(17, int64_t(k.blockZ)).bind(18, int64_t(k.staticSharedMemory));
        kernel.bind(19, int64_t(k.dynamicSharedMemory)).bind(20, k.gridId).bind(21, target.runId);
        if (!kernel.run())
            return target.failed(kernel);
    }
    return Status::ok();
}

/// The CUPTI_ACTIVITY_KIND_MEMCPY rows.
Status writeCopies(const GpuTarget& target, const std::vector<GpuCopy>& copies)
{
    Statement copy(target.db,
        "INSERT INTO CUPTI_ACTIVITY_KIND_MEMCPY(start, \"end\", deviceId, contextId, streamId, correlationId, "
        "globalPid, bytes, copyKind, srcKind, dstKind, runId) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
    for (const GpuCopy& c : copies) {
        bindWorkPlace(copy, 1, workPlaceOf(c));
        copy.bind(7, target.globalPid);
        copy.bind(8, int64_t(c.bytes)).bind(9, int64_t(c.copyKind)).bind(10, int64_t(c.srcKind));
        if (!copy.bind(11, int64_t(c.dstKind)).bind(12, target.runId).run())
            return target.failed(copy);
    }
    return Status::ok();
}

/// The CUPTI_ACTIVITY_KIND_MEMSET rows.
Status writeMemsets(const GpuTarget& target, const std::vector<GpuMemset>& memsets)
{
    Statement memset(target.db,
        "INSERT INTO CUPTI_ACTIVITY_KIND_MEMSET(start, \"end\", deviceId, contextId, streamId, correlationId, "
        "globalPid, value, bytes, memKind, runId) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
    for (const GpuMemset& m : memsets) {
        bindWorkPlace(memset, 1, workPlaceOf(m));
        memset.bind(7, target.globalPid);
        memset.bind(8, int64_t(m.value)).bind(9, int64_t(m.bytes)).bind(10, int64_t(m.memoryKind));
        if (!memset.bind(11, target.runId).run())
            return target.failed(memset);
    }
    return Status::ok();
}

/// The CUPTI_ACTIVITY_KIND_SYNCHRONIZATION rows. A synchronization record names its context, not its device: the
/// device is taken from the context's other work.
Status writeSyncs(const GpuTarget& target, const GpuActivity& gpu)
{
    Statement sync(target.db,
        "INSERT INTO CUPTI_ACTIVITY_KIND_SYNCHRONIZATION(start, \"end\", deviceId, contextId, streamId, "
        "correlationId, globalPid, syncType, eventId, runId) VALUES (?,?,?,?,?,?,?,?,?,?)");
    std::unordered_map<uint32_t, uint32_t> deviceOfContext;
    for (const GpuKernel& k : gpu.kernels)
        deviceOfContext.emplace(k.contextId, k.deviceId);
    for (const GpuCopy& c : gpu.copies)
        deviceOfContext.emplace(c.contextId, c.deviceId);
    for (const GpuSync& s : gpu.syncs) {
        auto device = deviceOfContext.find(s.contextId);
        sync.bind(1, s.startNs).bind(2, s.endNs);
        sync.bind(3, int64_t(device == deviceOfContext.end() ? 0 : device->second)).bind(4, int64_t(s.contextId));
        sync.bind(5, int64_t(s.streamId)).bind(6, int64_t(s.correlationId)).bind(7, target.globalPid);
        if (!sync.bind(8, int64_t(s.syncType)).bind(9, int64_t(s.eventId)).bind(10, target.runId).run())
            return target.failed(sync);
    }
    return Status::ok();
}

/// The CUPTI_ACTIVITY_KIND_RUNTIME rows (runtime and driver API calls).
Status writeApiCalls(const GpuTarget& target, const GpuActivity& gpu, ActivityNameIds& names)
{
    Statement api(target.db,
        "INSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME(start, \"end\", eventClass, globalTid, correlationId, nameId, "
        "returnValue, runId) VALUES (?,?,?,?,?,?,?,?)");
    for (const GpuApiCall& a : gpu.apiCalls) {
        ES_ASSIGN_OR_RETURN(const int64_t name, names.id(a.nameIndex));
        const int64_t globalTid = target.globalTidOf(a.threadId);
        api.bind(1, a.startNs).bind(2, a.endNs).bind(3, int64_t(a.driver ? 1 : 0)).bind(4, globalTid);
        api.bind(5, int64_t(a.correlationId)).bind(6, name).bind(7, int64_t(a.returnValue)).bind(8, target.runId);
        if (!api.run())
            return target.failed(api);
    }
    return Status::ok();
}

/// NVTX ranges and marks of other domains (LibTorch's, the user's) as CUPTI saw them, into NVTX_EVENTS, each domain
/// announced by an NvtxDomainCreate event before its first one; EdgeScope's own ranges are already in NVTX_EVENTS
/// from the in-process recorder. Domain 1 is EdgeScope's; others get 2, 3, ...
Status writeForeignMarkers(const GpuTarget& target, const GpuActivity& gpu, ActivityNameIds& names)
{
    std::unordered_map<uint32_t, int64_t> domainIds;
    std::unordered_map<uint32_t, const GpuMarker*> openRanges;
    Statement nvtx(target.db,
        "INSERT INTO NVTX_EVENTS(start, \"end\", eventType, category, color, text, globalTid, textId, domainId, "
        "runId) VALUES (?,?,?,?,?,?,?,?,?,?)");
    auto domainOf = [&](const GpuMarker& marker) -> Result<int64_t> {
        const std::string& domain = gpu.name(marker.domainIndex);
        if (domain.empty())
            return int64_t(0);
        auto found = domainIds.find(marker.domainIndex);
        if (found != domainIds.end())
            return found->second;
        const int64_t id = int64_t(domainIds.size()) + 2;
        domainIds[marker.domainIndex] = id;
        nvtx.bind(1, marker.timeNs).bindNull(2).bind(3, nsys_event::kNvtxDomainCreate).bindNull(4).bindNull(5);
        nvtx.bind(6, domain).bind(7, target.globalPid).bindNull(8).bind(9, id).bind(10, target.runId);
        if (!nvtx.run())
            return target.failed(nvtx);
        return id;
    };
    for (const GpuMarker& marker : gpu.markers) {
        if (gpu.name(marker.domainIndex) == "edgescope")
            continue;
        if (marker.flags & 2) { // start: wait for the end
            openRanges[marker.id] = &marker;
            continue;
        }
        const GpuMarker* start = &marker;
        int64_t end = 0;
        int64_t eventType = nsys_event::kNvtxMark;
        if (marker.flags & 4) {
            auto found = openRanges.find(marker.id);
            if (found == openRanges.end())
                continue;
            start = found->second;
            end = marker.timeNs;
            eventType = nsys_event::kNvtxStartEndRange; // CUPTI does not say whether it was push/pop
            openRanges.erase(found);
        }
        ES_ASSIGN_OR_RETURN(const int64_t domain, domainOf(*start));
        ES_ASSIGN_OR_RETURN(const int64_t text, names.id(start->nameIndex));
        nvtx.bind(1, start->timeNs);
        if (eventType == nsys_event::kNvtxMark)
            nvtx.bindNull(2);
        else
            nvtx.bind(2, end);
        nvtx.bind(3, eventType).bind(4, int64_t(start->category)).bind(5, int64_t(start->color)).bindNull(6);
        nvtx.bind(7, target.globalTidOf(start->threadId)).bind(8, text);
        if (!nvtx.bind(9, domain).bind(10, target.runId).run())
            return target.failed(nvtx);
    }
    return Status::ok();
}

/// The ES_CUPTI_OVERHEAD rows; gives the time they add up to.
Result<int64_t> writeOverheads(const GpuTarget& target, const std::vector<GpuOverhead>& overheads)
{
    Statement overhead(
        target.db, "INSERT INTO ES_CUPTI_OVERHEAD(runId, start, \"end\", overheadKind, globalTid) VALUES (?,?,?,?,?)");
    int64_t overheadNs = 0;
    for (const GpuOverhead& o : overheads) {
        overheadNs += o.endNs - o.startNs;
        overhead.bind(1, target.runId).bind(2, o.startNs).bind(3, o.endNs).bind(4, int64_t(o.overheadKind));
        if (!overhead.bind(5, target.globalTidOf(o.threadId)).run())
            return target.failed(overhead);
    }
    return overheadNs;
}

/// The ES_GPU_TRACING row: whether the run was traced, what was lost, the clock mapping and the notes.
Status writeTracingState(const GpuTarget& target, const RunData& data, int64_t overheadNs)
{
    const GpuActivity& gpu = data.gpu;
    Statement tracing(target.db,
        "INSERT INTO ES_GPU_TRACING(runId, state, reason, fix, droppedRecords, unknownRecords, buffers, bytes, "
        "clockOffsetNs, clockUncertaintyNs, clockDriftNs, markers, overheadNs, notes) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    std::string notes;
    for (const std::string& note : gpu.notes)
        notes += (notes.empty() ? "" : "\n") + note;
    tracing.bind(1, target.runId).bind(2, data.gpuTracingState).bind(3, data.gpuTracing.reason);
    tracing.bind(4, data.gpuTracing.fix).bind(5, int64_t(gpu.droppedRecords)).bind(6, int64_t(gpu.unknownRecords));
    tracing.bind(7, int64_t(gpu.buffersCompleted)).bind(8, int64_t(gpu.bytesDecoded));
    if (gpu.clock.measured)
        tracing.bind(9, gpu.clock.offsetNs).bind(10, gpu.clock.uncertaintyNs).bind(11, gpu.clock.driftNs);
    else
        tracing.bindNull(9).bindNull(10).bindNull(11);
    tracing.bind(12, int64_t(gpu.markers.size())).bind(13, overheadNs).bind(14, notes);
    if (!tracing.run())
        return target.failed(tracing);
    return Status::ok();
}

} // namespace

Status SessionStore::writeGpuActivity(const RunData& data, int64_t runId, int64_t pid)
{
    GpuTarget target { m_db, m_path, runId, pid, packGlobalTid(pid, 0), {} };
    for (const auto& info : data.threads)
        target.known.push_back({ info.osTid, info.pthreadLow32 });
    ActivityNameIds names(data.gpu, [this](const std::string& text) { return internString(text); });
    ES_RETURN_IF_ERROR(writeKernels(target, data.gpu, names));
    ES_RETURN_IF_ERROR(writeCopies(target, data.gpu.copies));
    ES_RETURN_IF_ERROR(writeMemsets(target, data.gpu.memsets));
    ES_RETURN_IF_ERROR(writeSyncs(target, data.gpu));
    ES_RETURN_IF_ERROR(writeApiCalls(target, data.gpu, names));
    ES_RETURN_IF_ERROR(writeForeignMarkers(target, data.gpu, names));
    ES_ASSIGN_OR_RETURN(const int64_t overheadNs, writeOverheads(target, data.gpu.overheads));
    return writeTracingState(target, data, overheadNs);
}

} // namespace es::prof
