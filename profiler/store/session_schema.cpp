// SPDX-License-Identifier: Apache-2.0
// The SQL of the session schema: nsys's export tables (names, columns and meanings from Nsight Systems' SQLite
// export, plus runId) and EdgeScope's own ES_* tables.
#include "store/session_schema.h"

namespace es::prof {

const char* sessionSchemaSql()
{
    return R"SQL(
CREATE TABLE ES_SESSION (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE ES_ENVIRONMENT (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE ES_RUNS (
    runId INTEGER PRIMARY KEY, step TEXT, stepNumber INTEGER, title TEXT, status TEXT NOT NULL, profile TEXT,
    device TEXT, deviceName TEXT, weights TEXT, precision TEXT, video TEXT, batch INTEGER, frames INTEGER,
    warmup INTEGER, start INTEGER, "end" INTEGER, fps REAL, detectorOnlyFps REAL, globalPid INTEGER,
    config TEXT, result TEXT);
CREATE TABLE ES_FRAMES (runId INTEGER NOT NULL, frameIndex INTEGER, batchIndex INTEGER, start INTEGER, "end" INTEGER,
    detections INTEGER, candidates INTEGER);
CREATE TABLE ES_DETECTIONS (runId INTEGER NOT NULL, frameIndex INTEGER, label INTEGER, score REAL, "left" REAL,
    top REAL, "right" REAL, bottom REAL);
CREATE TABLE ES_COUNTERS (counterId INTEGER PRIMARY KEY, runId INTEGER NOT NULL, name TEXT, unit TEXT, source TEXT);
CREATE TABLE ES_COUNTER_SAMPLES (counterId INTEGER NOT NULL, timestamp INTEGER, value REAL);
CREATE TABLE ES_OPERATORS (runId INTEGER NOT NULL, start INTEGER, "end" INTEGER, globalTid INTEGER, nameId INTEGER,
    depth INTEGER);

CREATE TABLE StringIds (id INTEGER NOT NULL PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE ThreadNames (nameId INTEGER NOT NULL, priority INTEGER, globalTid INTEGER, runId INTEGER);
CREATE TABLE PROCESSES (globalPid INTEGER, pid INTEGER, name TEXT, runId INTEGER);
CREATE TABLE TARGET_INFO_GPU (vmId INTEGER NOT NULL, id INTEGER NOT NULL, name TEXT, busLocation TEXT,
    isDiscrete INTEGER, l2CacheSize INTEGER, totalMemory INTEGER, memoryBandwidth INTEGER, clockRate INTEGER,
    smCount INTEGER, computeMajor INTEGER, computeMinor INTEGER);
CREATE TABLE NVTX_EVENTS (start INTEGER NOT NULL, "end" INTEGER, eventType INTEGER NOT NULL, rangeId INTEGER,
    category INTEGER, color INTEGER, text TEXT, globalTid INTEGER, endGlobalTid INTEGER, textId INTEGER,
    domainId INTEGER, uint64Value INTEGER, int64Value INTEGER, doubleValue REAL, uint32Value INTEGER,
    int32Value INTEGER, floatValue REAL, jsonTextId INTEGER, jsonText TEXT, binaryData TEXT, runId INTEGER);
CREATE TABLE CUPTI_ACTIVITY_KIND_KERNEL (start INTEGER NOT NULL, "end" INTEGER NOT NULL, deviceId INTEGER NOT NULL,
    contextId INTEGER NOT NULL, greenContextId INTEGER, streamId INTEGER NOT NULL, correlationId INTEGER,
    globalPid INTEGER, demangledName INTEGER NOT NULL, shortName INTEGER NOT NULL, mangledName INTEGER,
    launchType INTEGER, cacheConfig INTEGER, registersPerThread INTEGER NOT NULL, gridX INTEGER NOT NULL,
    gridY INTEGER NOT NULL, gridZ INTEGER NOT NULL, blockX INTEGER NOT NULL, blockY INTEGER NOT NULL,
    blockZ INTEGER NOT NULL, staticSharedMemory INTEGER NOT NULL, dynamicSharedMemory INTEGER NOT NULL,
    localMemoryPerThread INTEGER NOT NULL, localMemoryTotal INTEGER NOT NULL, gridId INTEGER NOT NULL,
    sharedMemoryExecuted INTEGER, graphNodeId INTEGER, sharedMemoryLimitConfig INTEGER, runId INTEGER);
CREATE TABLE CUPTI_ACTIVITY_KIND_MEMCPY (start INTEGER NOT NULL, "end" INTEGER NOT NULL, deviceId INTEGER NOT NULL,
    contextId INTEGER NOT NULL, greenContextId INTEGER, streamId INTEGER NOT NULL, correlationId INTEGER,
    globalPid INTEGER, bytes INTEGER NOT NULL, copyKind INTEGER NOT NULL, deprecatedSrcId INTEGER, srcKind INTEGER,
    dstKind INTEGER, srcDeviceId INTEGER, srcContextId INTEGER, dstDeviceId INTEGER, dstContextId INTEGER,
    migrationCause INTEGER, graphNodeId INTEGER, virtualAddress INTEGER, copyCount INTEGER, runId INTEGER);
CREATE TABLE CUPTI_ACTIVITY_KIND_MEMSET (start INTEGER NOT NULL, "end" INTEGER NOT NULL, deviceId INTEGER NOT NULL,
    contextId INTEGER NOT NULL, greenContextId INTEGER, streamId INTEGER NOT NULL, correlationId INTEGER,
    globalPid INTEGER, value INTEGER NOT NULL, bytes INTEGER NOT NULL, graphNodeId INTEGER, memKind INTEGER,
    runId INTEGER);
CREATE TABLE CUPTI_ACTIVITY_KIND_RUNTIME (start INTEGER NOT NULL, "end" INTEGER NOT NULL, eventClass INTEGER NOT NULL,
    globalTid INTEGER, correlationId INTEGER, nameId INTEGER NOT NULL, returnValue INTEGER NOT NULL,
    callchainId INTEGER, runId INTEGER);
CREATE TABLE CUPTI_ACTIVITY_KIND_SYNCHRONIZATION (start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    deviceId INTEGER NOT NULL, contextId INTEGER NOT NULL, greenContextId INTEGER, streamId INTEGER NOT NULL,
    correlationId INTEGER, globalPid INTEGER, syncType INTEGER NOT NULL, eventId INTEGER NOT NULL, runId INTEGER);

CREATE TABLE ENUM_CUDA_MEMCPY_OPER (id INTEGER NOT NULL PRIMARY KEY, name TEXT, label TEXT);
INSERT INTO ENUM_CUDA_MEMCPY_OPER VALUES (0,'CUDA_MEMCPY_KIND_UNKNOWN','Unknown'),(1,'CUDA_MEMCPY_KIND_HTOD','Host-to-Device'),
 (2,'CUDA_MEMCPY_KIND_DTOH','Device-to-Host'),(3,'CUDA_MEMCPY_KIND_HTOA','Host-to-Array'),(4,'CUDA_MEMCPY_KIND_ATOH','Array-to-Host'),
 (5,'CUDA_MEMCPY_KIND_ATOA','Array-to-Array'),(6,'CUDA_MEMCPY_KIND_ATOD','Array-to-Device'),(7,'CUDA_MEMCPY_KIND_DTOA','Device-to-Array'),
 (8,'CUDA_MEMCPY_KIND_DTOD','Device-to-Device'),(9,'CUDA_MEMCPY_KIND_HTOH','Host-to-Host'),(10,'CUDA_MEMCPY_KIND_PTOP','Peer-to-Peer'),
 (11,'CUDA_MEMCPY_KIND_UVM_HTOD','Unified Host-to-Device'),(12,'CUDA_MEMCPY_KIND_UVM_DTOH','Unified Device-to-Host'),
 (13,'CUDA_MEMCPY_KIND_UVM_DTOD','Unified Device-to-Device');
CREATE TABLE ENUM_CUDA_MEM_KIND (id INTEGER NOT NULL PRIMARY KEY, name TEXT, label TEXT);
INSERT INTO ENUM_CUDA_MEM_KIND VALUES (0,'CUDA_MEMOPR_MEMORY_KIND_PAGEABLE','Pageable'),(1,'CUDA_MEMOPR_MEMORY_KIND_PINNED','Pinned'),
 (2,'CUDA_MEMOPR_MEMORY_KIND_DEVICE','Device'),(3,'CUDA_MEMOPR_MEMORY_KIND_ARRAY','Array'),(4,'CUDA_MEMOPR_MEMORY_KIND_MANAGED','Managed'),
 (5,'CUDA_MEMOPR_MEMORY_KIND_DEVICE_STATIC','Device Static'),(6,'CUDA_MEMOPR_MEMORY_KIND_MANAGED_STATIC','Managed Static'),
 (7,'CUDA_MEMOPR_MEMORY_KIND_UNKNOWN','Unknown');
CREATE TABLE ENUM_CUPTI_SYNC_TYPE (id INTEGER NOT NULL PRIMARY KEY, name TEXT, label TEXT);
INSERT INTO ENUM_CUPTI_SYNC_TYPE VALUES (0,'CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_UNKNOWN','Unknown'),
 (1,'CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_EVENT_SYNCHRONIZE','Event sync'),
 (2,'CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_STREAM_WAIT_EVENT','Stream wait sync'),
 (3,'CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_STREAM_SYNCHRONIZE','Stream sync'),
 (4,'CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_CONTEXT_SYNCHRONIZE','Context sync');
CREATE TABLE ENUM_NSYS_EVENT_TYPE (id INTEGER NOT NULL PRIMARY KEY, name TEXT, label TEXT);
INSERT INTO ENUM_NSYS_EVENT_TYPE VALUES (34,'NvtxMark','NvtxMark'),(39,'NvtxThread','NvtxThread'),
 (59,'NvtxPushPopRange','NvtxPushPopRange'),(60,'NvtxStartEndRange','NvtxStartEndRange'),(64,'NvtxtCategory','NvtxtCategory'),
 (65,'NvtxtMark','NvtxtMark'),(70,'NvtxtPushPopRange','NvtxtPushPopRange'),(71,'NvtxtStartEndRange','NvtxtStartEndRange'),
 (75,'NvtxDomainCreate','NvtxDomainCreate');
CREATE TABLE ENUM_NSYS_EVENT_CLASS (id INTEGER NOT NULL PRIMARY KEY, name TEXT, label TEXT);
INSERT INTO ENUM_NSYS_EVENT_CLASS VALUES (0,'TRACE_PROCESS_EVENT_CUDA_RUNTIME','CUDA runtime'),
 (1,'TRACE_PROCESS_EVENT_CUDA_DRIVER','CUDA driver');

CREATE INDEX ES_FRAMES_RUN ON ES_FRAMES(runId);
CREATE INDEX ES_COUNTER_SAMPLES_COUNTER ON ES_COUNTER_SAMPLES(counterId);
)SQL";
}

const char* sessionGpuSchemaSql()
{
    return R"SQL(
CREATE TABLE IF NOT EXISTS ES_GPU_TRACING (runId INTEGER PRIMARY KEY, state TEXT NOT NULL, reason TEXT, fix TEXT,
    droppedRecords INTEGER, unknownRecords INTEGER, buffers INTEGER, bytes INTEGER, clockOffsetNs INTEGER,
    clockUncertaintyNs INTEGER, clockDriftNs INTEGER, markers INTEGER, overheadNs INTEGER, notes TEXT);
CREATE TABLE IF NOT EXISTS ES_CUPTI_OVERHEAD (runId INTEGER NOT NULL, start INTEGER, "end" INTEGER,
    overheadKind INTEGER, globalTid INTEGER);
CREATE INDEX IF NOT EXISTS CUPTI_RUNTIME_CORRELATION ON CUPTI_ACTIVITY_KIND_RUNTIME(runId, correlationId);
)SQL";
}

} // namespace es::prof
