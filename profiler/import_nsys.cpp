// SPDX-License-Identifier: Apache-2.0
// Reading `nsys export --type sqlite` files of every schema from 3.0 (2022) on: tables are created lazily (only those
// with data exist), columns come and go between versions (read with PRAGMA table_info), the meta table is
// EXPORT_META_DATA before 2023 and META_DATA_EXPORT after, and globalTid packs process and thread.
#include "import_internal.h"
#include "sqlite_util.h"

#include <set>
#include <sys/stat.h>

namespace es::prof {

namespace {

/// An nsys export opened read-only, with its tables and their columns.
class NsysFile
{
public:
    ~NsysFile() { sqlite3_close(m_db); }
    Status open(const std::string& path)
    {
        m_path = path;
        if (sqlite3_open_v2(path.c_str(), &m_db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
            return Status(StatusCode::CorruptData, "cannot read " + path + " as SQLite: " + sqlite3_errmsg(m_db));
        Statement tables(m_db, "SELECT name FROM sqlite_master WHERE type = 'table'");
        int code;
        while ((code = tables.step()) == SQLITE_ROW)
            m_tables.insert(tables.columnText(0));
        if (code != SQLITE_DONE)
            return Status(
                StatusCode::CorruptData, path + " is not a readable SQLite database (" + tables.error() + ")");
        if (!has("StringIds") || !(has("META_DATA_EXPORT") || has("EXPORT_META_DATA")))
            return Status(StatusCode::CorruptData,
                path
                    + " is an SQLite file but not an nsys export (no StringIds or META_DATA_EXPORT table); export "
                      "a report with: nsys export --type sqlite report.nsys-rep");
        return Status::ok();
    }
    bool has(const std::string& table) const { return m_tables.count(table) > 0; }
    bool hasColumn(const std::string& table, const std::string& column)
    {
        auto& columns = m_columns[table];
        if (columns.empty()) {
            Statement info(m_db, "PRAGMA table_info(" + table + ")");
            while (info.step() == SQLITE_ROW)
                columns.insert(info.columnText(1));
        }
        return columns.count(column) > 0;
    }
    /// `column` when the table has it, else `fallback` (an SQL expression).
    std::string column(const std::string& table, const std::string& column, const std::string& fallback)
    {
        return hasColumn(table, column) ? "\"" + column + "\"" : fallback;
    }
    sqlite3* db() const { return m_db; }
    const std::string& path() const { return m_path; }
    Status failed(const Statement& statement) const
    {
        return Status(StatusCode::CorruptData, m_path + ": " + statement.error());
    }

private:
    sqlite3* m_db = nullptr;
    std::string m_path;
    std::set<std::string> m_tables;
    std::map<std::string, std::set<std::string>> m_columns;
};

int64_t tidOf(int64_t globalTid)
{
    return globalTid % 0x1000000;
}
int64_t pidOf(int64_t globalTid)
{
    return globalTid / 0x1000000 % 0x1000000;
}

} // namespace

Result<RunData> readNsysSqlite(const std::string& path, ExchangeStats& stats)
{
    NsysFile file;
    ES_RETURN_IF_ERROR(file.open(path));
    ImportedRun run(path, "Nsight Systems");
    sqlite3* db = file.db();
    const std::string meta = file.has("META_DATA_EXPORT") ? "META_DATA_EXPORT" : "EXPORT_META_DATA";
    std::string version;
    {
        Statement query(db, "SELECT value FROM " + meta + " WHERE name = 'EXPORT_SCHEMA_VERSION'");
        if (query.step() == SQLITE_ROW)
            version = query.columnText(0);
    }
    run.data().run.configJson
        = "{\"imported_from\": \"Nsight Systems\", \"export_schema_version\": \"" + version + "\"}";
    std::unordered_map<int64_t, std::string> strings;
    {
        Statement query(db, "SELECT id, value FROM StringIds");
        while (query.step() == SQLITE_ROW)
            strings[query.columnInt(0)] = query.columnText(1);
    }
    auto text = [&](int64_t id) -> std::string {
        auto found = strings.find(id);
        return found == strings.end() ? "?" : found->second;
    };
    std::map<int64_t, int64_t> eventsPerPid;
    auto forEach = [&](const std::string& sql, auto&& row) -> Status {
        Statement query(db, sql);
        if (!query.ok())
            return file.failed(query);
        int code;
        while ((code = query.step()) == SQLITE_ROW)
            row(query);
        if (code != SQLITE_DONE)
            return file.failed(query);
        return Status::ok();
    };
    if (file.has("ThreadNames")) {
        ES_RETURN_IF_ERROR(forEach("SELECT globalTid, nameId FROM ThreadNames",
            [&](const Statement& q) { run.nameThread(tidOf(q.columnInt(0)), text(q.columnInt(1))); }));
    }
    if (file.has("NVTX_EVENTS")) {
        const std::string t = "NVTX_EVENTS";
        const std::string color = file.column(t, "color", "NULL");
        ES_RETURN_IF_ERROR(forEach("SELECT start, coalesce(\"end\", start), coalesce(globalTid, 0), text, "
                + file.column(t, "textId", "NULL") + ", " + color
                + " FROM NVTX_EVENTS WHERE eventType IN (59, 60, 70, 71)",
            [&](const Statement& q) {
                const std::string name = !q.columnIsNull(3) ? q.columnText(3)
                    : !q.columnIsNull(4)                    ? text(q.columnInt(4))
                                                            : "?";
                const uint32_t argb = q.columnIsNull(5) ? 0xFF999999u : uint32_t(q.columnInt(5));
                run.addRange(tidOf(q.columnInt(2)), q.columnInt(0), q.columnInt(1), name, argb);
                ++eventsPerPid[pidOf(q.columnInt(2))];
            }));
    }
    GpuActivity& gpu = run.gpu();
    if (file.has("CUPTI_ACTIVITY_KIND_RUNTIME")) {
        ES_RETURN_IF_ERROR(forEach("SELECT start, \"end\", coalesce(globalTid, 0), coalesce(correlationId, 0), nameId, "
                                   "coalesce(returnValue, 0), coalesce(eventClass, 0) FROM CUPTI_ACTIVITY_KIND_RUNTIME",
            [&](const Statement& q) {
                GpuApiCall call;
                call.startNs = q.columnInt(0);
                call.endNs = q.columnInt(1);
                call.threadId = uint32_t(tidOf(q.columnInt(2)));
                call.processId = uint32_t(pidOf(q.columnInt(2)));
                call.correlationId = uint32_t(q.columnInt(3));
                call.nameIndex = gpu.intern(text(q.columnInt(4)));
                call.returnValue = int32_t(q.columnInt(5));
                call.driver = q.columnInt(6) == 1;
                run.thread(call.threadId);
                gpu.apiCalls.push_back(call);
                ++eventsPerPid[call.processId];
            }));
    }
    if (file.has("CUPTI_ACTIVITY_KIND_KERNEL")) {
        const std::string t = "CUPTI_ACTIVITY_KIND_KERNEL";
        ES_RETURN_IF_ERROR(forEach("SELECT start, \"end\", deviceId, contextId, streamId, coalesce(correlationId, 0), "
                                   "demangledName, "
                + file.column(t, "mangledName", "NULL")
                + ", gridX, gridY, gridZ, blockX, blockY, blockZ, registersPerThread, "
                  "staticSharedMemory, dynamicSharedMemory, "
                + file.column(t, "gridId", "0") + " FROM " + t,
            [&](const Statement& q) {
                GpuKernel k;
                k.startNs = q.columnInt(0);
                k.endNs = q.columnInt(1);
                k.deviceId = uint32_t(q.columnInt(2));
                k.contextId = uint32_t(q.columnInt(3));
                k.streamId = uint32_t(q.columnInt(4));
                k.correlationId = uint32_t(q.columnInt(5));
                // The mangled name when there is one (the session demangles it again), else nsys's demangled name.
                const std::string mangled = q.columnIsNull(7) ? "" : text(q.columnInt(7));
                k.nameIndex = gpu.intern(mangled.rfind("_Z", 0) == 0 ? mangled : text(q.columnInt(6)));
                k.gridX = int32_t(q.columnInt(8));
                k.gridY = int32_t(q.columnInt(9));
                k.gridZ = int32_t(q.columnInt(10));
                k.blockX = int32_t(q.columnInt(11));
                k.blockY = int32_t(q.columnInt(12));
                k.blockZ = int32_t(q.columnInt(13));
                k.registersPerThread = int32_t(q.columnInt(14));
                k.staticSharedMemory = int32_t(q.columnInt(15));
                k.dynamicSharedMemory = int32_t(q.columnInt(16));
                k.gridId = q.columnInt(17);
                gpu.kernels.push_back(k);
            }));
    }
    if (file.has("CUPTI_ACTIVITY_KIND_MEMCPY")) {
        const std::string t = "CUPTI_ACTIVITY_KIND_MEMCPY";
        ES_RETURN_IF_ERROR(forEach("SELECT start, \"end\", deviceId, contextId, streamId, coalesce(correlationId, 0), "
                                   "bytes, copyKind, "
                + file.column(t, "srcKind", "7") + ", " + file.column(t, "dstKind", "7") + " FROM " + t,
            [&](const Statement& q) {
                GpuCopy c;
                c.startNs = q.columnInt(0);
                c.endNs = q.columnInt(1);
                c.deviceId = uint32_t(q.columnInt(2));
                c.contextId = uint32_t(q.columnInt(3));
                c.streamId = uint32_t(q.columnInt(4));
                c.correlationId = uint32_t(q.columnInt(5));
                c.bytes = uint64_t(q.columnInt(6));
                c.copyKind = uint8_t(q.columnInt(7));
                c.srcKind = uint8_t(q.columnIsNull(8) ? 7 : q.columnInt(8));
                c.dstKind = uint8_t(q.columnIsNull(9) ? 7 : q.columnInt(9));
                gpu.copies.push_back(c);
            }));
    }
    if (file.has("CUPTI_ACTIVITY_KIND_MEMSET")) {
        const std::string t = "CUPTI_ACTIVITY_KIND_MEMSET";
        ES_RETURN_IF_ERROR(forEach("SELECT start, \"end\", deviceId, contextId, streamId, coalesce(correlationId, 0), "
                                   "bytes, value, "
                + file.column(t, "memKind", "7") + " FROM " + t,
            [&](const Statement& q) {
                GpuMemset m;
                m.startNs = q.columnInt(0);
                m.endNs = q.columnInt(1);
                m.deviceId = uint32_t(q.columnInt(2));
                m.contextId = uint32_t(q.columnInt(3));
                m.streamId = uint32_t(q.columnInt(4));
                m.correlationId = uint32_t(q.columnInt(5));
                m.bytes = uint64_t(q.columnInt(6));
                m.value = uint32_t(q.columnInt(7));
                m.memoryKind = uint8_t(q.columnIsNull(8) ? 7 : q.columnInt(8));
                gpu.memsets.push_back(m);
            }));
    }
    if (file.has("CUPTI_ACTIVITY_KIND_SYNCHRONIZATION")) {
        const std::string t = "CUPTI_ACTIVITY_KIND_SYNCHRONIZATION";
        ES_RETURN_IF_ERROR(forEach("SELECT start, \"end\", contextId, streamId, coalesce(correlationId, 0), "
                + file.column(t, "syncType", "0") + ", " + file.column(t, "eventId", "0") + " FROM " + t,
            [&](const Statement& q) {
                GpuSync s;
                s.startNs = q.columnInt(0);
                s.endNs = q.columnInt(1);
                s.contextId = uint32_t(q.columnInt(2));
                s.streamId = uint32_t(q.columnInt(3));
                s.correlationId = uint32_t(q.columnInt(4));
                s.syncType = uint32_t(q.columnInt(5));
                s.eventId = uint32_t(q.columnInt(6));
                gpu.syncs.push_back(s);
            }));
    }
    // The process that made the most calls and ranges is the one that was profiled.
    int64_t pid = 0, most = -1;
    for (const auto& [candidate, count] : eventsPerPid)
        if (count > most) {
            most = count;
            pid = candidate;
        }
    RunData& data = run.data();
    data.pid = pid > 0 ? pid : 1;
    if (file.has("PROCESSES")) {
        Statement process(db, "SELECT name FROM PROCESSES WHERE pid = ?");
        process.bind(1, pid);
        if (process.step() == SQLITE_ROW)
            data.processName = process.columnText(0);
    }
    if (file.has("TARGET_INFO_GPU")) {
        Statement device(db, "SELECT name FROM TARGET_INFO_GPU LIMIT 1");
        if (device.step() == SQLITE_ROW) {
            data.run.device = "cuda:0";
            data.run.deviceName = device.columnText(0);
        }
    }
    data.run.title += version.empty() ? "" : ", export schema " + version;
    struct stat info;
    if (stat(path.c_str(), &info) == 0)
        stats.bytes += int64_t(info.st_size);
    return run.finish(stats);
}

} // namespace es::prof
