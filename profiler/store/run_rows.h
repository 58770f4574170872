// SPDX-License-Identifier: Apache-2.0
#pragma once

// ES_RUN_ROWS: where each run's rows lie in the large tables. A run is written in one transaction, so its rows of a
// table are one contiguous rowid range; recording it lets a reader seek straight to them (WHERE rowid BETWEEN) and
// size its vectors without counting, instead of scanning every run's rows of the table. Sessions written before the
// table existed, and runs written by an EdgeScope that did not record them, have no span: readers fall back to
// WHERE runId = ?.
#include "base/sqlite_util.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace es::prof {

/// The tables whose rows of each run ES_RUN_ROWS records.
const std::vector<std::string>& spannedTables();

/// The last rowid of each of spannedTables() (0 for an empty table), taken before a run's rows are written.
/// For the writing thread, inside its transaction.
Result<std::vector<int64_t>> lastRowids(sqlite3* db, const std::string& path);

/// Records, for each spanned table that gained rows since `before` (lastRowids), the run's rowid range; creates
/// ES_RUN_ROWS in sessions that lack it. Inside the run's transaction.
Status recordRunRows(sqlite3* db, const std::string& path, int64_t runId, const std::vector<int64_t>& before);

/// One run's rows of one table: rowids firstRowid..lastRowid, `rows` of them.
struct RunRowSpan
{
    int64_t firstRowid = 0, lastRowid = 0, rows = 0;
};

/// The recorded span of `runId` in `table`: nullopt where none was recorded (older sessions) or where the table holds
/// rows past the last recorded run's (written by something other than writeRun): read those by runId. A span of 0
/// rows where the run wrote none.
std::optional<RunRowSpan> runRowSpan(sqlite3* db, int64_t runId, const std::string& table);

} // namespace es::prof
