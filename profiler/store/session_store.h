// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "base/status.h"
#include "collect/gpu_probe.h"
#include "collect/range_recorder.h"
#include "model/gpu_activity.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

struct sqlite3;

namespace es::prof {

/// Version of the session schema this build writes; files with a larger one are refused.
constexpr int kSessionSchemaVersion = 2; ///< 2: GPU tracing (ES_GPU_TRACING, ES_CUPTI_OVERHEAD)

/// One run as EdgeScope's ES_RUNS table holds it: a step of a lab (or, later, an imported trace). Times in ns on the
/// profiler's clock; rates per second.
struct RunRecord
{
    std::string step; ///< "s2-device-pre-post"
    int stepNumber = -1;
    std::string title;
    std::string status = "complete"; ///< complete, failed or cancelled
    std::string profile = "light"; ///< off, light or full
    std::string device; ///< "cpu", "cuda:0"
    std::string deviceName;
    std::string weights;
    std::string precision;
    std::string video;
    int64_t batch = 1;
    int64_t frames = 0;
    int64_t warmup = 0;
    int64_t startNs = 0;
    int64_t endNs = 0;
    double fps = 0;
    double detectorOnlyFps = 0;
    std::string configJson = "{}"; ///< the options of the run
    std::string resultJson = "{}"; ///< everything the run measured, as the CLI prints it
};

/// One measured frame of a run. Times in ns.
struct FrameRecord
{
    int64_t frameIndex = 0;
    int64_t batchIndex = 0;
    int64_t startNs = 0; ///< start of its batch
    int64_t endNs = 0; ///< its detections are on the host
    int32_t detections = 0;
    int64_t candidates = 0;
};

/// One detection of a frame (normalized ltrb box).
struct DetectionRecord
{
    int64_t frameIndex = 0;
    int32_t label = 0;
    float score = 0, left = 0, top = 0, right = 0, bottom = 0;
};

/// A counter time series from a sampler ("cpu3 load", %). Times in ns.
struct CounterTrack
{
    std::string name;
    std::string unit;
    std::string source; ///< e.g. /proc/stat, tegrastats, NVML
    std::vector<std::pair<int64_t, double>> samples;
};

/// The samples of each track within [fromNs, toNs); tracks without any are left out.
std::vector<CounterTrack> sliceTracks(const std::map<std::string, CounterTrack>& tracks, int64_t fromNs, int64_t toNs);

/// One LibTorch operator call (full profile). Times in ns.
struct OperatorRecord
{
    int64_t startNs = 0;
    int64_t endNs = 0;
    std::string name;
    int64_t osTid = 0;
    int32_t depth = 0;
};

/// Everything one run recorded, written to the session in one transaction.
struct RunData
{
    RunRecord run;
    std::vector<RangeEvent> ranges;
    std::vector<RangeRecorder::ThreadInfo> threads;
    std::vector<FrameRecord> frames;
    std::vector<DetectionRecord> detections;
    std::vector<CounterTrack> counters;
    std::vector<OperatorRecord> operators;
    /// GPU activity (CUPTI) and whether it was traced: "traced", "unavailable" (with the reason) or "off".
    GpuActivity gpu;
    std::string gpuTracingState = "off";
    GpuTracingStatus gpuTracing;
    /// Imported runs: the range names (RangeEvent::nameId indexes these instead of the process's registry) and
    /// their colours (ARGB), thread names by OS tid, and the process that was recorded (pid 0: this process).
    std::vector<std::string> rangeNames;
    std::vector<uint32_t> rangeColors;
    std::map<int64_t, std::string> threadNames;
    int64_t pid = 0;
    std::string processName;
};

/// A run as listed by runs().
struct RunSummary
{
    int64_t runId = 0;
    RunRecord record;
};

/// The lab session file: one SQLite database per lab, holding every run. Tables that nsys's SQLite export also has
/// use its names, columns and meanings (StringIds, ThreadNames, PROCESSES, NVTX_EVENTS, CUPTI_ACTIVITY_KIND_*,
/// ENUM_*), plus a runId column, so queries written for nsys exports run on sessions; EdgeScope's own tables (ES_*)
/// hold the session, environment, runs, frames, detections, counters and operators. Every run is written in one
/// transaction (rollback journal, full sync): a crash or a kill keeps every run completed before it. One thread at a
/// time per object.
class SessionStore
{
public:
    ~SessionStore();
    SessionStore(const SessionStore&) = delete;
    SessionStore& operator=(const SessionStore&) = delete;

    /// Opens `path` for appending runs, creating a new session when it does not exist. A file that is not a
    /// session, is corrupt or comes from a newer EdgeScope is refused with a Status naming it.
    static Result<std::unique_ptr<SessionStore>> openForWriting(const std::string& path);
    /// Opens an existing session read-only, with the same refusals.
    static Result<std::unique_ptr<SessionStore>> openForReading(const std::string& path);

    /// Replaces the environment rows (OS, CPU, GPU, versions, ...).
    Status writeEnvironment(const std::map<std::string, std::string>& environment);
    /// Writes one run and everything it recorded, atomically; returns its run id. A session file removed or moved
    /// since it was opened is first written again from the open connection (see notes()); a disk that fills up,
    /// a lock held too long by another process or a file that became read-only fail with a Status that names the
    /// file and the fix, and leave the runs written before intact.
    Result<int64_t> writeRun(const RunData& data);
    /// Replaces the result JSON of run `runId` (the lab adds the verdicts, known only once every step has run).
    Status updateRunResult(int64_t runId, const std::string& resultJson);
    /// What the store did on its own that the user must know (a removed session written again), oldest first.
    const std::vector<std::string>& notes() const { return m_notes; }

    Result<std::vector<RunSummary>> runs() const;
    Result<std::map<std::string, std::string>> environment() const;
    int schemaVersion() const { return m_schemaVersion; }
    const std::string& path() const { return m_path; }
    /// The open database, for read queries (stats, exports). Owned by this object.
    sqlite3* database() const { return m_db; }

private:
    SessionStore() = default;
    static Result<std::unique_ptr<SessionStore>> open(const std::string& path, bool write);
    Status createSchema();
    /// Whether the file (`fileBytes` long) is whole and an EdgeScope session this build reads.
    Status checkSession(int64_t fileBytes);
    Result<int64_t> internString(const std::string& text);
    /// Every row of one run, inside writeRun's transaction; returns its run id.
    Result<int64_t> writeRunRows(const RunData& data);
    /// The CUPTI_ACTIVITY_KIND_* rows, foreign NVTX markers and ES_GPU_TRACING of one run (session_gpu.cpp); inside
    /// writeRun's transaction.
    Status writeGpuActivity(const RunData& data, int64_t runId, int64_t pid);
    /// Brings an older session (schema 1) up to this schema; write mode only.
    Status upgradeSchema();
    /// Before a write: when the file was removed or renamed since it was opened, copies the open database back to
    /// its path (or beside it when another file took the path) and continues there.
    Status restoreIfMoved();

    sqlite3* m_db = nullptr;
    std::string m_path;
    int m_schemaVersion = 0;
    std::map<std::string, int64_t> m_stringIds; ///< cache of StringIds
    std::vector<std::string> m_notes;
};

/// globalTid as nsys packs it: hardware id 8 bits, VM id 8 bits, pid 24 bits, tid 24 bits.
inline int64_t packGlobalTid(int64_t pid, int64_t tid)
{
    return ((pid & 0xFFFFFF) << 24) | (tid & 0xFFFFFF);
}

} // namespace es::prof
