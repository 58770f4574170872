// SPDX-License-Identifier: Apache-2.0
// Reading `nsys export --type sqlite` files of every schema from 3.0 (2022) on: tables are created lazily (only those
// with data exist), columns come and go between versions (read with PRAGMA table_info), the meta table is
// EXPORT_META_DATA before 2023 and META_DATA_EXPORT after, and globalTid packs process and thread.
#include "base/sqlite_util.h"
#include "exchange/import/import_internal.h"
#include "model/vocabulary.h"

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
    /// Runs `sql` and hands each row to `row`.
    template<typename Row> Status forEach(const std::string& sql, Row&& row) const
    {
        Statement query(m_db, sql);
        if (!query.ok())
            return failed(query);
        int code;
        while ((code = query.step()) == SQLITE_ROW)
            row(query);
        if (code != SQLITE_DONE)
            return failed(query);
        return Status::ok();
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

/// What the table readers share: the file, its strings, the run they fill and how many events each process made.
struct NsysImport
{
    NsysFile& file;
    ImportedRun& run;
    std::unordered_map<int64_t, std::string> strings; ///< StringIds
    std::map<int64_t, int64_t> eventsPerPid;

    /// The string with StringIds id `id`, "?" when the file has none.
    std::string text(int64_t id) const
    {
        auto found = strings.find(id);
        return found == strings.end() ? "?" : found->second;
    }
};

/// The export's EXPORT_SCHEMA_VERSION, empty when its meta table has none.
std::string readSchemaVersion(const NsysFile& file)
{
    const std::string meta = file.has("META_DATA_EXPORT") ? "META_DATA_EXPORT" : "EXPORT_META_DATA";
    Statement query(file.db(), "SELECT value FROM " + meta + " WHERE name = 'EXPORT_SCHEMA_VERSION'");
    return query.step() == SQLITE_ROW ? query.columnText(0) : std::string();
}

std::unordered_map<int64_t, std::string> readStrings(const NsysFile& file)
{
    std::unordered_map<int64_t, std::string> strings;
    Statement query(file.db(), "SELECT id, value FROM StringIds");
    while (query.step() == SQLITE_ROW)
        strings[query.columnInt(0)] = query.columnText(1);
    return strings;
}

Status readThreadNames(NsysImport& in)
{
    if (!in.file.has("ThreadNames"))
        return Status::ok();
    return in.file.forEach("SELECT globalTid, nameId FROM ThreadNames",
        [&](const Statement& q) { in.run.nameThread(tidOf(q.columnInt(0)), in.text(q.columnInt(1))); });
}

/// NVTX_EVENTS' ranges (not marks or domain events), named by their text or textId.
Status readNvtxRanges(NsysImport& in)
{
    const std::string t = "NVTX_EVENTS";
    if (!in.file.has(t))
        return Status::ok();
    const std::string color = in.file.column(t, "color", "NULL");
    return in.file.forEach("SELECT start, coalesce(\"end\", start), coalesce(globalTid, 0), text, "
            + in.file.column(t, "textId", "NULL") + ", " + color
            + " FROM NVTX_EVENTS WHERE eventType IN (" ES_NSYS_NVTX_RANGE_TYPES_SQL ")",
        [&](const Statement& q) {
            const std::string name = !q.columnIsNull(3) ? q.columnText(3)
                : !q.columnIsNull(4)                    ? in.text(q.columnInt(4))
                                                        : "?";
            const uint32_t argb = q.columnIsNull(5) ? 0xFF999999u : uint32_t(q.columnInt(5));
            in.run.addRange(tidOf(q.columnInt(2)), q.columnInt(0), q.columnInt(1), name, argb);
            ++in.eventsPerPid[pidOf(q.columnInt(2))];
        });
}

/// CUPTI_ACTIVITY_KIND_RUNTIME: runtime and driver API calls.
Status readApiCalls(NsysImport& in)
{
    if (!in.file.has("CUPTI_ACTIVITY_KIND_RUNTIME"))
        return Status::ok();
    GpuActivity& gpu = in.run.gpu();
    return in.file.forEach("SELECT start, \"end\", coalesce(globalTid, 0), coalesce(correlationId, 0), nameId, "
                           "coalesce(returnValue, 0), coalesce(eventClass, 0) FROM CUPTI_ACTIVITY_KIND_RUNTIME",
        [&](const Statement& q) {
            GpuApiCall call;
            call.startNs = q.columnInt(0);
            call.endNs = q.columnInt(1);
            call.threadId = uint32_t(tidOf(q.columnInt(2)));
            call.processId = uint32_t(pidOf(q.columnInt(2)));
            call.correlationId = uint32_t(q.columnInt(3));
            call.nameIndex = gpu.intern(in.text(q.columnInt(4)));
            call.returnValue = int32_t(q.columnInt(5));
            call.driver = q.columnInt(6) == 1;
            in.run.thread(call.threadId);
            gpu.apiCalls.push_back(call);
            ++in.eventsPerPid[call.processId];
        });
}

/// The columns every device-work query below starts with, in GpuWorkPlace's order.
constexpr const char* kWorkPlaceColumns = "start, \"end\", deviceId, contextId, streamId, coalesce(correlationId, 0)";

/// The six shared fields of a kernel, copy or memset row selected with kWorkPlaceColumns first.
GpuWorkPlace workPlaceAt(const Statement& q)
{
    return { q.columnInt(0), q.columnInt(1), uint32_t(q.columnInt(2)), uint32_t(q.columnInt(3)),
        uint32_t(q.columnInt(4)), uint32_t(q.columnInt(5)) };
}

Status readKernels(NsysImport& in)
{
    const std::string t = "CUPTI_ACTIVITY_KIND_KERNEL";
    if (!in.file.has(t))
        return Status::ok();
    GpuActivity& gpu = in.run.gpu();
    return in.file.forEach("SELECT " + std::string(kWorkPlaceColumns) + ", demangledName, "
            + in.file.column(t, "mangledName", "NULL")
            + ", gridX, gridY, gridZ, blockX, blockY, blockZ, registersPerThread, "
              "staticSharedMemory, dynamicSharedMemory, "
            + in.file.column(t, "gridId", "0") + " FROM " + t,
        [&](const Statement& q) {
            GpuKernel k;
            assignWorkPlace(k, workPlaceAt(q));
            // The mangled name when there is one (the session demangles it again), else nsys's demangled name.
            const std::string mangled = q.columnIsNull(7) ? "" : in.text(q.columnInt(7));
            k.nameIndex = gpu.intern(mangled.rfind("_Z", 0) == 0 ? mangled : in.text(q.columnInt(6)));
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
        });
}

Status readCopies(NsysImport& in)
{
    const std::string t = "CUPTI_ACTIVITY_KIND_MEMCPY";
    if (!in.file.has(t))
        return Status::ok();
    GpuActivity& gpu = in.run.gpu();
    return in.file.forEach("SELECT " + std::string(kWorkPlaceColumns) + ", bytes, copyKind, "
            + in.file.column(t, "srcKind", "7") + ", " + in.file.column(t, "dstKind", "7") + " FROM " + t,
        [&](const Statement& q) {
            GpuCopy c;
            assignWorkPlace(c, workPlaceAt(q));
            c.bytes = uint64_t(q.columnInt(6));
            c.copyKind = uint8_t(q.columnInt(7));
            c.srcKind = uint8_t(q.columnIsNull(8) ? 7 : q.columnInt(8));
            c.dstKind = uint8_t(q.columnIsNull(9) ? 7 : q.columnInt(9));
            gpu.copies.push_back(c);
        });
}

Status readMemsets(NsysImport& in)
{
    const std::string t = "CUPTI_ACTIVITY_KIND_MEMSET";
    if (!in.file.has(t))
        return Status::ok();
    GpuActivity& gpu = in.run.gpu();
    return in.file.forEach("SELECT " + std::string(kWorkPlaceColumns) + ", bytes, value, "
            + in.file.column(t, "memKind", "7") + " FROM " + t,
        [&](const Statement& q) {
            GpuMemset m;
            assignWorkPlace(m, workPlaceAt(q));
            m.bytes = uint64_t(q.columnInt(6));
            m.value = uint32_t(q.columnInt(7));
            m.memoryKind = uint8_t(q.columnIsNull(8) ? 7 : q.columnInt(8));
            gpu.memsets.push_back(m);
        });
}

Status readSyncs(NsysImport& in)
{
    const std::string t = "CUPTI_ACTIVITY_KIND_SYNCHRONIZATION";
    if (!in.file.has(t))
        return Status::ok();
    GpuActivity& gpu = in.run.gpu();
    return in.file.forEach("SELECT start, \"end\", contextId, streamId, coalesce(correlationId, 0), "
            + in.file.column(t, "syncType", "0") + ", " + in.file.column(t, "eventId", "0") + " FROM " + t,
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
        });
}

