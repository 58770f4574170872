// SPDX-License-Identifier: Apache-2.0
// The entry points of exports and imports: format names, detection by content, and writing files atomically.
#include "exchange/exchange.h"

#include "exchange/export/export_internal.h"
#include "exchange/import/import_internal.h"

#include <cstring>
#include <fstream>

namespace es::prof {

Result<ExportFormat> parseExportFormat(const std::string& name)
{
    if (name == "nvtxt")
        return ExportFormat::Nvtxt;
    if (name == "nsys-sqlite" || name == "sqlite")
        return ExportFormat::NsysSqlite;
    if (name == "chrome" || name == "perfetto" || name == "json")
        return ExportFormat::Chrome;
    if (name == "csv")
        return ExportFormat::Csv;
    if (name == "html")
        return ExportFormat::Html;
    return Status(
        StatusCode::InvalidArgument, "unknown export format " + name + " (nvtxt, nsys-sqlite, chrome, csv or html)");
}

namespace {

/// "lab.csv" -> "lab.stages.csv".
std::string stagesPath(const std::string& path)
{
    const size_t dot = path.rfind('.');
    const size_t slash = path.rfind('/');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash))
        return path + ".stages.csv";
    return path.substr(0, dot) + ".stages" + path.substr(dot);
}

} // namespace

Result<ExchangeStats> exportRuns(
    const SessionStore& store, const std::vector<int64_t>& runIds, ExportFormat format, const std::string& path)
{
    if (format == ExportFormat::NsysSqlite)
        return exportNsysSqlite(store, runIds, path);
    // NVTXT holds ranges and frame markers only: load just those.
    const unsigned parts = format == ExportFormat::Nvtxt ? (kLoadRanges | kLoadFrames) : kLoadAll;
    ES_ASSIGN_OR_RETURN(std::vector<ExportRun> runs, loadExportRuns(store, runIds, parts));
    int64_t modelEvents = 0;
    for (const ExportRun& run : runs)
        modelEvents += run.model.eventCount();
    ExchangeStats stats;
    auto write = [&](const std::string& target, auto&& body) -> Status {
        ES_ASSIGN_OR_RETURN(std::unique_ptr<TextWriter> out, TextWriter::create(target));
        ES_ASSIGN_OR_RETURN(const int64_t events, body(*out));
        ES_ASSIGN_OR_RETURN(const int64_t bytes, out->finish());
        stats.events += events;
        stats.bytes += bytes;
        return Status::ok();
    };
    Status status;
    switch (format) {
    case ExportFormat::Nvtxt:
        status = write(path, [&](TextWriter& out) { return writeNvtxt(store, runs, out); });
        break;
    case ExportFormat::Chrome:
        status = write(path, [&](TextWriter& out) { return writeChrome(store, runs, out); });
        break;
    case ExportFormat::Csv:
        status = write(path, [&](TextWriter& out) { return writeCsv(store, runs, out); });
        if (status.isOk()) {
            status = write(stagesPath(path), [&](TextWriter& out) { return writeStageCsv(runs, out); });
            stats.notes.push_back("per-stage table in " + stagesPath(path));
        }
        break;
    case ExportFormat::Html:
        status = write(path, [&](TextWriter& out) { return writeHtml(store, runs, out); });
        break;
    case ExportFormat::NsysSqlite:
        break;
    }
    if (!status.isOk())
        return status;
    // The tables and the report summarize every event of the runs: count those, not the rows written.
    if (format == ExportFormat::Csv || format == ExportFormat::Html)
        stats.events = modelEvents;
    return stats;
}

Result<TraceKind> detectTraceKind(const std::string& path)
{
    std::ifstream file(path, std::ios::binary);
    if (!file)
        return Status(StatusCode::NotFound, "cannot open " + path + ": " + std::strerror(errno));
    char head[64] = {};
    file.read(head, sizeof head);
    const std::streamsize got = file.gcount();
    if (got == 0)
        return Status(StatusCode::CorruptData, path + " is empty: not a trace");
    if (got >= 16 && std::memcmp(head, "SQLite format 3", 15) == 0) {
        auto session = SessionStore::openForReading(path);
        if (session)
            return TraceKind::EdgeScopeSession;
        return TraceKind::NsysSqlite;
    }
    if (got >= 2 && static_cast<unsigned char>(head[0]) == 0x1f && static_cast<unsigned char>(head[1]) == 0x8b)
        return TraceKind::KinetoJson; // gzip: the PyTorch profiler's .json.gz
    size_t at = 0;
    if (got >= 3 && static_cast<unsigned char>(head[0]) == 0xEF && static_cast<unsigned char>(head[1]) == 0xBB)
        at = 3;
    while (at < size_t(got) && std::isspace(static_cast<unsigned char>(head[at])))
        ++at;
    if (at < size_t(got) && (head[at] == '{' || head[at] == '['))
        return TraceKind::KinetoJson;
    if (at < size_t(got)
        && (head[at] == '#' || head[at] == '@' || std::strncmp(head + at, "SetFileDisplayName", 18) == 0
            || std::isalpha(static_cast<unsigned char>(head[at]))))
        return TraceKind::Nvtxt;
    return Status(StatusCode::Unsupported,
        path + " is not a trace EdgeScope reads (an nsys SQLite export, a PyTorch profiler JSON, or NVTXT)");
}

Result<RunData> readTrace(const std::string& path, ExchangeStats* stats)
{
    ES_ASSIGN_OR_RETURN(const TraceKind kind, detectTraceKind(path));
    ExchangeStats local;
    ExchangeStats& s = stats ? *stats : local;
    switch (kind) {
    case TraceKind::NsysSqlite:
        return readNsysSqlite(path, s);
    case TraceKind::KinetoJson:
        return readKinetoJson(path, s);
    case TraceKind::Nvtxt:
        return readNvtxt(path, s);
    case TraceKind::EdgeScopeSession:
        break;
    }
    return Status(StatusCode::InvalidArgument,
        path + " is already an EdgeScope lab session: open it directly (edgescope-cli stats/export)");
}

Result<int64_t> importTrace(const std::string& path, const std::string& sessionPath, ExchangeStats* stats)
{
    ES_ASSIGN_OR_RETURN(RunData data, readTrace(path, stats));
    ES_ASSIGN_OR_RETURN(std::unique_ptr<SessionStore> store, SessionStore::openForWriting(sessionPath));
    return store->writeRun(data);
}

} // namespace es::prof
