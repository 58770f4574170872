// SPDX-License-Identifier: Apache-2.0
#include "session_store.h"

#include "es_config.h"
#include "session_schema.h"
#include "sqlite_util.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace es::prof {

namespace {

std::string threadName(int64_t osTid)
{
    std::ifstream comm("/proc/self/task/" + std::to_string(osTid) + "/comm");
    std::string name;
    std::getline(comm, name);
    return name.empty() ? "thread " + std::to_string(osTid) : name;
}

std::string processName()
{
    std::ifstream comm("/proc/self/comm");
    std::string name;
    std::getline(comm, name);
    return name.empty() ? "edgescope" : name;
}

} // namespace

std::vector<CounterTrack> sliceTracks(const std::map<std::string, CounterTrack>& tracks, int64_t fromNs, int64_t toNs)
{
    std::vector<CounterTrack> result;
    for (const auto& [name, track] : tracks) {
        CounterTrack slice { track.name, track.unit, track.source, {} };
        for (const auto& sample : track.samples)
            if (sample.first >= fromNs && sample.first < toNs)
                slice.samples.push_back(sample);
        if (!slice.samples.empty())
            result.push_back(std::move(slice));
    }
    return result;
}

SessionStore::~SessionStore()
{
    if (m_db)
        sqlite3_close(m_db);
}

namespace {

/// How long a writer waits for another process's lock before it says the session is locked.
constexpr int kBusyTimeoutMs = 5000;
/// Rollback journal and full sync: a run is either wholly in the file or not at all, even after a power cut. The
/// larger page cache keeps a big run's transaction from spilling while it is written.
constexpr const char* kWriterPragmas = "PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL; "
                                       "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;";

} // namespace

Result<std::unique_ptr<SessionStore>> SessionStore::openForWriting(const std::string& path)
{
    return open(path, true);
}
Result<std::unique_ptr<SessionStore>> SessionStore::openForReading(const std::string& path)
{
    return open(path, false);
}

Result<std::unique_ptr<SessionStore>> SessionStore::open(const std::string& path, bool write)
{
    struct stat info;
    const bool exists = stat(path.c_str(), &info) == 0;
    if (!exists && !write)
        return Status(StatusCode::NotFound, "cannot open session " + path + ": " + std::strerror(errno));
    if (exists && S_ISDIR(info.st_mode))
        return Status(StatusCode::InvalidArgument, "cannot use " + path + " as a session: it is a directory");
    std::unique_ptr<SessionStore> store(new SessionStore());
    store->m_path = path;
    // A process killed while committing leaves a hot journal that only a writer can roll back; reading such a file
    // opens it writable once so that SQLite restores the last complete run.
    struct stat journal;
    const bool hotJournal = stat((path + "-journal").c_str(), &journal) == 0 && journal.st_size > 0;
    const bool recover = !write && hotJournal && access(path.c_str(), W_OK) == 0;
    const int flags
        = write ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : (recover ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY);
    const int code = sqlite3_open_v2(path.c_str(), &store->m_db, flags, nullptr);
    if (code != SQLITE_OK)
        return sqliteStatus(code, path, store->m_db ? sqlite3_errmsg(store->m_db) : sqlite3_errstr(code));
    sqlite3_busy_timeout(store->m_db, kBusyTimeoutMs);
    if (write)
        ES_RETURN_IF_ERROR(execute(store->m_db, kWriterPragmas, path));
    bool empty = !exists || info.st_size == 0;
    if (!empty) {
        Statement count(store->m_db, "SELECT count(*) FROM sqlite_master");
        if (!count.ok())
            return sqliteStatus(count.errorCode(), path, count.error());
        const int step = count.step();
        if (step != SQLITE_ROW)
            return sqliteStatus(count.errorCode(), path, count.error());
        empty = count.columnInt(0) == 0;
    }
    if (empty) {
        if (!write)
            return Status(StatusCode::CorruptData, path + " is an empty file, not an EdgeScope session");
        // Large pages: runs append millions of rows, and fewer, fuller B-tree pages write faster.
        ES_RETURN_IF_ERROR(execute(store->m_db, "PRAGMA page_size=65536", path));
        ES_RETURN_IF_ERROR(store->createSchema());
    } else {
        ES_RETURN_IF_ERROR(store->checkSession());
        if (write && store->m_schemaVersion < kSessionSchemaVersion)
            ES_RETURN_IF_ERROR(store->upgradeSchema());
    }
    Statement strings(store->m_db, "SELECT id, value FROM StringIds");
    while (strings.step() == SQLITE_ROW)
        store->m_stringIds[strings.columnText(1)] = strings.columnInt(0);
    return store;
}

