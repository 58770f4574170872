// SPDX-License-Identifier: Apache-2.0
#include "store/session_store.h"

#include "base/sqlite_util.h"
#include "es_config.h"
#include "model/vocabulary.h"
#include "store/run_rows.h"
#include "store/session_schema.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
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

/// The StringIds table by value, for SessionStore's cache of it.
std::map<std::string, int64_t> readStringIds(sqlite3* db)
{
    std::map<std::string, int64_t> ids;
    Statement strings(db, "SELECT id, value FROM StringIds");
    while (strings.step() == SQLITE_ROW)
        ids[strings.columnText(1)] = strings.columnInt(0);
    return ids;
}

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
        ES_RETURN_IF_ERROR(store->checkSession(int64_t(info.st_size)));
        if (write && store->m_schemaVersion < kSessionSchemaVersion)
            ES_RETURN_IF_ERROR(store->upgradeSchema());
    }
    store->m_stringIds = readStringIds(store->m_db);
    return store;
}

Status SessionStore::createSchema()
{
    SqliteTransaction transaction(m_db, m_path);
    ES_RETURN_IF_ERROR(transaction.begun());
    ES_RETURN_IF_ERROR(execute(m_db, sessionSchemaSql(), m_path));
    ES_RETURN_IF_ERROR(execute(m_db, sessionGpuSchemaSql(), m_path));
    {
        Statement insert(m_db, "INSERT INTO ES_SESSION(key, value) VALUES (?, ?)");
        const std::pair<std::string, std::string> rows[] = {
            { "schema_version", std::to_string(kSessionSchemaVersion) },
            { "created_by", std::string("EdgeScope ") + ES_VERSION },
            { "created_at_ns", std::to_string(int64_t(time(nullptr)) * 1000000000) },
            { "time_base", "CLOCK_MONOTONIC ns" },
        };
        for (const auto& [key, value] : rows)
            if (!insert.bind(1, key).bind(2, value).run())
                return sqliteStatus(insert.errorCode(), m_path, insert.error());
    }
    ES_RETURN_IF_ERROR(transaction.commit());
    m_schemaVersion = kSessionSchemaVersion;
    return Status::ok();
}

Status SessionStore::checkSession(int64_t fileBytes)
{
    ES_RETURN_IF_ERROR(checkSqliteFile(m_db, m_path, fileBytes));
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
    SqliteTransaction transaction(m_db, m_path);
    ES_RETURN_IF_ERROR(transaction.begun());
    ES_RETURN_IF_ERROR(execute(m_db, sessionGpuSchemaSql(), m_path));
    {
        Statement version(m_db, "UPDATE ES_SESSION SET value = ? WHERE key = 'schema_version'");
        if (!version.bind(1, std::to_string(kSessionSchemaVersion)).run())
            return sqliteStatus(version.errorCode(), m_path, version.error());
    }
    ES_RETURN_IF_ERROR(transaction.commit());
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
    SqliteTransaction transaction(m_db, m_path);
    ES_RETURN_IF_ERROR(transaction.begun());
    Statement insert(m_db, "INSERT OR REPLACE INTO ES_ENVIRONMENT(key, value) VALUES (?, ?)");
    for (const auto& [key, value] : environment)
        if (!insert.bind(1, key).bind(2, value).run())
            return sqliteStatus(insert.errorCode(), m_path, insert.error());
    return transaction.commit();
}

