// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "base/status.h"

#include <sqlite3.h>

#include <cstdint>
#include <string>

namespace es::prof {

/// A prepared SQLite statement that finalizes itself; binds by 1-based index. One thread at a time.
class Statement
{
public:
    Statement(sqlite3* db, const std::string& sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    bool ok() const { return m_statement != nullptr; }
    const std::string& error() const { return m_error; }
    /// SQLite's extended code of the last failed step (0 when none failed).
    int errorCode() const { return m_errorCode; }
    Statement& bind(int index, int64_t value);
    Statement& bind(int index, double value);
    Statement& bind(int index, const std::string& value);
    Statement& bindNull(int index);
    /// Steps once: SQLITE_ROW, SQLITE_DONE or an error code.
    int step();
    /// Steps to the end and resets for the next bindings; false on error.
    bool run();
    int64_t columnInt(int column) const;
    double columnDouble(int column) const;
    std::string columnText(int column) const;
    bool columnIsNull(int column) const;

private:
    sqlite3* m_db;
    sqlite3_stmt* m_statement = nullptr;
    std::string m_error;
    int m_errorCode = 0;
};

/// Runs SQL without results; a Status with SQLite's message and `what` on failure.
Status execute(sqlite3* db, const std::string& sql, const std::string& what);

/// A write transaction: BEGIN IMMEDIATE on construction, COMMIT by commit(), and ROLLBACK in the destructor when
/// it was not committed, so that an early return after a failed write leaves nothing of it in the file. `what` (the
/// file's path) names the file in messages. For the thread that uses the connection, one at a time per connection.
class SqliteTransaction
{
public:
    SqliteTransaction(sqlite3* db, std::string what);
    ~SqliteTransaction();
    SqliteTransaction(const SqliteTransaction&) = delete;
    SqliteTransaction& operator=(const SqliteTransaction&) = delete;

    /// Whether BEGIN succeeded: OK, or SQLite's message with `what` (then nothing is rolled back).
    const Status& begun() const { return m_begun; }
    /// Commits the writes; on failure the transaction is still open and is rolled back like an uncommitted one.
    Status commit();
    /// Undoes the writes now rather than at destruction; does nothing once committed or rolled back, or when BEGIN
    /// failed.
    void rollback();

private:
    sqlite3* m_db;
    std::string m_what;
    Status m_begun;
    bool m_open = false; ///< begun, and neither committed nor rolled back
};

/// Files up to this size get SQLite's page-by-page check when opened (PRAGMA quick_check, about 0.1 s per 20 MB on a
/// small machine); larger ones the header's check (checkSqliteFile).
constexpr int64_t kQuickCheckLargestBytes = int64_t(64) << 20;

/// Whether the SQLite file `path` (`fileBytes` long, open as `db`) is whole: PRAGMA quick_check up to
/// `quickCheckLargestBytes`; above, whether the file holds every page its header counts (the damage of a copy cut
/// short or a full disk), in constant time, so that a session of millions of events opens in a second, not after
/// reading it all once more. Damage inside a large file shows when that part is read, as the CorruptData naming the
/// file that sqliteStatus gives. CorruptData naming the file and what is wrong.
Status checkSqliteFile(
    sqlite3* db, const std::string& path, int64_t fileBytes, int64_t quickCheckLargestBytes = kQuickCheckLargestBytes);

/// The Status for an SQLite failure on `path`, with a message a person can act on.
Status sqliteStatus(int code, const std::string& path, const std::string& detail);
/// The same for the last error of `db`, with the operating system's reason where SQLite saw one (a disk that is
/// full, a file size limit, a read-only file system, a file removed while open).
Status sqliteStatus(sqlite3* db, const std::string& path, const std::string& detail);

} // namespace es::prof
