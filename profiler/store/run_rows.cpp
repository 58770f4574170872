// SPDX-License-Identifier: Apache-2.0
#include "store/run_rows.h"

namespace es::prof {

const std::vector<std::string>& spannedTables()
{
    static const std::vector<std::string> tables
        = { "CUPTI_ACTIVITY_KIND_RUNTIME", "CUPTI_ACTIVITY_KIND_KERNEL", "CUPTI_ACTIVITY_KIND_MEMCPY",
              "CUPTI_ACTIVITY_KIND_MEMSET", "CUPTI_ACTIVITY_KIND_SYNCHRONIZATION", "NVTX_EVENTS", "ES_OPERATORS" };
    return tables;
}

Result<std::vector<int64_t>> lastRowids(sqlite3* db, const std::string& path)
{
    std::vector<int64_t> last;
    for (const std::string& table : spannedTables()) {
        // max(rowid) is the table's last B-tree entry: constant time, whatever the table's size.
        Statement query(db, "SELECT coalesce(max(rowid), 0) FROM " + table);
        if (!query.ok() || query.step() != SQLITE_ROW)
            return sqliteStatus(db, path, query.error());
        last.push_back(query.columnInt(0));
    }
    return last;
}

Status recordRunRows(sqlite3* db, const std::string& path, int64_t runId, const std::vector<int64_t>& before)
{
    ES_RETURN_IF_ERROR(execute(db,
        "CREATE TABLE IF NOT EXISTS ES_RUN_ROWS (runId INTEGER NOT NULL, tableName TEXT NOT NULL, "
        "firstRowid INTEGER NOT NULL, lastRowid INTEGER NOT NULL, rows INTEGER NOT NULL, "
        "PRIMARY KEY (runId, tableName))",
        path));
    ES_ASSIGN_OR_RETURN(const std::vector<int64_t> after, lastRowids(db, path));
    Statement insert(
        db, "INSERT OR REPLACE INTO ES_RUN_ROWS(runId, tableName, firstRowid, lastRowid, rows) VALUES (?,?,?,?,?)");
    for (size_t t = 0; t < spannedTables().size() && t < before.size(); ++t) {
        // Appended rows take the rowids after the table's last one, in order: the run's rows are before+1..after.
        const int64_t rows = after[t] - before[t];
        if (!insert.bind(1, runId)
                 .bind(2, spannedTables()[t])
                 .bind(3, before[t] + 1)
                 .bind(4, after[t])
                 .bind(5, rows)
                 .run())
            return sqliteStatus(db, path, insert.error());
    }
    return Status::ok();
}

std::optional<RunRowSpan> runRowSpan(sqlite3* db, int64_t runId, const std::string& table)
{
    Statement query(db,
        "SELECT firstRowid, lastRowid, rows, (SELECT max(lastRowid) FROM ES_RUN_ROWS WHERE tableName = ?2) "
        "FROM ES_RUN_ROWS WHERE runId = ?1 AND tableName = ?2");
    if (!query.ok()) // a session without the table
        return std::nullopt;
    query.bind(1, runId).bind(2, table);
    if (query.step() != SQLITE_ROW)
        return std::nullopt;
    const RunRowSpan span { query.columnInt(0), query.columnInt(1), query.columnInt(2) };
    const int64_t lastRecorded = query.columnInt(3);
    // Rows added after the last recorded run by something other than writeRun (a script, an older tool) may belong to
    // any run: then the spans of this table are not the whole story, and the table is read by runId.
    Statement last(db, "SELECT coalesce(max(rowid), 0) FROM " + table);
    if (!last.ok() || last.step() != SQLITE_ROW || last.columnInt(0) > lastRecorded)
        return std::nullopt;
    return span;
}

} // namespace es::prof