Status SessionStore::createSchema()
{
    ES_RETURN_IF_ERROR(execute(m_db, "BEGIN IMMEDIATE", m_path));
    Status status = execute(m_db, sessionSchemaSql(), m_path);
    if (status.isOk())
        status = execute(m_db, sessionGpuSchemaSql(), m_path);
    if (status.isOk()) {
        Statement insert(m_db, "INSERT INTO ES_SESSION(key, value) VALUES (?, ?)");
        const std::pair<std::string, std::string> rows[] = {
            { "schema_version", std::to_string(kSessionSchemaVersion) },
            { "created_by", std::string("EdgeScope ") + ES_VERSION },
            { "created_at_ns", std::to_string(int64_t(time(nullptr)) * 1000000000) },
            { "time_base", "CLOCK_MONOTONIC ns" },
        };
        for (const auto& [key, value] : rows) {
            if (!insert.bind(1, key).bind(2, value).run()) {
                status = sqliteStatus(insert.errorCode(), m_path, insert.error());
                break;
            }
        }
    }
    if (!status.isOk()) {
        execute(m_db, "ROLLBACK", m_path);
        return status;
    }
    ES_RETURN_IF_ERROR(execute(m_db, "COMMIT", m_path));
    m_schemaVersion = kSessionSchemaVersion;
    return Status::ok();
}

