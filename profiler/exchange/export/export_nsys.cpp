// SPDX-License-Identifier: Apache-2.0
// The nsys-sqlite export: a standalone SQLite file with the tables of `nsys export --type sqlite` (same names,
// columns and enum values; no runId, no EdgeScope tables) for the chosen runs, and META_DATA_EXPORT naming the export
// schema version whose columns it follows, so that the SQL behind nsys's stats reports runs on it unchanged.
#include "base/sqlite_util.h"
#include "exchange/export/export_internal.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <sys/stat.h>

namespace es::prof {

namespace {

/// The schema version whose columns the exported tables carry (nsys 2024-2026 exports; greenContextId included).
constexpr const char* kExportSchemaVersion = "3.24.14";

std::vector<std::string> columnsOf(sqlite3* db, const std::string& schema, const std::string& table)
{
    std::vector<std::string> columns;
    Statement info(db, "PRAGMA " + schema + ".table_info(" + table + ")");
    while (info.step() == SQLITE_ROW)
        columns.push_back(info.columnText(1));
    return columns;
}

std::string quoted(const std::string& path)
{
    std::string text = "'";
    for (char c : path)
        text += c == '\'' ? std::string("''") : std::string(1, c);
    return text + "'";
}

/// The runs an export holds: their ids as an SQL list ("1,3") and the span from the first start to the last end.
struct ChosenRuns
{
    std::string list;
    int64_t firstNs = INT64_MAX;
    int64_t lastNs = INT64_MIN;
};

ChosenRuns chooseRuns(const std::vector<RunSummary>& runs, const std::vector<int64_t>& runIds)
{
    ChosenRuns chosen;
    for (const RunSummary& run : runs) {
        if (!runIds.empty() && std::find(runIds.begin(), runIds.end(), run.runId) == runIds.end())
            continue;
        chosen.list += (chosen.list.empty() ? "" : ",") + std::to_string(run.runId);
        chosen.firstNs = std::min(chosen.firstNs, run.record.startNs);
        chosen.lastNs = std::max(chosen.lastNs, run.record.endNs);
    }
    return chosen;
}

/// The per-run tables: their rows of the chosen runs, every column but runId.
Status copyRunTables(sqlite3* db, const std::string& runList, const std::string& path)
{
    const char* perRun[]
        = { "ThreadNames", "PROCESSES", "NVTX_EVENTS", "CUPTI_ACTIVITY_KIND_KERNEL", "CUPTI_ACTIVITY_KIND_MEMCPY",
              "CUPTI_ACTIVITY_KIND_MEMSET", "CUPTI_ACTIVITY_KIND_RUNTIME", "CUPTI_ACTIVITY_KIND_SYNCHRONIZATION" };
    for (const char* table : perRun) {
        std::string list;
        for (const std::string& column : columnsOf(db, "src", table))
            if (column != "runId")
                list += (list.empty() ? "\"" : ", \"") + column + "\"";
        // PROCESSES repeats per run in the session; nsys has one row per process.
        const std::string distinct
            = std::string(table) == "PROCESSES" || std::string(table) == "ThreadNames" ? "DISTINCT " : "";
        ES_RETURN_IF_ERROR(execute(db,
            "CREATE TABLE main." + std::string(table) + " AS SELECT " + distinct + list + " FROM src." + table
                + " WHERE runId IN (" + runList + ")",
            path));
    }
    return Status::ok();
}

/// The shared tables: the strings and the enums as they are.
Status copySharedTables(sqlite3* db, const std::string& path)
{
    for (const char* table : { "StringIds", "TARGET_INFO_GPU", "ENUM_CUDA_MEMCPY_OPER", "ENUM_CUDA_MEM_KIND",
             "ENUM_CUPTI_SYNC_TYPE", "ENUM_NSYS_EVENT_TYPE", "ENUM_NSYS_EVENT_CLASS" })
        ES_RETURN_IF_ERROR(
            execute(db, "CREATE TABLE main." + std::string(table) + " AS SELECT * FROM src." + table, path));
    return Status::ok();
}

/// META_DATA_EXPORT (the schema version, the source session) and ANALYSIS_DETAILS (the span of the runs).
Status writeExportMetadata(sqlite3* db, const std::string& source, const ChosenRuns& chosen, const std::string& path)
{
    return execute(db,
        "CREATE TABLE META_DATA_EXPORT (name TEXT, value TEXT);"
        "INSERT INTO META_DATA_EXPORT VALUES ('EXPORT_PRODUCT_NAME', 'EdgeScope nsys-sqlite export'),"
        "('EXPORT_SCHEMA_VERSION', '"
            + std::string(kExportSchemaVersion)
            + "'), ('EXPORT_SCHEMA_VERSION_MAJOR', '3'), ('EXPORT_SCHEMA_VERSION_MINOR', '24'), "
              "('EXPORT_SCHEMA_VERSION_MICRO', '14'), ('EXPORT_PLATFORM', 'linux-desktop'), "
              "('EXPORT_SOURCE', "
            + quoted(source)
            + ");"
              "CREATE TABLE ANALYSIS_DETAILS (globalVid INTEGER, duration INTEGER, startTime INTEGER, stopTime "
              "INTEGER);"
              "INSERT INTO ANALYSIS_DETAILS VALUES (0, "
            + std::to_string(chosen.lastNs - chosen.firstNs) + ", " + std::to_string(chosen.firstNs) + ", "
            + std::to_string(chosen.lastNs) + ");",
        path);
}

/// The rows of the exported event tables.
int64_t countEvents(sqlite3* db)
{
    int64_t events = 0;
    for (const char* table : { "NVTX_EVENTS", "CUPTI_ACTIVITY_KIND_KERNEL", "CUPTI_ACTIVITY_KIND_MEMCPY",
             "CUPTI_ACTIVITY_KIND_MEMSET", "CUPTI_ACTIVITY_KIND_RUNTIME", "CUPTI_ACTIVITY_KIND_SYNCHRONIZATION" }) {
        Statement count(db, std::string("SELECT count(*) FROM main.") + table);
        if (count.step() == SQLITE_ROW)
            events += count.columnInt(0);
    }
    return events;
}

/// Fills the open export `db` from `store` in one transaction; adds its event count to `stats`.
Status writeExport(
    sqlite3* db, const SessionStore& store, const ChosenRuns& chosen, const std::string& path, ExchangeStats& stats)
{
    ES_RETURN_IF_ERROR(execute(db,
        "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA page_size=65536; ATTACH DATABASE "
            + quoted(store.path()) + " AS src; BEGIN",
        path));
    ES_RETURN_IF_ERROR(copyRunTables(db, chosen.list, path));
    ES_RETURN_IF_ERROR(copySharedTables(db, path));
    ES_RETURN_IF_ERROR(writeExportMetadata(db, store.path(), chosen, path));
    stats.events += countEvents(db);
    return execute(db, "COMMIT; DETACH DATABASE src", path);
}

} // namespace

Result<ExchangeStats> exportNsysSqlite(
    const SessionStore& store, const std::vector<int64_t>& runIds, const std::string& path)
{
    ES_ASSIGN_OR_RETURN(std::vector<RunSummary> runs, store.runs());
    const ChosenRuns chosen = chooseRuns(runs, runIds);
    if (chosen.list.empty())
        return Status(StatusCode::InvalidArgument, store.path() + " has no run to export");

    const std::string partial = path + ".partial";
    std::remove(partial.c_str());
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(partial.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
        const std::string why = db ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close(db);
        return Status(StatusCode::IoError, "cannot write " + path + ": " + why);
    }
    ExchangeStats stats;
    if (const Status status = writeExport(db, store, chosen, path, stats); !status.isOk()) {
        sqlite3_close(db);
        std::remove(partial.c_str());
        return status;
    }
    if (sqlite3_close(db) != SQLITE_OK)
        return Status(StatusCode::IoError, "cannot finish " + path);
    if (std::rename(partial.c_str(), path.c_str()) != 0) {
        std::remove(partial.c_str());
        return Status(StatusCode::IoError, "cannot write " + path + ": " + std::strerror(errno));
    }
    struct stat info;
    stats.bytes = stat(path.c_str(), &info) == 0 ? int64_t(info.st_size) : 0;
    return stats;
}

} // namespace es::prof