/// The process that made the most calls and ranges is the one that was profiled (0 when none made any).
int64_t profiledPid(const std::map<int64_t, int64_t>& eventsPerPid)
{
    int64_t pid = 0, most = -1;
    for (const auto& [candidate, count] : eventsPerPid)
        if (count > most) {
            most = count;
            pid = candidate;
        }
    return pid;
}

/// The profiled process's name (PROCESSES) and the GPU's (TARGET_INFO_GPU), where the file has them.
void readProcessAndDevice(const NsysFile& file, int64_t pid, RunData& data)
{
    if (file.has("PROCESSES")) {
        Statement process(file.db(), "SELECT name FROM PROCESSES WHERE pid = ?");
        process.bind(1, pid);
        if (process.step() == SQLITE_ROW)
            data.processName = process.columnText(0);
    }
    if (file.has("TARGET_INFO_GPU")) {
        Statement device(file.db(), "SELECT name FROM TARGET_INFO_GPU LIMIT 1");
        if (device.step() == SQLITE_ROW) {
            data.run.device = "cuda:0";
            data.run.deviceName = device.columnText(0);
        }
    }
}

} // namespace

Result<RunData> readNsysSqlite(const std::string& path, ExchangeStats& stats)
{
    NsysFile file;
    ES_RETURN_IF_ERROR(file.open(path));
    ImportedRun run(path, "Nsight Systems");
    const std::string version = readSchemaVersion(file);
    run.data().run.configJson
        = "{\"imported_from\": \"Nsight Systems\", \"export_schema_version\": \"" + version + "\"}";
    NsysImport in { file, run, readStrings(file), {} };
    ES_RETURN_IF_ERROR(readThreadNames(in));
    ES_RETURN_IF_ERROR(readNvtxRanges(in));
    ES_RETURN_IF_ERROR(readApiCalls(in));
    ES_RETURN_IF_ERROR(readKernels(in));
    ES_RETURN_IF_ERROR(readCopies(in));
    ES_RETURN_IF_ERROR(readMemsets(in));
    ES_RETURN_IF_ERROR(readSyncs(in));
    const int64_t pid = profiledPid(in.eventsPerPid);
    RunData& data = run.data();
    data.pid = pid > 0 ? pid : 1;
    readProcessAndDevice(file, pid, data);
    data.run.title += version.empty() ? "" : ", export schema " + version;
    struct stat info;
    if (stat(path.c_str(), &info) == 0)
        stats.bytes += int64_t(info.st_size);
    return run.finish(stats);
}

} // namespace es::prof