Status SessionStore::checkSession()
{
    {
        Statement check(m_db, "PRAGMA quick_check");
        if (!check.ok() || check.step() != SQLITE_ROW)
            return sqliteStatus(m_db, m_path, check.error().empty() ? "unreadable" : check.error());
        if (check.columnText(0) != "ok")
            return Status(StatusCode::CorruptData,
                m_path + " is corrupt (" + check.columnText(0) + "): the file was truncated or damaged");
    }
    Statement table(m_db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'ES_SESSION'");
    if (!table.ok() || table.step() != SQLITE_ROW)
        return sqliteStatus(table.errorCode(), m_path, table.error());
    if (table.columnInt(0) == 0)
        return Status(StatusCode::CorruptData,
            m_path
                + " is an SQLite database but not an EdgeScope session (it has no ES_SESSION table); "
                  "an nsys export is read with edgescope-cli import");
    Statement version(m_db, "SELECT value FROM ES_SESSION WHERE key = 'schema_version'");
    if (!version.ok() || version.step() != SQLITE_ROW)
        return Status(StatusCode::CorruptData, m_path + " is an EdgeScope session without a schema version: damaged");
    m_schemaVersion = std::atoi(version.columnText(0).c_str());
    if (m_schemaVersion > kSessionSchemaVersion)
        return Status(StatusCode::Unsupported,
            m_path + " was written by a newer EdgeScope (session schema " + std::to_string(m_schemaVersion)
                + ", this build reads up to " + std::to_string(kSessionSchemaVersion) + "): update EdgeScope");
    if (m_schemaVersion < 1)
        return Status(StatusCode::CorruptData, m_path + " has an invalid session schema version");
    return Status::ok();
}

Status SessionStore::upgradeSchema()
{
    ES_RETURN_IF_ERROR(execute(m_db, "BEGIN IMMEDIATE", m_path));
    Status status = execute(m_db, sessionGpuSchemaSql(), m_path);
    if (status.isOk()) {
        Statement version(m_db, "UPDATE ES_SESSION SET value = ? WHERE key = 'schema_version'");
        if (!version.bind(1, std::to_string(kSessionSchemaVersion)).run())
            status = sqliteStatus(version.errorCode(), m_path, version.error());
    }
    if (!status.isOk()) {
        execute(m_db, "ROLLBACK", m_path);
        return status;
    }
    ES_RETURN_IF_ERROR(execute(m_db, "COMMIT", m_path));
    m_schemaVersion = kSessionSchemaVersion;
    return Status::ok();
}

Result<int64_t> SessionStore::internString(const std::string& text)
{
    auto found = m_stringIds.find(text);
    if (found != m_stringIds.end())
        return found->second;
    Statement insert(m_db, "INSERT INTO StringIds(value) VALUES (?)");
    if (!insert.bind(1, text).run())
        return sqliteStatus(insert.errorCode(), m_path, insert.error());
    const int64_t id = sqlite3_last_insert_rowid(m_db);
    m_stringIds[text] = id;
    return id;
}

Status SessionStore::writeEnvironment(const std::map<std::string, std::string>& environment)
{
    ES_RETURN_IF_ERROR(execute(m_db, "BEGIN IMMEDIATE", m_path));
    Statement insert(m_db, "INSERT OR REPLACE INTO ES_ENVIRONMENT(key, value) VALUES (?, ?)");
    for (const auto& [key, value] : environment) {
        if (!insert.bind(1, key).bind(2, value).run()) {
            const Status status = sqliteStatus(insert.errorCode(), m_path, insert.error());
            execute(m_db, "ROLLBACK", m_path);
            return status;
        }
    }
    return execute(m_db, "COMMIT", m_path);
}

Status SessionStore::restoreIfMoved()
{
    int moved = 0;
    if (sqlite3_file_control(m_db, "main", SQLITE_FCNTL_HAS_MOVED, &moved) != SQLITE_OK || !moved)
        return Status::ok();
    // The file was removed or renamed while open: this connection still reads it, so copy it back (to its own
    // path when that is free, else beside it) and write there from now on.
    std::string target = m_path;
    struct stat info;
    if (stat(target.c_str(), &info) == 0)
        target = m_path + ".recovered-" + std::to_string(getpid()) + ".sqlite";
    sqlite3* copy = nullptr;
    int code = sqlite3_open_v2(target.c_str(), &copy, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (code == SQLITE_OK) {
        sqlite3_backup* backup = sqlite3_backup_init(copy, "main", m_db, "main");
        code = backup ? sqlite3_backup_step(backup, -1) : sqlite3_errcode(copy);
        if (backup)
            code
                = sqlite3_backup_finish(backup) == SQLITE_OK && code == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(copy);
    }
    if (code != SQLITE_OK) {
        const Status status = sqliteStatus(copy, target,
            m_path + " was removed during the run and could not be written again: "
                + std::string(copy ? sqlite3_errmsg(copy) : sqlite3_errstr(code)));
        sqlite3_close(copy);
        std::remove(target.c_str());
        return status;
    }
    int64_t runs = 0;
    {
        Statement count(copy, "SELECT count(*) FROM ES_RUNS");
        if (count.step() == SQLITE_ROW)
            runs = count.columnInt(0);
    }
    sqlite3_close(m_db);
    m_db = copy;
    sqlite3_busy_timeout(m_db, kBusyTimeoutMs);
    ES_RETURN_IF_ERROR(execute(m_db, kWriterPragmas, target));
    m_notes.push_back(m_path + " was removed or moved during the run; EdgeScope wrote it again from the open file ("
        + std::to_string(runs) + " runs) to " + target + " and goes on writing there");
    m_path = target;
    return Status::ok();
}

Result<int64_t> SessionStore::writeRun(const RunData& data)
{
    ES_RETURN_IF_ERROR(restoreIfMoved());
    ES_RETURN_IF_ERROR(execute(m_db, "BEGIN IMMEDIATE", m_path));
    // Ends the transaction after a failure: nothing of this run stays in the file.
    auto rollback = [this](const Status& status) -> Status {
        execute(m_db, "ROLLBACK", m_path);
        // Strings interned in the rolled-back transaction are gone: reload the cache.
        m_stringIds.clear();
        Statement strings(m_db, "SELECT id, value FROM StringIds");
        while (strings.step() == SQLITE_ROW)
            m_stringIds[strings.columnText(1)] = strings.columnInt(0);
        return status;
    };
    auto fail = [&](const Statement& statement) {
        return rollback(sqliteStatus(statement.errorCode(), m_path, statement.error()));
    };
    const RunRecord& r = data.run;
    const int64_t pid = data.pid > 0 ? data.pid : int64_t(getpid());
    const int64_t globalPid = packGlobalTid(pid, 0);
    Statement run(m_db,
        "INSERT INTO ES_RUNS(step, stepNumber, title, status, profile, device, deviceName, weights, "
        "precision, video, batch, frames, warmup, start, \"end\", fps, detectorOnlyFps, globalPid, "
        "config, result) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    run.bind(1, r.step).bind(2, int64_t(r.stepNumber)).bind(3, r.title).bind(4, r.status).bind(5, r.profile);
    run.bind(6, r.device).bind(7, r.deviceName).bind(8, r.weights).bind(9, r.precision).bind(10, r.video);
    run.bind(11, r.batch).bind(12, r.frames).bind(13, r.warmup).bind(14, r.startNs).bind(15, r.endNs);
    run.bind(16, r.fps).bind(17, r.detectorOnlyFps).bind(18, globalPid).bind(19, r.configJson).bind(20, r.resultJson);
    if (!run.run())
        return fail(run);
    const int64_t runId = sqlite3_last_insert_rowid(m_db);

    Statement process(m_db, "INSERT INTO PROCESSES(globalPid, pid, name, runId) VALUES (?,?,?,?)");
    const std::string recordedProcess = data.processName.empty() ? processName() : data.processName;
    if (!process.bind(1, globalPid).bind(2, pid).bind(3, recordedProcess).bind(4, runId).run())
        return fail(process);
    std::map<uint16_t, int64_t> globalTids;
    Statement thread(m_db, "INSERT INTO ThreadNames(nameId, priority, globalTid, runId) VALUES (?,?,?,?)");
    for (const auto& info : data.threads) {
        globalTids[info.index] = packGlobalTid(pid, info.osTid);
        auto named = data.threadNames.find(info.osTid);
        auto nameId = internString(named != data.threadNames.end() ? named->second
                : data.pid > 0                                     ? "thread " + std::to_string(info.osTid)
                                                                   : threadName(info.osTid));
        if (!nameId)
            return rollback(nameId.status());
        if (!thread.bind(1, nameId.value()).bind(2, int64_t(0)).bind(3, globalTids[info.index]).bind(4, runId).run())
            return fail(thread);
    }

    Statement nvtx(m_db,
        "INSERT INTO NVTX_EVENTS(start, \"end\", eventType, category, color, text, globalTid, "
        "endGlobalTid, textId, domainId, int64Value, runId) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
    // The domain, as nsys records it: an NvtxDomainCreate event naming domain 1.
    nvtx.bind(1, r.startNs).bindNull(2).bind(3, int64_t(75)).bindNull(4).bindNull(5).bind(6, std::string("edgescope"));
    nvtx.bind(7, globalPid).bindNull(8).bindNull(9).bind(10, int64_t(1)).bindNull(11).bind(12, runId);
    if (!nvtx.run())
        return fail(nvtx);
    // Per name: its StringIds id, colour and category, looked up once rather than per event.
    struct NameInfo
    {
        int64_t textId;
        RangeName entry;
    };
    std::vector<NameInfo> names; // indexed by name id (ids are dense)
    std::vector<bool> known;
    for (const RangeEvent& event : data.ranges) {
        if (event.nameId < known.size() && known[event.nameId])
            continue;
        if (event.nameId >= names.size()) {
            names.resize(event.nameId + 1);
            known.resize(event.nameId + 1, false);
        }
        // Imported runs name their ranges themselves; the lab's come from the process's registry.
        const bool own = !data.rangeNames.empty();
        auto id = internString(own ? (event.nameId < data.rangeNames.size() ? data.rangeNames[event.nameId] : "?")
                                   : RangeNameRegistry::instance().name(event.nameId));
        if (!id)
            return rollback(id.status());
        RangeName entry = own ? RangeName {} : RangeNameRegistry::instance().entry(event.nameId);
        if (own && event.nameId < data.rangeColors.size())
            entry.argbColor = data.rangeColors[event.nameId];
        names[event.nameId] = { id.value(), entry };
        known[event.nameId] = true;
    }
    std::vector<int64_t> threadTids(65536, globalPid);
    for (const auto& [index, globalTid] : globalTids)
        threadTids[index] = globalTid;
    // Ranges go in 256 rows per statement: per-statement costs dominate single-row inserts.
    constexpr size_t kRowsPerInsert = 256;
    const std::string rowPlaceholders = "(?,?,59,?,?,NULL,?,NULL,?,1,?,?)";
    auto insertSql = [&](size_t rows) {
        std::string sql = "INSERT INTO NVTX_EVENTS(start, \"end\", eventType, category, color, text, globalTid, "
                          "endGlobalTid, textId, domainId, int64Value, runId) VALUES ";
        for (size_t i = 0; i < rows; ++i)
            sql += (i ? "," : "") + rowPlaceholders;
        return sql;
    };
    Statement fullBatch(m_db, insertSql(kRowsPerInsert));
    for (size_t first = 0; first < data.ranges.size(); first += kRowsPerInsert) {
        const size_t rows = std::min(kRowsPerInsert, data.ranges.size() - first);
        std::unique_ptr<Statement> tail;
        Statement* insert = &fullBatch;
        if (rows < kRowsPerInsert) {
            tail = std::make_unique<Statement>(m_db, insertSql(rows));
            insert = tail.get();
        }
        int parameter = 1;
        for (size_t i = first; i < first + rows; ++i) {
            const RangeEvent& event = data.ranges[i];
            const NameInfo& name = names[event.nameId];
            const int64_t globalTid = threadTids[event.threadIndex];
            insert->bind(parameter, event.startNs).bind(parameter + 1, event.endNs);
            insert->bind(parameter + 2, int64_t(name.entry.category))
                .bind(parameter + 3, int64_t(name.entry.argbColor));
            insert->bind(parameter + 4, globalTid).bind(parameter + 5, name.textId);
            parameter += 6;
            if (event.payload >= 0)
                insert->bind(parameter++, event.payload);
            else
                insert->bindNull(parameter++);
            insert->bind(parameter++, runId);
        }
        if (!insert->run())
            return fail(*insert);
    }

    Statement frame(m_db,
        "INSERT INTO ES_FRAMES(runId, frameIndex, batchIndex, start, \"end\", detections, candidates) "
        "VALUES (?,?,?,?,?,?,?)");
    for (const FrameRecord& f : data.frames) {
        frame.bind(1, runId).bind(2, f.frameIndex).bind(3, f.batchIndex).bind(4, f.startNs).bind(5, f.endNs);
        if (!frame.bind(6, int64_t(f.detections)).bind(7, f.candidates).run())
            return fail(frame);
    }
    Statement detection(m_db,
        "INSERT INTO ES_DETECTIONS(runId, frameIndex, label, score, \"left\", top, \"right\", "
        "bottom) VALUES (?,?,?,?,?,?,?,?)");
    for (const DetectionRecord& d : data.detections) {
        detection.bind(1, runId).bind(2, d.frameIndex).bind(3, int64_t(d.label)).bind(4, double(d.score));
        detection.bind(5, double(d.left)).bind(6, double(d.top)).bind(7, double(d.right)).bind(8, double(d.bottom));
        if (!detection.run())
            return fail(detection);
    }
    Statement counter(m_db, "INSERT INTO ES_COUNTERS(runId, name, unit, source) VALUES (?,?,?,?)");
    Statement sample(m_db, "INSERT INTO ES_COUNTER_SAMPLES(counterId, timestamp, value) VALUES (?,?,?)");
    for (const CounterTrack& track : data.counters) {
        if (!counter.bind(1, runId).bind(2, track.name).bind(3, track.unit).bind(4, track.source).run())
            return fail(counter);
        const int64_t counterId = sqlite3_last_insert_rowid(m_db);
        for (const auto& [timeNs, value] : track.samples) {
            if (!sample.bind(1, counterId).bind(2, timeNs).bind(3, value).run())
                return fail(sample);
        }
    }
    Statement op(
        m_db, "INSERT INTO ES_OPERATORS(runId, start, \"end\", globalTid, nameId, depth) VALUES (?,?,?,?,?,?)");
    for (const OperatorRecord& o : data.operators) {
        auto nameId = internString(o.name);
        if (!nameId)
            return rollback(nameId.status());
        op.bind(1, runId).bind(2, o.startNs).bind(3, o.endNs).bind(4, packGlobalTid(pid, o.osTid));
        if (!op.bind(5, nameId.value()).bind(6, int64_t(o.depth)).run())
            return fail(op);
    }
    if (const Status gpu = writeGpuActivity(data, runId, pid); !gpu.isOk())
        return rollback(gpu);
    const Status commit = execute(m_db, "COMMIT", m_path);
    if (!commit.isOk())
        return rollback(commit);
    return runId;
}

Result<std::vector<RunSummary>> SessionStore::runs() const
{
    Statement query(m_db,
        "SELECT runId, step, stepNumber, title, status, profile, device, deviceName, weights, "
        "precision, video, batch, frames, warmup, start, \"end\", fps, detectorOnlyFps, config, result "
        "FROM ES_RUNS ORDER BY runId");
    if (!query.ok())
        return sqliteStatus(query.errorCode(), m_path, query.error());
    std::vector<RunSummary> result;
    int code;
    while ((code = query.step()) == SQLITE_ROW) {
        RunSummary summary;
        summary.runId = query.columnInt(0);
        RunRecord& r = summary.record;
        r.step = query.columnText(1);
        r.stepNumber = int(query.columnInt(2));
        r.title = query.columnText(3);
        r.status = query.columnText(4);
        r.profile = query.columnText(5);
        r.device = query.columnText(6);
        r.deviceName = query.columnText(7);
        r.weights = query.columnText(8);
        r.precision = query.columnText(9);
        r.video = query.columnText(10);
        r.batch = query.columnInt(11);
        r.frames = query.columnInt(12);
        r.warmup = query.columnInt(13);
        r.startNs = query.columnInt(14);
        r.endNs = query.columnInt(15);
        r.fps = query.columnDouble(16);
        r.detectorOnlyFps = query.columnDouble(17);
        r.configJson = query.columnText(18);
        r.resultJson = query.columnText(19);
        result.push_back(std::move(summary));
    }
    if (code != SQLITE_DONE)
        return sqliteStatus(code, m_path, query.error());
    return result;
}

Result<std::map<std::string, std::string>> SessionStore::environment() const
{
    Statement query(m_db, "SELECT key, value FROM ES_ENVIRONMENT ORDER BY key");
    if (!query.ok())
        return sqliteStatus(query.errorCode(), m_path, query.error());
    std::map<std::string, std::string> result;
    while (query.step() == SQLITE_ROW)
        result[query.columnText(0)] = query.columnText(1);
    return result;
}

} // namespace es::prof
