// SPDX-License-Identifier: Apache-2.0
#include "base/sqlite_util.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace es::prof {

Statement::Statement(sqlite3* db, const std::string& sql) : m_db(db)
{
    if (sqlite3_prepare_v2(db, sql.c_str(), int(sql.size()), &m_statement, nullptr) != SQLITE_OK) {
        m_error = sqlite3_errmsg(db);
        m_errorCode = sqlite3_extended_errcode(db);
        m_statement = nullptr;
    }
}

Statement::~Statement()
{
    if (m_statement)
        sqlite3_finalize(m_statement);
}

Statement& Statement::bind(int index, int64_t value)
{
    if (m_statement)
        sqlite3_bind_int64(m_statement, index, value);
    return *this;
}

Statement& Statement::bind(int index, double value)
{
    if (m_statement)
        sqlite3_bind_double(m_statement, index, value);
    return *this;
}

Statement& Statement::bind(int index, const std::string& value)
{
    if (m_statement)
        sqlite3_bind_text(m_statement, index, value.c_str(), int(value.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bindNull(int index)
{
    if (m_statement)
        sqlite3_bind_null(m_statement, index);
    return *this;
}

int Statement::step()
{
    if (!m_statement)
        return SQLITE_MISUSE;
    const int code = sqlite3_step(m_statement);
    if (code != SQLITE_ROW && code != SQLITE_DONE) {
        m_error = sqlite3_errmsg(m_db);
        m_errorCode = sqlite3_extended_errcode(m_db); // before a reset replaces it
    }
    return code;
}

bool Statement::run()
{
    int code;
    while ((code = step()) == SQLITE_ROW) { }
    if (m_statement)
        sqlite3_reset(m_statement); // bindings stay; every caller binds all of its parameters again
    return code == SQLITE_DONE;
}

int64_t Statement::columnInt(int column) const
{
    return sqlite3_column_int64(m_statement, column);
}
double Statement::columnDouble(int column) const
{
    return sqlite3_column_double(m_statement, column);
}
bool Statement::columnIsNull(int column) const
{
    return sqlite3_column_type(m_statement, column) == SQLITE_NULL;
}

std::string Statement::columnText(int column) const
{
    const unsigned char* text = sqlite3_column_text(m_statement, column);
    return text ? std::string(reinterpret_cast<const char*>(text)) : std::string();
}

Status execute(sqlite3* db, const std::string& sql, const std::string& what)
{
    char* message = nullptr;
    const int code = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    if (code == SQLITE_OK)
        return Status::ok();
    const std::string text = message ? message : sqlite3_errstr(code);
    sqlite3_free(message);
    return sqliteStatus(db, what, text);
}

SqliteTransaction::SqliteTransaction(sqlite3* db, std::string what) : m_db(db), m_what(std::move(what))
{
    m_begun = execute(m_db, "BEGIN IMMEDIATE", m_what);
    m_open = m_begun.isOk();
}

SqliteTransaction::~SqliteTransaction()
{
    rollback();
}

Status SqliteTransaction::commit()
{
    if (!m_open) // BEGIN failed, or a second commit: say so rather than run a COMMIT outside the transaction
        return m_begun.isOk() ? Status(StatusCode::Internal, "commit of " + m_what + " without an open transaction")
                              : m_begun;
    Status status = execute(m_db, "COMMIT", m_what);
    if (status.isOk())
        m_open = false;
    return status;
}

void SqliteTransaction::rollback()
{
    if (!m_open)
        return;
    m_open = false;
    // Dropped on purpose: the caller already has the Status of the failure that led here, and a ROLLBACK that fails
    // leaves nothing to undo (SQLite ended the transaction itself, or the connection is unusable).
    (void)execute(m_db, "ROLLBACK", m_what);
}

namespace {

/// The big-endian integer of `bytes` bytes at `offset` of the database header.
uint32_t headerNumber(const unsigned char* header, size_t offset, size_t bytes)
{
    uint32_t value = 0;
    for (size_t i = 0; i < bytes; ++i)
        value = (value << 8) | header[offset + i];
    return value;
}

/// The database header's page count against the file's size (see https://www.sqlite.org/fileformat.html, 1.3).
Status checkHeaderAgainstSize(const std::string& path)
{
    unsigned char header[100];
    FILE* file = std::fopen(path.c_str(), "rb");
    const bool read = file && std::fread(header, 1, sizeof header, file) == sizeof header;
    // The size now: opening may have rolled back a run that a killed writer left half written.
    int64_t fileBytes = -1;
    if (read && std::fseek(file, 0, SEEK_END) == 0)
        fileBytes = int64_t(std::ftell(file));
    if (file)
        std::fclose(file);
    if (!read)
        return Status(StatusCode::IoError, "cannot read the header of " + path + ": " + std::strerror(errno));
    const uint32_t pageSizeField = headerNumber(header, 16, 2);
    const int64_t pageSize = pageSizeField == 1 ? 65536 : int64_t(pageSizeField);
    const uint32_t changeCounter = headerNumber(header, 24, 4);
    const uint32_t validFor = headerNumber(header, 92, 4);
    const int64_t pages = headerNumber(header, 28, 4);
    // The header's page count holds only where the change counter matches "version valid for" (older writers).
    if (fileBytes < 0 || changeCounter != validFor || pages == 0 || pageSize < 512)
        return Status::ok();
    if (pages * pageSize > fileBytes)
        return Status(StatusCode::CorruptData,
            path + " is truncated (" + std::to_string(fileBytes) + " bytes of the " + std::to_string(pages * pageSize)
                + " its header counts): the copy was cut short or the disk filled; copy the session again");
    return Status::ok();
}

} // namespace

Status checkSqliteFile(sqlite3* db, const std::string& path, int64_t fileBytes, int64_t quickCheckLargestBytes)
{
    if (fileBytes > quickCheckLargestBytes)
        return checkHeaderAgainstSize(path);
    Statement check(db, "PRAGMA quick_check");
    if (!check.ok() || check.step() != SQLITE_ROW)
        return sqliteStatus(db, path, check.error().empty() ? "unreadable" : check.error());
    if (check.columnText(0) != "ok")
        return Status(StatusCode::CorruptData,
            path + " is corrupt (" + check.columnText(0) + "): the file was truncated or damaged");
    return Status::ok();
}

Status sqliteStatus(int code, const std::string& path, const std::string& detail)
{
    switch (code & 0xFF) {
    case SQLITE_NOTADB:
        return Status(StatusCode::CorruptData,
            path + " is not an SQLite database, so not an EdgeScope session (" + detail
                + "); open a .sqlite file written by edgescope-cli run --out");
    case SQLITE_CORRUPT:
        return Status(StatusCode::CorruptData,
            path + " is corrupt (" + detail + "): the file was truncated or damaged; runs in it cannot be read");
    case SQLITE_IOERR:
        if (code != SQLITE_IOERR_WRITE && code != SQLITE_IOERR_FSYNC && code != SQLITE_IOERR_TRUNCATE)
            return Status(StatusCode::IoError, path + ": " + detail);
        [[fallthrough]]; // a write the file system refused: full, over a quota or a size limit
    case SQLITE_FULL:
        return Status(StatusCode::IoError,
            "cannot write " + path + ": the disk is full or refused the write (" + detail
                + "); free some space or write the session elsewhere (--out). The runs written before this one are "
                  "kept in it");
    case SQLITE_READONLY:
        if (code == SQLITE_READONLY_DBMOVED)
            return Status(StatusCode::IoError,
                path + " was moved or removed while EdgeScope was writing it (" + detail
                    + "); the runs written before are in the moved file");
        [[fallthrough]];
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
        return Status(StatusCode::IoError,
            "cannot open " + path + " for writing (" + detail
                + "): check that the folder exists and is writable, or choose another --out");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return Status(StatusCode::Unavailable,
            path + " is locked by another process (" + detail
                + "): close the program holding it (a sqlite3 shell, DB Browser, another edgescope-cli) and run "
                  "again; the runs written before are kept");
    default:
        return Status(StatusCode::IoError, path + ": " + detail);
    }
}

Status sqliteStatus(sqlite3* db, const std::string& path, const std::string& detail)
{
    const int code = sqlite3_extended_errcode(db);
    const int primary = code & 0xFF;
    // The OS error is only this failure's when SQLite failed on a file operation.
    const int systemError = primary == SQLITE_IOERR || primary == SQLITE_FULL || primary == SQLITE_CANTOPEN
        ? sqlite3_system_errno(db)
        : 0;
    if (systemError == ENOSPC || systemError == EFBIG || systemError == EDQUOT)
        return sqliteStatus(SQLITE_FULL, path, detail + ": " + std::strerror(systemError));
    if (systemError == EROFS || systemError == EACCES || systemError == EPERM)
        return sqliteStatus(SQLITE_READONLY, path, detail + ": " + std::strerror(systemError));
    if (systemError != 0 && primary == SQLITE_IOERR)
        return sqliteStatus(code, path, detail + ": " + std::strerror(systemError));
    return sqliteStatus(code, path, detail);
}

} // namespace es::prof