Status SessionStore::updateRunResult(int64_t runId, const std::string& resultJson)
{
    ES_RETURN_IF_ERROR(restoreIfMoved());
    SqliteTransaction transaction(m_db, m_path);
    ES_RETURN_IF_ERROR(transaction.begun());
    Statement update(m_db, "UPDATE ES_RUNS SET result = ? WHERE runId = ?");
    if (!update.bind(1, resultJson).bind(2, runId).run())
        return sqliteStatus(update.errorCode(), m_path, update.error());
    return transaction.commit();
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

namespace {

/// Where the rows of one run go: the open session (its path names it in messages), the run and its process.
struct RunTarget
{
    sqlite3* db;
    const std::string& path;
    int64_t runId;
    int64_t pid;
    int64_t globalPid;
};

/// Interns a string into StringIds and gives its id (SessionStore::internString).
using InternString = std::function<Result<int64_t>(const std::string&)>;

Status failed(const std::string& path, const Statement& statement)
{
    return sqliteStatus(statement.errorCode(), path, statement.error());
}

/// The ES_RUNS row; gives the new run's id.
Result<int64_t> writeRunRow(sqlite3* db, const std::string& path, const RunRecord& r, int64_t globalPid)
{
    Statement run(db,
        "INSERT INTO ES_RUNS(step, stepNumber, title, status, profile, device, deviceName, weights, "
        "precision, video, batch, frames, warmup, start, \"end\", fps, detectorOnlyFps, globalPid, "
        "config, result) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    run.bind(1, r.step).bind(2, int64_t(r.stepNumber)).bind(3, r.title).bind(4, r.status).bind(5, r.profile);
    run.bind(6, r.device).bind(7, r.deviceName).bind(8, r.weights).bind(9, r.precision).bind(10, r.video);
    run.bind(11, r.batch).bind(12, r.frames).bind(13, r.warmup).bind(14, r.startNs).bind(15, r.endNs);
    run.bind(16, r.fps).bind(17, r.detectorOnlyFps).bind(18, globalPid).bind(19, r.configJson).bind(20, r.resultJson);
    if (!run.run())
        return failed(path, run);
    return int64_t(sqlite3_last_insert_rowid(db));
}

/// The PROCESSES row: the recorded process, or this one when the run names none.
Status writeProcess(const RunTarget& target, const RunData& data)
{
    Statement process(target.db, "INSERT INTO PROCESSES(globalPid, pid, name, runId) VALUES (?,?,?,?)");
    const std::string recordedProcess = data.processName.empty() ? processName() : data.processName;
    if (!process.bind(1, target.globalPid).bind(2, target.pid).bind(3, recordedProcess).bind(4, target.runId).run())
        return failed(target.path, process);
    return Status::ok();
}

/// The ThreadNames rows; gives each thread index's globalTid (the process's globalPid for an unknown index).
Result<std::vector<int64_t>> writeThreadNames(const RunTarget& target, const RunData& data, const InternString& intern)
{
    std::vector<int64_t> threadTids(65536, target.globalPid);
    Statement thread(target.db, "INSERT INTO ThreadNames(nameId, priority, globalTid, runId) VALUES (?,?,?,?)");
    for (const auto& info : data.threads) {
        const int64_t globalTid = packGlobalTid(target.pid, info.osTid);
        threadTids[info.index] = globalTid;
        auto named = data.threadNames.find(info.osTid);
        ES_ASSIGN_OR_RETURN(const int64_t nameId,
            intern(named != data.threadNames.end() ? named->second
                    : data.pid > 0                 ? "thread " + std::to_string(info.osTid)
                                                   : threadName(info.osTid)));
        if (!thread.bind(1, nameId).bind(2, int64_t(0)).bind(3, globalTid).bind(4, target.runId).run())
            return failed(target.path, thread);
    }
    return threadTids;
}

/// EdgeScope's NVTX domain, as nsys records one: an NvtxDomainCreate event naming domain 1.
Status writeDomainEvent(const RunTarget& target, int64_t startNs)
{
    Statement nvtx(target.db,
        "INSERT INTO NVTX_EVENTS(start, \"end\", eventType, category, color, text, globalTid, "
        "endGlobalTid, textId, domainId, int64Value, runId) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
    nvtx.bind(1, startNs).bindNull(2).bind(3, nsys_event::kNvtxDomainCreate).bindNull(4).bindNull(5);
    nvtx.bind(6, std::string("edgescope")).bind(7, target.globalPid).bindNull(8).bindNull(9).bind(10, int64_t(1));
    nvtx.bindNull(11).bind(12, target.runId);
    if (!nvtx.run())
        return failed(target.path, nvtx);
    return Status::ok();
}

/// What a range's rows carry of its name: its StringIds id, colour and category.
struct RangeNameRow
{
    int64_t textId = 0;
    RangeName entry;
};

/// The RangeNameRow of each name id the ranges use, indexed by name id (ids are dense), looked up once rather than
/// per event.
Result<std::vector<RangeNameRow>> internRangeNames(const RunData& data, const InternString& intern)
{
    std::vector<RangeNameRow> names;
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
        ES_ASSIGN_OR_RETURN(const int64_t id,
            intern(own ? (event.nameId < data.rangeNames.size() ? data.rangeNames[event.nameId] : "?")
                       : RangeNameRegistry::instance().name(event.nameId)));
        RangeName entry = own ? RangeName {} : RangeNameRegistry::instance().entry(event.nameId);
        if (own && event.nameId < data.rangeColors.size())
            entry.argbColor = data.rangeColors[event.nameId];
        names[event.nameId] = { id, entry };
        known[event.nameId] = true;
    }
    return names;
}

/// Ranges go in this many rows per statement: per-statement costs dominate single-row inserts.
constexpr size_t kRangeRowsPerInsert = 256;

/// An INSERT of `rows` push/pop ranges of domain 1 into NVTX_EVENTS.
std::string rangeInsertSql(size_t rows)
{
    const std::string rowPlaceholders
        = "(?,?," + std::to_string(nsys_event::kNvtxPushPopRange) + ",?,?,NULL,?,NULL,?,1,?,?)";
    std::string sql = "INSERT INTO NVTX_EVENTS(start, \"end\", eventType, category, color, text, globalTid, "
                      "endGlobalTid, textId, domainId, int64Value, runId) VALUES ";
    for (size_t i = 0; i < rows; ++i)
        sql += (i ? "," : "") + rowPlaceholders;
    return sql;
}

/// The NVTX_EVENTS rows of the run's ranges, kRangeRowsPerInsert at a time.
Status writeRanges(const RunTarget& target, const RunData& data, const std::vector<RangeNameRow>& names,
    const std::vector<int64_t>& threadTids)
{
    Statement fullBatch(target.db, rangeInsertSql(kRangeRowsPerInsert));
    for (size_t first = 0; first < data.ranges.size(); first += kRangeRowsPerInsert) {
        const size_t rows = std::min(kRangeRowsPerInsert, data.ranges.size() - first);
        std::unique_ptr<Statement> tail;
        Statement* insert = &fullBatch;
        if (rows < kRangeRowsPerInsert) {
            tail = std::make_unique<Statement>(target.db, rangeInsertSql(rows));
            insert = tail.get();
        }
        int parameter = 1;
        for (size_t i = first; i < first + rows; ++i) {
            const RangeEvent& event = data.ranges[i];
            const RangeNameRow& name = names[event.nameId];
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
            insert->bind(parameter++, target.runId);
        }
        if (!insert->run())
            return failed(target.path, *insert);
    }
    return Status::ok();
}

/// The ES_FRAMES rows.
Status writeFrames(const RunTarget& target, const std::vector<FrameRecord>& frames)
{
    Statement frame(target.db,
        "INSERT INTO ES_FRAMES(runId, frameIndex, batchIndex, start, \"end\", detections, candidates) "
        "VALUES (?,?,?,?,?,?,?)");
    for (const FrameRecord& f : frames) {
        frame.bind(1, target.runId).bind(2, f.frameIndex).bind(3, f.batchIndex).bind(4, f.startNs).bind(5, f.endNs);
        if (!frame.bind(6, int64_t(f.detections)).bind(7, f.candidates).run())
            return failed(target.path, frame);
    }
    return Status::ok();
}

/// The ES_DETECTIONS rows.
Status writeDetections(const RunTarget& target, const std::vector<DetectionRecord>& detections)
{
    Statement detection(target.db,
        "INSERT INTO ES_DETECTIONS(runId, frameIndex, label, score, \"left\", top, \"right\", "
        "bottom) VALUES (?,?,?,?,?,?,?,?)");
    for (const DetectionRecord& d : detections) {
        detection.bind(1, target.runId).bind(2, d.frameIndex).bind(3, int64_t(d.label)).bind(4, double(d.score));
        detection.bind(5, double(d.left)).bind(6, double(d.top)).bind(7, double(d.right)).bind(8, double(d.bottom));
        if (!detection.run())
            return failed(target.path, detection);
    }
    return Status::ok();
}

/// The ES_COUNTERS rows and their ES_COUNTER_SAMPLES.
Status writeCounters(const RunTarget& target, const std::vector<CounterTrack>& counters)
{
    Statement counter(target.db, "INSERT INTO ES_COUNTERS(runId, name, unit, source) VALUES (?,?,?,?)");
    Statement sample(target.db, "INSERT INTO ES_COUNTER_SAMPLES(counterId, timestamp, value) VALUES (?,?,?)");
    for (const CounterTrack& track : counters) {
        if (!counter.bind(1, target.runId).bind(2, track.name).bind(3, track.unit).bind(4, track.source).run())
            return failed(target.path, counter);
        const int64_t counterId = sqlite3_last_insert_rowid(target.db);
        for (const auto& [timeNs, value] : track.samples) {
            if (!sample.bind(1, counterId).bind(2, timeNs).bind(3, value).run())
                return failed(target.path, sample);
        }
    }
    return Status::ok();
}

/// The ES_OPERATORS rows.
Status writeOperators(const RunTarget& target, const std::vector<OperatorRecord>& operators, const InternString& intern)
{
    Statement op(
        target.db, "INSERT INTO ES_OPERATORS(runId, start, \"end\", globalTid, nameId, depth) VALUES (?,?,?,?,?,?)");
    for (const OperatorRecord& o : operators) {
        ES_ASSIGN_OR_RETURN(const int64_t nameId, intern(o.name));
        op.bind(1, target.runId).bind(2, o.startNs).bind(3, o.endNs).bind(4, packGlobalTid(target.pid, o.osTid));
        if (!op.bind(5, nameId).bind(6, int64_t(o.depth)).run())
            return failed(target.path, op);
    }
    return Status::ok();
}

} // namespace

Result<int64_t> SessionStore::writeRun(const RunData& data)
{
    ES_RETURN_IF_ERROR(restoreIfMoved());
    SqliteTransaction transaction(m_db, m_path);
    ES_RETURN_IF_ERROR(transaction.begun());
    const Result<int64_t> runId = writeRunRows(data);
    const Status status = runId ? transaction.commit() : runId.status();
    if (!status.isOk()) {
        // Nothing of this run stays in the file, and the strings interned in it are gone: reload the cache.
        transaction.rollback();
        m_stringIds = readStringIds(m_db);
        return status;
    }
    return runId;
}

Result<int64_t> SessionStore::writeRunRows(const RunData& data)
{
    const int64_t pid = data.pid > 0 ? data.pid : int64_t(getpid());
    const int64_t globalPid = packGlobalTid(pid, 0);
    ES_ASSIGN_OR_RETURN(const std::vector<int64_t> rowidsBefore, lastRowids(m_db, m_path));
    ES_ASSIGN_OR_RETURN(const int64_t runId, writeRunRow(m_db, m_path, data.run, globalPid));
    const RunTarget target { m_db, m_path, runId, pid, globalPid };
    const InternString intern = [this](const std::string& text) { return internString(text); };
    ES_RETURN_IF_ERROR(writeProcess(target, data));
    ES_ASSIGN_OR_RETURN(const std::vector<int64_t> threadTids, writeThreadNames(target, data, intern));
    ES_RETURN_IF_ERROR(writeDomainEvent(target, data.run.startNs));
    ES_ASSIGN_OR_RETURN(const std::vector<RangeNameRow> rangeNames, internRangeNames(data, intern));
    ES_RETURN_IF_ERROR(writeRanges(target, data, rangeNames, threadTids));
    ES_RETURN_IF_ERROR(writeFrames(target, data.frames));
    ES_RETURN_IF_ERROR(writeDetections(target, data.detections));
    ES_RETURN_IF_ERROR(writeCounters(target, data.counters));
    ES_RETURN_IF_ERROR(writeOperators(target, data.operators, intern));
    ES_RETURN_IF_ERROR(writeGpuActivity(data, runId, pid));
    ES_RETURN_IF_ERROR(recordRunRows(m_db, m_path, runId, rowidsBefore));
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
