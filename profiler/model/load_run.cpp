// SPDX-License-Identifier: Apache-2.0
// loadRun: one run of a session into a TraceModel. The GPU tables, which hold most of a large run's events, are read
// in parallel, each on a thread of its own with a read-only connection of its own (SQLite's connections are not
// shared between threads here), into vectors sized from the tables' row counts; the strings are interned first, so
// the readers only look names up. Ranges, operators, frames and counters are read on the calling thread. Where the
// session recorded each run's rowid span of a table (ES_RUN_ROWS), a reader seeks to the run's rows and knows their
// count; older sessions are read by runId.
#include "base/sqlite_util.h"
#include "model/trace_model.h"
#include "model/vocabulary.h"
#include "store/run_rows.h"

#include <functional>
#include <future>
#include <map>
#include <optional>
#include <system_error>

namespace es::prof {

namespace {

/// The StringIds ids of a session as pool ids: a dense table (the ids are small integers), read by any thread once
/// filled.
class NameTable
{
public:
    void set(int64_t id, StringId poolId)
    {
        if (id < 0 || id > kLargestDenseId)
            return;
        if (size_t(id) >= m_ids.size())
            m_ids.resize(size_t(id) + 1, m_unknown);
        m_ids[size_t(id)] = poolId;
    }
    void setUnknown(StringId poolId) { m_unknown = poolId; }
    /// The pool id of StringIds id `id`, the unknown name ("?") when the session has none.
    StringId get(int64_t id) const { return id >= 0 && size_t(id) < m_ids.size() ? m_ids[size_t(id)] : m_unknown; }

private:
    static constexpr int64_t kLargestDenseId = 1 << 26;
    std::vector<StringId> m_ids;
    StringId m_unknown = 0;
};

/// A read-only connection of one reader thread (no SQLite mutex: one thread uses it).
class ReaderConnection
{
public:
    explicit ReaderConnection(const std::string& path)
    {
        m_code = sqlite3_open_v2(path.c_str(), &m_db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
    }
    ~ReaderConnection() { sqlite3_close(m_db); }
    ReaderConnection(const ReaderConnection&) = delete;
    ReaderConnection& operator=(const ReaderConnection&) = delete;
    sqlite3* db() const { return m_code == SQLITE_OK ? m_db : nullptr; }
    int code() const { return m_code; }

private:
    sqlite3* m_db = nullptr;
    int m_code = SQLITE_OK;
};

/// Runs `sql` (one parameter: the run id) on `db` and hands each row to `row`; the status names the session.
template<typename Row>
Status forEachRow(
    sqlite3* db, const std::string& path, int64_t runId, LoadProgress* progress, const std::string& sql, Row&& row)
{
    Statement statement(db, sql);
    if (!statement.ok())
        return sqliteStatus(sqlite3_errcode(db), path, statement.error());
    statement.bind(1, runId);
    constexpr int64_t kRowsPerReport = 16384;
    int64_t unreported = 0;
    int code;
    while ((code = statement.step()) == SQLITE_ROW) {
        row(statement);
        if (progress && ++unreported == kRowsPerReport) {
            progress->rowsRead += unreported;
            unreported = 0;
        }
    }
    if (progress)
        progress->rowsRead += unreported;
    if (code != SQLITE_DONE)
        return sqliteStatus(sqlite3_errcode(db), path, statement.error());
    return Status::ok();
}

/// Which rows of a table are the run's, as SQL after WHERE (one parameter: the run id): the run's rowid span where
/// the session recorded it (ES_RUN_ROWS: a seek to the run's rows instead of a scan of every run's), else every row
/// with the run's id. `rows`: how many, where the span says.
struct RunRows
{
    std::string where;
    std::optional<int64_t> rows;
};

RunRows runRows(sqlite3* db, int64_t runId, const char* table)
{
    if (const std::optional<RunRowSpan> span = runRowSpan(db, runId, table))
        return { "rowid BETWEEN " + std::to_string(span->firstRowid) + " AND " + std::to_string(span->lastRowid)
                + " AND +runId = ?",
            span->rows };
    return { "runId = ?", std::nullopt };
}

/// The run's rows of `table` that `alsoWhere` keeps, to size the vectors before reading (growing them copies every
/// event): the span's count where it applies, else counted. They count towards `progress`'s expected rows too.
int64_t rowCount(sqlite3* db, const char* table, const RunRows& rows, int64_t runId, LoadProgress* progress,
    const char* alsoWhere = "")
{
    int64_t count = 0;
    if (rows.rows && *alsoWhere == '\0') {
        count = *rows.rows;
    } else {
        Statement query(db, std::string("SELECT count(*) FROM ") + table + " WHERE " + alsoWhere + " " + rows.where);
        if (!query.ok())
            return 0;
        query.bind(1, runId);
        count = query.step() == SQLITE_ROW ? query.columnInt(0) : 0;
    }
    if (progress)
        progress->rowsExpected += count;
    return count;
}

/// Events of one kind by track (a thread's OS id, or a device's stream), filled by one reader.
template<typename Key, typename Event> struct TrackEvents
{
    std::map<Key, std::vector<Event>> tracks;
    size_t expected = 0; ///< the table's rows: the first track is sized for all of them (most runs have one)
    std::vector<Event>& of(const Key& key)
    {
        auto found = tracks.find(key);
        if (found != tracks.end())
            return found->second;
        std::vector<Event>& events = tracks[key];
        events.reserve(tracks.size() == 1 ? expected : 0);
        return events;
    }
    /// Gives back what the first track's reservation left unused (only where the events went to several tracks).
    void trim()
    {
        for (auto& [key, events] : tracks)
            if (events.capacity() > events.size() + events.size() / 4)
                events.shrink_to_fit();
    }
};

using StreamKey = std::pair<int32_t, int64_t>;
/// globalTid packs the OS thread id in its low 24 bits (taken apart here, not in SQL: fewer steps per row). A NULL
/// column reads as 0, so the readers need no coalesce(x, 0) either.
constexpr int64_t kTidModulus = 16777216;

/// The GPU tables, read on parallel threads into their own containers, then moved into the model.
struct GpuTables
{
    TrackEvents<int64_t, ApiEvent> apiCalls;
    TrackEvents<StreamKey, KernelEvent> kernels;
    TrackEvents<StreamKey, CopyEvent> copies; ///< memsets among them
    TrackEvents<StreamKey, SyncEvent> syncs;
    LoadProgress* progress = nullptr;
};

/// One reader: opens its connection, sizes its vectors and reads its table(s).
template<typename Read> Status readOnItsOwn(const std::string& path, Read&& read)
{
    ReaderConnection connection(path);
    if (!connection.db())
        return sqliteStatus(connection.code(), path, sqlite3_errstr(connection.code()));
    sqlite3_busy_timeout(connection.db(), 5000);
    return read(connection.db());
}

Status readApiCalls(sqlite3* db, const std::string& path, int64_t runId, const NameTable& names, GpuTables& gpu)
{
    const RunRows rows = runRows(db, runId, "CUPTI_ACTIVITY_KIND_RUNTIME");
    gpu.apiCalls.expected = size_t(rowCount(db, "CUPTI_ACTIVITY_KIND_RUNTIME", rows, runId, gpu.progress));
    return forEachRow(db, path, runId, gpu.progress,
        "SELECT start, \"end\", globalTid, correlationId, nameId, returnValue FROM CUPTI_ACTIVITY_KIND_RUNTIME "
        "WHERE "
            + rows.where,
        [&](const Statement& q) {
            gpu.apiCalls.of(q.columnInt(2) % kTidModulus)
                .push_back({ q.columnInt(0), q.columnInt(1), uint32_t(q.columnInt(3)), names.get(q.columnInt(4)),
                    int32_t(q.columnInt(5)), 0 });
        });
}

Status readKernels(sqlite3* db, const std::string& path, int64_t runId, const NameTable& names, GpuTables& gpu)
{
    const RunRows rows = runRows(db, runId, "CUPTI_ACTIVITY_KIND_KERNEL");
    gpu.kernels.expected = size_t(rowCount(db, "CUPTI_ACTIVITY_KIND_KERNEL", rows, runId, gpu.progress));
    return forEachRow(db, path, runId, gpu.progress,
        "SELECT start, \"end\", deviceId, streamId, correlationId, demangledName, gridX, gridY, gridZ, "
        "blockX, blockY, blockZ, registersPerThread FROM CUPTI_ACTIVITY_KIND_KERNEL WHERE "
            + rows.where,
        [&](const Statement& q) {
            gpu.kernels.of({ int32_t(q.columnInt(2)), q.columnInt(3) })
                .push_back({ q.columnInt(0), q.columnInt(1), uint32_t(q.columnInt(4)), names.get(q.columnInt(5)),
                    uint32_t(q.columnInt(6)), uint32_t(q.columnInt(7)), uint32_t(q.columnInt(8)),
                    uint16_t(q.columnInt(9)), uint16_t(q.columnInt(10)), uint16_t(q.columnInt(11)),
                    uint16_t(q.columnInt(12)) });
        });
}

Status readCopiesAndMemsets(sqlite3* db, const std::string& path, int64_t runId, GpuTables& gpu)
{
    const RunRows copies = runRows(db, runId, "CUPTI_ACTIVITY_KIND_MEMCPY");
    const RunRows memsets = runRows(db, runId, "CUPTI_ACTIVITY_KIND_MEMSET");
    gpu.copies.expected = size_t(rowCount(db, "CUPTI_ACTIVITY_KIND_MEMCPY", copies, runId, gpu.progress)
        + rowCount(db, "CUPTI_ACTIVITY_KIND_MEMSET", memsets, runId, gpu.progress));
    ES_RETURN_IF_ERROR(forEachRow(db, path, runId, gpu.progress,
        "SELECT start, \"end\", deviceId, streamId, correlationId, bytes, copyKind, coalesce(srcKind, 7), "
        "coalesce(dstKind, 7) FROM CUPTI_ACTIVITY_KIND_MEMCPY WHERE "
            + copies.where,
        [&](const Statement& q) {
            gpu.copies.of({ int32_t(q.columnInt(2)), q.columnInt(3) })
                .push_back({ q.columnInt(0), q.columnInt(1), uint64_t(q.columnInt(5)), uint32_t(q.columnInt(4)),
                    uint8_t(q.columnInt(6)), uint8_t(q.columnInt(7)), uint8_t(q.columnInt(8)), 0 });
        }));
    return forEachRow(db, path, runId, gpu.progress,
        "SELECT start, \"end\", deviceId, streamId, correlationId, bytes FROM CUPTI_ACTIVITY_KIND_MEMSET WHERE "
            + memsets.where,
        [&](const Statement& q) {
            gpu.copies.of({ int32_t(q.columnInt(2)), q.columnInt(3) })
                .push_back(
                    { q.columnInt(0), q.columnInt(1), uint64_t(q.columnInt(5)), uint32_t(q.columnInt(4)), 0, 2, 2, 1 });
        });
}

Status readSyncs(sqlite3* db, const std::string& path, int64_t runId, GpuTables& gpu)
{
    const RunRows rows = runRows(db, runId, "CUPTI_ACTIVITY_KIND_SYNCHRONIZATION");
    gpu.syncs.expected = size_t(rowCount(db, "CUPTI_ACTIVITY_KIND_SYNCHRONIZATION", rows, runId, gpu.progress));
    return forEachRow(db, path, runId, gpu.progress,
        "SELECT start, \"end\", deviceId, streamId, correlationId, syncType FROM "
        "CUPTI_ACTIVITY_KIND_SYNCHRONIZATION WHERE "
            + rows.where,
        [&](const Statement& q) {
            gpu.syncs.of({ int32_t(q.columnInt(2)), q.columnInt(3) })
                .push_back({ q.columnInt(0), q.columnInt(1), uint32_t(q.columnInt(4)), uint32_t(q.columnInt(5)) });
        });
}

/// Moves `events` into the model's vector, or appends them where the track already has some.
template<typename Event> void adopt(std::vector<Event>& target, std::vector<Event>&& events)
{
    if (target.empty())
        target = std::move(events);
    else
        target.insert(target.end(), events.begin(), events.end());
}

/// The four GPU readers in parallel (each inline where no thread can be started) while the calling thread runs
/// `alongside` (which must not touch `names`' pool), then their events into the model.
Status loadGpuActivity(const SessionStore& store, int64_t runId, const NameTable& names, TraceModel& model,
    LoadProgress* progress, const std::function<Status()>& alongside)
{
    const std::string& path = store.path();
    GpuTables gpu;
    gpu.progress = progress;
    std::vector<std::function<Status()>> readers {
        [&] { return readOnItsOwn(path, [&](sqlite3* db) { return readApiCalls(db, path, runId, names, gpu); }); },
        [&] { return readOnItsOwn(path, [&](sqlite3* db) { return readKernels(db, path, runId, names, gpu); }); },
        [&] { return readOnItsOwn(path, [&](sqlite3* db) { return readCopiesAndMemsets(db, path, runId, gpu); }); },
        [&] { return readOnItsOwn(path, [&](sqlite3* db) { return readSyncs(db, path, runId, gpu); }); },
    };
    std::vector<std::future<Status>> running;
    std::vector<Status> results;
    for (auto& reader : readers) {
        try {
            running.push_back(std::async(std::launch::async, reader));
        } catch (const std::system_error&) {
            results.push_back(reader()); // no thread to be had: read it here
        }
    }
    results.push_back(alongside());
    for (auto& future : running)
        results.push_back(future.get());
    for (const Status& status : results)
        ES_RETURN_IF_ERROR(status);
    gpu.apiCalls.trim();
    for (auto& [tid, events] : gpu.apiCalls.tracks)
        adopt(model.thread(tid).apiCalls, std::move(events));
    gpu.kernels.trim();
    for (auto& [key, events] : gpu.kernels.tracks)
        adopt(model.stream(key.first, key.second).kernels, std::move(events));
    gpu.copies.trim();
    for (auto& [key, events] : gpu.copies.tracks)
        adopt(model.stream(key.first, key.second).copies, std::move(events));
    gpu.syncs.trim();
    for (auto& [key, events] : gpu.syncs.tracks)
        adopt(model.stream(key.first, key.second).syncs, std::move(events));
    return Status::ok();
}

/// The run's span (ES_RUNS); an InvalidArgument when the session has no such run.
Status loadRunSpan(const SessionStore& store, int64_t runId, TraceModel& model)
{
    Statement run(store.database(), "SELECT start, \"end\" FROM ES_RUNS WHERE runId = ?");
    run.bind(1, runId);
    if (run.step() != SQLITE_ROW)
        return Status(StatusCode::InvalidArgument, "no run " + std::to_string(runId) + " in " + store.path());
    model.startNs = run.columnInt(0);
    model.endNs = run.columnInt(1);
    return Status::ok();
}

/// Every string of the session, into the model's pool; the unknown name first.
void loadStrings(const SessionStore& store, TraceModel& model, NameTable& names)
{
    names.setUnknown(model.strings.intern("?"));
    Statement strings(store.database(), "SELECT id, value FROM StringIds");
    while (strings.step() == SQLITE_ROW)
        names.set(strings.columnInt(0), model.strings.intern(strings.columnText(1)));
}

void loadThreadNames(const SessionStore& store, int64_t runId, const NameTable& names, TraceModel& model)
{
    Statement threads(store.database(), "SELECT globalTid % 16777216, nameId FROM ThreadNames WHERE runId = ?");
    threads.bind(1, runId);
    while (threads.step() == SQLITE_ROW)
        model.thread(threads.columnInt(0)).name = names.get(threads.columnInt(1));
}

/// NVTX_EVENTS' ranges (not marks or domain events), onto their threads.
Status loadRanges(
    const SessionStore& store, int64_t runId, const NameTable& names, TraceModel& model, LoadProgress* progress)
{
    const RunRows rows = runRows(store.database(), runId, "NVTX_EVENTS");
    rowCount(
        store.database(), "NVTX_EVENTS", rows, runId, progress, "eventType IN (" ES_NSYS_NVTX_RANGE_TYPES_SQL ") AND");
    return forEachRow(store.database(), store.path(), runId, progress,
        "SELECT start, coalesce(\"end\", start), globalTid % 16777216, coalesce(textId, -1), "
        "coalesce(int64Value, -1), coalesce(category, 0), text FROM NVTX_EVENTS "
        "WHERE eventType IN (" ES_NSYS_NVTX_RANGE_TYPES_SQL ") AND "
            + rows.where,
        [&](const Statement& q) {
            const StringId text
                = q.columnInt(3) >= 0 ? names.get(q.columnInt(3)) : model.strings.intern(q.columnText(6));
            model.thread(q.columnInt(2))
                .ranges.push_back(
                    { q.columnInt(0), q.columnInt(1), q.columnInt(4), text, 0, uint16_t(q.columnInt(5)) });
        });
}

/// ES_OPERATORS, onto their threads.
Status loadOperators(
    const SessionStore& store, int64_t runId, const NameTable& names, TraceModel& model, LoadProgress* progress)
{
    const RunRows rows = runRows(store.database(), runId, "ES_OPERATORS");
    rowCount(store.database(), "ES_OPERATORS", rows, runId, progress);
    return forEachRow(store.database(), store.path(), runId, progress,
        "SELECT start, \"end\", globalTid % 16777216, nameId FROM ES_OPERATORS WHERE " + rows.where,
        [&](const Statement& q) {
            model.thread(q.columnInt(2))
                .operators.push_back({ q.columnInt(0), q.columnInt(1), -1, names.get(q.columnInt(3)), 0, 0 });
        });
}

/// ES_FRAMES.
Status loadFrames(const SessionStore& store, int64_t runId, TraceModel& model)
{
    return forEachRow(store.database(), store.path(), runId, nullptr,
        "SELECT start, \"end\", frameIndex, candidates, batchIndex, detections FROM ES_FRAMES WHERE runId = ?",
        [&](const Statement& q) {
            model.frames.push_back({ q.columnInt(0), q.columnInt(1), q.columnInt(2), q.columnInt(3),
                int32_t(q.columnInt(4)), int32_t(q.columnInt(5)) });
        });
}

/// ES_COUNTERS with their ES_COUNTER_SAMPLES, one track per counter.
void loadCounters(const SessionStore& store, int64_t runId, TraceModel& model)
{
    Statement counters(store.database(),
        "SELECT c.counterId, c.name, c.unit, s.timestamp, s.value FROM ES_COUNTERS c JOIN "
        "ES_COUNTER_SAMPLES s ON s.counterId = c.counterId WHERE c.runId = ? ORDER BY c.counterId");
    counters.bind(1, runId);
    int64_t lastCounter = -1;
    while (counters.step() == SQLITE_ROW) {
        if (counters.columnInt(0) != lastCounter) {
            lastCounter = counters.columnInt(0);
            model.counters.push_back(
                { model.strings.intern(counters.columnText(1)), model.strings.intern(counters.columnText(2)), {} });
        }
        model.counters.back().samples.push_back({ counters.columnInt(3), counters.columnDouble(4) });
    }
}

} // namespace

Result<TraceModel> loadRun(const SessionStore& store, int64_t runId, unsigned parts, LoadProgress* progress)
{
    TraceModel model;
    NameTable names;
    ES_RETURN_IF_ERROR(loadRunSpan(store, runId, model));
    loadStrings(store, model, names);
    loadThreadNames(store, runId, names, model);
    // The calling thread reads the ranges, operators, frames and counters (they may intern new strings) while the GPU
    // readers, which only look names up, fill containers of their own; their events join the model after.
    const auto hostParts = [&]() -> Status {
        if (parts & kLoadRanges)
            ES_RETURN_IF_ERROR(loadRanges(store, runId, names, model, progress));
        if (parts & kLoadOperators)
            ES_RETURN_IF_ERROR(loadOperators(store, runId, names, model, progress));
        if (parts & kLoadFrames)
            ES_RETURN_IF_ERROR(loadFrames(store, runId, model));
        if (parts & kLoadCounters)
            loadCounters(store, runId, model);
        return Status::ok();
    };
    if (parts & kLoadGpu)
        ES_RETURN_IF_ERROR(loadGpuActivity(store, runId, names, model, progress, hostParts));
    else
        ES_RETURN_IF_ERROR(hostParts());
    model.finalize();
    return model;
}

} // namespace es::prof
