// SPDX-License-Identifier: Apache-2.0
// Writing a run's GPU activity into the session: the nsys-named CUPTI_ACTIVITY_KIND_* tables (same columns and
// meanings as an nsys export, plus runId), NVTX ranges of other domains that CUPTI saw, and ES_GPU_TRACING.
#include "session_store.h"
#include "sqlite_util.h"

#include <unordered_map>

namespace es::prof {

Status SessionStore::writeGpuActivity(const RunData& data, int64_t runId, int64_t pid)
{
    const GpuActivity& gpu = data.gpu;
    const int64_t globalPid = packGlobalTid(pid, 0);
    auto failed
        = [this](const Statement& statement) { return sqliteStatus(statement.errorCode(), m_path, statement.error()); };
    std::vector<KnownThread> known;
    for (const auto& info : data.threads)
        known.push_back({ info.osTid, info.pthreadLow32 });

    // Names: each distinct activity name interned once, with the demangled and short forms kernels need.
    std::vector<int64_t> nameIds(gpu.names.size(), -1);
    auto nameId = [&](uint32_t index) -> Result<int64_t> {
        if (index >= nameIds.size())
            index = 0;
        if (nameIds[index] < 0) {
            ES_ASSIGN_OR_RETURN(nameIds[index], internString(gpu.names[index]));
        }
        return nameIds[index];
    };

    Statement kernel(m_db,
        "INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL(start, \"end\", deviceId, contextId, streamId, correlationId, "
        "globalPid, demangledName, shortName, mangledName, launchType, registersPerThread, gridX, gridY, gridZ, "
        "blockX, blockY, blockZ, staticSharedMemory, dynamicSharedMemory, localMemoryPerThread, localMemoryTotal, "
        "gridId, runId) VALUES (?,?,?,?,?,?,?,?,?,?,0,?,?,?,?,?,?,?,?,?,0,0,?,?)");
    std::unordered_map<uint32_t, std::pair<int64_t, int64_t>> kernelNames; // mangled -> (demangled, short)
    for (const GpuKernel& k : gpu.kernels) {
        ES_ASSIGN_OR_RETURN(const int64_t mangled, nameId(k.nameIndex));
        auto found = kernelNames.find(k.nameIndex);
        if (found == kernelNames.end()) {
            const std::string demangled = demangleKernelName(gpu.name(k.nameIndex));
            ES_ASSIGN_OR_RETURN(const int64_t demangledId, internString(demangled));
            ES_ASSIGN_OR_RETURN(const int64_t shortId, internString(shortKernelName(demangled)));
            found = kernelNames.emplace(k.nameIndex, std::make_pair(demangledId, shortId)).first;
        }
        kernel.bind(1, k.startNs).bind(2, k.endNs).bind(3, int64_t(k.deviceId)).bind(4, int64_t(k.contextId));
        kernel.bind(5, int64_t(k.streamId)).bind(6, int64_t(k.correlationId)).bind(7, globalPid);
        kernel.bind(8, found->second.first).bind(9, found->second.second).bind(10, mangled);
        kernel.bind(11, int64_t(k.registersPerThread)).bind(12, int64_t(k.gridX)).bind(13, int64_t(k.gridY));
        kernel.bind(14, int64_t(k.gridZ)).bind(15, int64_t(k.blockX)).bind(16, int64_t(k.blockY));
        kernel.bind(17, int64_t(k.blockZ)).bind(18, int64_t(k.staticSharedMemory));
        kernel.bind(19, int64_t(k.dynamicSharedMemory)).bind(20, k.gridId).bind(21, runId);
        if (!kernel.run())
            return failed(kernel);
    }
    Statement copy(m_db,
        "INSERT INTO CUPTI_ACTIVITY_KIND_MEMCPY(start, \"end\", deviceId, contextId, streamId, correlationId, "
        "globalPid, bytes, copyKind, srcKind, dstKind, runId) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
    for (const GpuCopy& c : gpu.copies) {
        copy.bind(1, c.startNs).bind(2, c.endNs).bind(3, int64_t(c.deviceId)).bind(4, int64_t(c.contextId));
        copy.bind(5, int64_t(c.streamId)).bind(6, int64_t(c.correlationId)).bind(7, globalPid);
        copy.bind(8, int64_t(c.bytes)).bind(9, int64_t(c.copyKind)).bind(10, int64_t(c.srcKind));
        if (!copy.bind(11, int64_t(c.dstKind)).bind(12, runId).run())
            return failed(copy);
    }
    Statement memset(m_db,
        "INSERT INTO CUPTI_ACTIVITY_KIND_MEMSET(start, \"end\", deviceId, contextId, streamId, correlationId, "
        "globalPid, value, bytes, memKind, runId) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
    for (const GpuMemset& m : gpu.memsets) {
        memset.bind(1, m.startNs).bind(2, m.endNs).bind(3, int64_t(m.deviceId)).bind(4, int64_t(m.contextId));
        memset.bind(5, int64_t(m.streamId)).bind(6, int64_t(m.correlationId)).bind(7, globalPid);
        memset.bind(8, int64_t(m.value)).bind(9, int64_t(m.bytes)).bind(10, int64_t(m.memoryKind));
        if (!memset.bind(11, runId).run())
            return failed(memset);
    }
    Statement sync(m_db,
        "INSERT INTO CUPTI_ACTIVITY_KIND_SYNCHRONIZATION(start, \"end\", deviceId, contextId, streamId, "
        "correlationId, globalPid, syncType, eventId, runId) VALUES (?,?,?,?,?,?,?,?,?,?)");
    // A synchronization record names its context, not its device: take the device from the context's other work.
    std::unordered_map<uint32_t, uint32_t> deviceOfContext;
    for (const GpuKernel& k : gpu.kernels)
        deviceOfContext.emplace(k.contextId, k.deviceId);
    for (const GpuCopy& c : gpu.copies)
        deviceOfContext.emplace(c.contextId, c.deviceId);
    for (const GpuSync& s : gpu.syncs) {
        auto device = deviceOfContext.find(s.contextId);
        sync.bind(1, s.startNs).bind(2, s.endNs);
        sync.bind(3, int64_t(device == deviceOfContext.end() ? 0 : device->second)).bind(4, int64_t(s.contextId));
        sync.bind(5, int64_t(s.streamId)).bind(6, int64_t(s.correlationId)).bind(7, globalPid);
        if (!sync.bind(8, int64_t(s.syncType)).bind(9, int64_t(s.eventId)).bind(10, runId).run())
            return failed(sync);
    }
    Statement api(m_db,
        "INSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME(start, \"end\", eventClass, globalTid, correlationId, nameId, "
        "returnValue, runId) VALUES (?,?,?,?,?,?,?,?)");
    for (const GpuApiCall& a : gpu.apiCalls) {
        ES_ASSIGN_OR_RETURN(const int64_t name, nameId(a.nameIndex));
        const int64_t globalTid = packGlobalTid(pid, resolveOsThreadId(a.threadId, known));
        api.bind(1, a.startNs).bind(2, a.endNs).bind(3, int64_t(a.driver ? 1 : 0)).bind(4, globalTid);
        api.bind(5, int64_t(a.correlationId)).bind(6, name).bind(7, int64_t(a.returnValue)).bind(8, runId);
        if (!api.run())
            return failed(api);
    }

    // NVTX ranges of other domains (LibTorch's, the user's) as CUPTI saw them; EdgeScope's own ranges are already
    // in NVTX_EVENTS from the in-process recorder. Domain 1 is EdgeScope's; others get 2, 3, ...
    std::unordered_map<uint32_t, int64_t> domainIds;
    std::unordered_map<uint32_t, const GpuMarker*> openRanges;
    Statement nvtx(m_db,
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
        nvtx.bind(1, marker.timeNs).bindNull(2).bind(3, int64_t(75)).bindNull(4).bindNull(5).bind(6, domain);
        nvtx.bind(7, globalPid).bindNull(8).bind(9, id).bind(10, runId);
        if (!nvtx.run())
            return failed(nvtx);
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
        int64_t eventType = 34; // NvtxMark
        if (marker.flags & 4) {
            auto found = openRanges.find(marker.id);
            if (found == openRanges.end())
                continue;
            start = found->second;
            end = marker.timeNs;
            eventType = 60; // NvtxStartEndRange: CUPTI does not say whether it was push/pop
            openRanges.erase(found);
        }
        ES_ASSIGN_OR_RETURN(const int64_t domain, domainOf(*start));
        ES_ASSIGN_OR_RETURN(const int64_t text, nameId(start->nameIndex));
        nvtx.bind(1, start->timeNs);
        if (eventType == 34)
            nvtx.bindNull(2);
        else
            nvtx.bind(2, end);
        nvtx.bind(3, eventType).bind(4, int64_t(start->category)).bind(5, int64_t(start->color)).bindNull(6);
        nvtx.bind(7, packGlobalTid(pid, resolveOsThreadId(start->threadId, known))).bind(8, text);
        if (!nvtx.bind(9, domain).bind(10, runId).run())
            return failed(nvtx);
    }

    Statement overhead(
        m_db, "INSERT INTO ES_CUPTI_OVERHEAD(runId, start, \"end\", overheadKind, globalTid) VALUES (?,?,?,?,?)");
    int64_t overheadNs = 0;
    for (const GpuOverhead& o : gpu.overheads) {
        overheadNs += o.endNs - o.startNs;
        overhead.bind(1, runId).bind(2, o.startNs).bind(3, o.endNs).bind(4, int64_t(o.overheadKind));
        if (!overhead.bind(5, packGlobalTid(pid, resolveOsThreadId(o.threadId, known))).run())
            return failed(overhead);
    }

    Statement tracing(m_db,
        "INSERT INTO ES_GPU_TRACING(runId, state, reason, fix, droppedRecords, unknownRecords, buffers, bytes, "
        "clockOffsetNs, clockUncertaintyNs, clockDriftNs, markers, overheadNs, notes) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    std::string notes;
    for (const std::string& note : gpu.notes)
        notes += (notes.empty() ? "" : "\n") + note;
    tracing.bind(1, runId).bind(2, data.gpuTracingState).bind(3, data.gpuTracing.reason).bind(4, data.gpuTracing.fix);
    tracing.bind(5, int64_t(gpu.droppedRecords)).bind(6, int64_t(gpu.unknownRecords));
    tracing.bind(7, int64_t(gpu.buffersCompleted)).bind(8, int64_t(gpu.bytesDecoded));
    if (gpu.clock.measured)
        tracing.bind(9, gpu.clock.offsetNs).bind(10, gpu.clock.uncertaintyNs).bind(11, gpu.clock.driftNs);
    else
        tracing.bindNull(9).bindNull(10).bindNull(11);
    tracing.bind(12, int64_t(gpu.markers.size())).bind(13, overheadNs).bind(14, notes);
    if (!tracing.run())
        return failed(tracing);
    return Status::ok();
}

} // namespace es::prof
