// SPDX-License-Identifier: Apache-2.0
#include "session_commands.h"

#include "cli_support.h"
#include "commands.h"
#include "reports.h"

#include "base/clock.h"
#include "collect/tegrastats.h"
#include "exchange/exchange.h"
#include "reports/bench_tables.h"
#include "reports/device_sessions.h"
#include "reports/session_stats.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <utility>

namespace es::cli {

namespace {

/// The --report help: "all" and each report of the catalog with what it sums up.
std::string reportHelp()
{
    std::string text = "all, or one of:";
    for (const prof::StatsReportInfo& report : prof::statsReportCatalog())
        text += "\n  " + report.name + ": " + report.summary;
    return text;
}

void printExchangeStats(const std::string& what, const std::string& path, const prof::ExchangeStats& stats,
    int64_t startNs, std::ostream& err)
{
    const double seconds = std::max(1e-9, double(prof::nowNs() - startNs) / 1e9);
    char line[400];
    std::snprintf(line, sizeof line, "%s %s: %lld events, %.1f MB in %.2f s (%.2f million events/s, %.1f MB/s)\n",
        what.c_str(), path.c_str(), static_cast<long long>(stats.events), double(stats.bytes) / 1e6, seconds,
        double(stats.events) / seconds / 1e6, double(stats.bytes) / seconds / 1e6);
    err << line;
    for (const std::string& note : stats.notes)
        err << "note: " << note << "\n";
}

// compare: the sessions' runs, what is analysed of them, and the output.

using Stores = std::vector<std::unique_ptr<prof::SessionStore>>;
using RunPairs = std::vector<std::pair<int64_t, int64_t>>;

/// One session's runs as compare sorts them: model-bench runs get the bench tables; the runs of lab steps (and
/// imports) the analysis and its findings.
struct SessionRuns
{
    std::vector<prof::BenchRun> bench;
    std::vector<prof::RunSummary> lab;
};

/// What compare prints: the runs with their findings, the comparisons, and the bench tables.
struct CompareResults
{
    std::vector<prof::RunAnalysis> runs;
    std::vector<prof::Comparison> comparisons;
    std::vector<prof::StatsTable> benchTables; ///< model x precision, one per session with bench runs
    std::optional<prof::StatsTable> devices; ///< device x model, when every session (two or more) has bench runs
};

/// A folder of sessions imported on the fly, removed with everything in it when compare is done.
class ScratchFolder
{
public:
    ScratchFolder() = default;
    ScratchFolder(const ScratchFolder&) = delete;
    ScratchFolder& operator=(const ScratchFolder&) = delete;
    ~ScratchFolder()
    {
        if (!m_path.empty()) {
            std::error_code ignored;
            std::filesystem::remove_all(m_path, ignored);
        }
    }
    /// The folder, made on first use under TMPDIR (or /tmp).
    Result<std::string> path()
    {
        if (m_path.empty()) {
            const char* tmp = std::getenv("TMPDIR");
            std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/edgescope-compare.XXXXXX";
            if (!mkdtemp(pattern.data()))
                return Status(StatusCode::IoError,
                    "cannot make a scratch folder " + pattern + ": " + std::strerror(errno)
                        + " (set TMPDIR to a writable folder)");
            m_path = pattern;
        }
        return m_path;
    }

private:
    std::string m_path;
};

/// Opens each path: EdgeScope sessions as they are; traces of other tools (nsys SQLite, PyTorch profiler JSON,
/// NVTXT) imported into a scratch session first. `importedFrom` maps a scratch session back to its trace.
Result<Stores> openSessions(
    const std::vector<std::string>& paths, ScratchFolder& scratch, std::map<std::string, std::string>& importedFrom)
{
    Stores stores;
    for (const std::string& path : paths) {
        ES_ASSIGN_OR_RETURN(prof::TraceKind kind, prof::detectTraceKind(path));
        std::string sessionPath = path;
        if (kind != prof::TraceKind::EdgeScopeSession) {
            ES_ASSIGN_OR_RETURN(std::string folder, scratch.path());
            sessionPath = folder + "/import-" + std::to_string(stores.size()) + ".sqlite";
            ES_ASSIGN_OR_RETURN(int64_t runId, prof::importTrace(path, sessionPath));
            (void)runId;
            importedFrom[sessionPath] = path;
        }
        ES_ASSIGN_OR_RETURN(auto store, prof::SessionStore::openForReading(sessionPath));
        stores.push_back(std::move(store));
    }
    return stores;
}

/// Names the traces, not their scratch sessions, in what compare prints.
void renameImportedSessions(CompareResults& results, const std::map<std::string, std::string>& importedFrom)
{
    auto rename = [&](prof::RunMetrics& m) {
        auto found = importedFrom.find(m.session);
        if (found != importedFrom.end())
            m.session = found->second;
    };
    for (prof::RunAnalysis& run : results.runs)
        rename(run.metrics);
    for (prof::Comparison& c : results.comparisons) {
        rename(c.base.metrics);
        rename(c.with.metrics);
    }
}

Result<SessionRuns> readSessionRuns(const prof::SessionStore& store)
{
    auto bench = prof::readBenchRuns(store);
    auto all = store.runs();
    if (!bench)
        return bench.status();
    if (!all)
        return all.status();
    SessionRuns runs;
    runs.bench = std::move(bench.value());
    for (auto& run : all.value())
        if (!prof::isBenchStep(run.record.step))
            runs.lab.push_back(std::move(run));
    return runs;
}

/// One session, no run picked: every lab step analysed, and each step compared with the one before.
Status analyzeEveryStep(const prof::SessionStore& store, const std::vector<prof::RunSummary>& labRuns,
    const std::string& iterationMarker, CompareResults& results)
{
    std::vector<int64_t> ids;
    for (const auto& run : labRuns)
        ids.push_back(run.runId);
    if (ids.empty())
        ids.push_back(-1);
    ES_ASSIGN_OR_RETURN(prof::LabAnalysis lab, prof::analyzeSession(store, ids, iterationMarker));
    results.runs = std::move(lab.runs);
    results.comparisons = std::move(lab.steps);
    return Status::ok();
}

/// The runs to compare, base (first session) with run (last session): --base and --with, by default the first
/// session's first run and the last session's last run, or the steps with the same id when both sessions have them.
Result<RunPairs> runPairs(const CompareArguments& arguments, const std::vector<prof::RunSummary>& firstRuns,
    const std::vector<prof::RunSummary>& lastRuns)
{
    const Status noRun(StatusCode::InvalidArgument, "a session to compare has no run");
    RunPairs pairs;
    if (arguments.base >= 0 || arguments.with >= 0) {
        if ((arguments.base < 0 && firstRuns.empty()) || (arguments.with < 0 && lastRuns.empty()))
            return noRun;
        pairs.emplace_back(arguments.base >= 0 ? arguments.base : firstRuns.front().runId,
            arguments.with >= 0 ? arguments.with : lastRuns.back().runId);
        return pairs;
    }
    if (firstRuns.empty() || lastRuns.empty())
        return noRun;
    for (const auto& a : firstRuns)
        for (const auto& b : lastRuns)
            if (a.record.step == b.record.step)
                pairs.emplace_back(a.runId, b.runId);
    if (pairs.empty())
        pairs.emplace_back(firstRuns.front().runId, lastRuns.back().runId);
    return pairs;
}

/// Analyses each pair (the base run of `first`, the other of `last`) and compares them; a failure keeps its code.
Status comparePairs(const prof::SessionStore& first, const prof::SessionStore& last, const RunPairs& pairs,
    const std::string& iterationMarker, CompareResults& results)
{
    for (const auto& [baseId, withId] : pairs) {
        ES_ASSIGN_OR_RETURN(prof::RunAnalysis base, prof::analyzeRun(first, baseId, nullptr, iterationMarker));
        ES_ASSIGN_OR_RETURN(prof::RunAnalysis with, prof::analyzeRun(last, withId, &base.metrics, iterationMarker));
        results.comparisons.push_back(prof::compareRuns(base, with));
        results.runs.push_back(std::move(base));
        results.runs.push_back(std::move(with));
    }
    return Status::ok();
}

/// The lab part of compare: every step of one session, or pairs of runs; nothing when the sessions hold only
/// model-bench runs and no run was picked.
Status analyzeLabRuns(const CompareArguments& arguments, const Stores& stores, const std::vector<SessionRuns>& sessions,
    CompareResults& results)
{
    const bool anyBench
        = std::any_of(sessions.begin(), sessions.end(), [](const SessionRuns& s) { return !s.bench.empty(); });
    const bool picked = arguments.base >= 0 || arguments.with >= 0;
    if (stores.size() == 1 && !picked)
        return !sessions[0].lab.empty() || !anyBench
            ? analyzeEveryStep(*stores[0], sessions[0].lab, arguments.iteration, results)
            : Status::ok();
    if (!picked && anyBench && (sessions.front().lab.empty() || sessions.back().lab.empty()))
        return Status::ok();
    ES_ASSIGN_OR_RETURN(const RunPairs pairs, runPairs(arguments, sessions.front().lab, sessions.back().lab));
    return comparePairs(*stores.front(), *stores.back(), pairs, arguments.iteration, results);
}

/// Each session's model x precision table, and device x model when every session (two or more) has bench runs.
void addBenchTables(const std::vector<SessionRuns>& sessions, CompareResults& results)
{
    for (const SessionRuns& session : sessions)
        if (!session.bench.empty())
            results.benchTables.push_back(prof::modelPrecisionTable(session.bench));
    if (sessions.size() < 2
        || !std::all_of(sessions.begin(), sessions.end(), [](const SessionRuns& s) { return !s.bench.empty(); }))
        return;
    std::vector<std::vector<prof::BenchRun>> benchRuns;
    for (const SessionRuns& session : sessions)
        benchRuns.push_back(session.bench);
    results.devices = prof::deviceModelTable(benchRuns);
}

void printCompareJson(const CompareResults& results, std::ostream& out)
{
    nlohmann::json result = { { "runs", nlohmann::json::array() }, { "comparisons", nlohmann::json::array() } };
    for (const auto& run : results.runs)
        result["runs"].push_back(runAnalysisToJson(run));
    for (const auto& comparison : results.comparisons)
        result["comparisons"].push_back(comparisonToJson(comparison));
    if (!results.benchTables.empty()) {
        result["bench"] = { { "model_precision", nlohmann::json::array() } };
        for (const auto& table : results.benchTables)
            result["bench"]["model_precision"].push_back(statsToJson(table));
        if (results.devices)
            result["bench"]["device_model"] = statsToJson(*results.devices);
    }
    out << result.dump(2) << "\n";
}

void printCompareTables(const CompareResults& results, std::ostream& out)
{
    if (!results.runs.empty())
        out << "Runs and their findings:\n";
    for (const auto& run : results.runs)
        printRunAnalysis(run, out);
    for (const auto& comparison : results.comparisons)
        printComparison(comparison, out);
    const auto& benchTables = results.benchTables;
    for (size_t i = 0; i < benchTables.size(); ++i) {
        out << "\nModel bench (model x precision)"
            << (benchTables.size() > 1 ? ", session " + std::to_string(i + 1) : "") << ":\n";
        printStats(benchTables[i], "table", out);
    }
    if (results.devices) {
        out << "\nModel bench (device x model, FPS):\n";
        printStats(*results.devices, "table", out);
    }
}

/// The per-counter table of a tegrastats log (one sample per line); `parsed`, `rejected` and `firstRejected` say
/// how the lines went.
struct TegrastatsSummary
{
    std::map<std::string, prof::CounterTrack> tracks;
    int64_t parsed = 0;
    int64_t rejected = 0;
    std::string firstRejected;
};

TegrastatsSummary readTegrastatsLog(std::istream& file)
{
    TegrastatsSummary summary;
    int64_t lineNumber = 0;
    for (std::string line; std::getline(file, line);) {
        ++lineNumber;
        if (line.find_first_not_of(" \t\r") == std::string::npos)
            continue;
        auto sample = prof::parseTegrastatsLine(line);
        if (!sample) {
            if (summary.firstRejected.empty())
                summary.firstRejected = "line " + std::to_string(lineNumber) + ": " + sample.status().message();
            ++summary.rejected;
            continue;
        }
        prof::appendTegrastatsSample(sample.value(), summary.parsed++, summary.tracks); // time = line number
    }
    return summary;
}

prof::StatsTable tegrastatsTable(const std::map<std::string, prof::CounterTrack>& tracks)
{
    prof::StatsTable table;
    table.report = "tegrastats";
    table.columns = { "Counter", "Unit", "Samples", "Mean", "Min", "Max" };
    for (const auto& [name, track] : tracks) {
        double sum = 0, low = track.samples.front().second, high = low;
        for (const auto& sample : track.samples) {
            sum += sample.second;
            low = std::min(low, sample.second);
            high = std::max(high, sample.second);
        }
        table.rows.push_back(
            { name, track.unit, int64_t(track.samples.size()), sum / double(track.samples.size()), low, high });
    }
    return table;
}

} // namespace

CLI::App* addStatsCommand(CLI::App& app, StatsArguments& arguments)
{
    CLI::App* stats = app.add_subcommand("stats", "Summaries of a lab session, with nsys's report names and columns");
    stats->add_option("session", arguments.session, "The lab session (.sqlite)")->required();
    auto* runOption = stats->add_option("--run", arguments.run, "Only this run id");
    stats->add_option("--step", arguments.step, "Only the runs of this step (id, short id or number)")
        ->excludes(runOption);
    stats->add_option("--report", arguments.report, reportHelp())->capture_default_str();
    stats->add_option("--format", arguments.format, "table, csv or json")->capture_default_str();
    return stats;
}

int statsCommand(const StatsArguments& arguments, std::ostream& out, std::ostream& err)
{
    if (arguments.format != "table" && arguments.format != "csv" && arguments.format != "json")
        return reportFailure(
            Status(StatusCode::InvalidArgument, "--format " + arguments.format + " is unknown (table, csv or json)"),
            err);
    auto store = prof::SessionStore::openForReading(arguments.session);
    if (!store)
        return reportFailure(store.status(), err);
    auto runs = prof::selectRuns(*store.value(), arguments.run, arguments.step);
    if (!runs)
        return reportFailure(runs.status(), err);
    std::vector<std::string> reports;
    if (arguments.report == "all")
        reports = prof::statsReportNames();
    else
        reports.push_back(arguments.report);
    nlohmann::json all = nlohmann::json::array();
    for (const std::string& name : reports) {
        auto table = prof::computeReport(*store.value(), name, runs.value());
        if (!table)
            return reportFailure(table.status(), err);
        if (arguments.format == "json")
            all.push_back(statsToJson(table.value()));
        else
            printStats(table.value(), arguments.format, out);
    }
    if (arguments.format == "json")
        out << (all.size() == 1 ? all[0] : nlohmann::json { { "reports", all } }).dump(2) << "\n";
    return kExitOk;
}

CLI::App* addExportCommand(CLI::App& app, ExchangeArguments& arguments)
{
    CLI::App* exporter = app.add_subcommand(
        "export", "Write runs of a lab session for other tools: NVTXT, nsys SQLite, Chrome/Perfetto JSON, CSV, HTML");
    exporter->add_option("session", arguments.input, "The lab session (.sqlite)")->required();
    auto* exportRun = exporter->add_option("--run", arguments.run, "Only this run id");
    exporter->add_option("--step", arguments.step, "Only the runs of this step (id, short id or number)")
        ->excludes(exportRun);
    exporter->add_option("--format", arguments.format, "nvtxt, nsys-sqlite, chrome, csv or html")->required();
    exporter->add_option("-o,--output", arguments.output, "The file to write")->required();
    return exporter;
}

int exportCommand(const ExchangeArguments& arguments, std::ostream& err)
{
    auto format = prof::parseExportFormat(arguments.format);
    if (!format)
        return reportFailure(format.status(), err);
    auto store = prof::SessionStore::openForReading(arguments.input);
    if (!store)
        return reportFailure(store.status(), err);
    auto runs = prof::selectRuns(*store.value(), arguments.run, arguments.step);
    if (!runs)
        return reportFailure(runs.status(), err);
    const int64_t startNs = prof::nowNs();
    auto stats = prof::exportRuns(*store.value(), runs.value(), format.value(), arguments.output);
    if (!stats)
        return reportFailure(stats.status(), err);
    printExchangeStats("exported", arguments.output, stats.value(), startNs, err);
    return kExitOk;
}

CLI::App* addImportCommand(CLI::App& app, ExchangeArguments& arguments)
{
    CLI::App* importer = app.add_subcommand(
        "import", "Read an nsys SQLite export, a PyTorch profiler trace (.json, .json.gz) or NVTXT into a lab session");
    importer->add_option("trace", arguments.input, "The trace file")->required();
    importer->add_option("-o,--output", arguments.output, "The lab session to append the run to")->required();
    return importer;
}

int importCommand(const ExchangeArguments& arguments, std::ostream& out, std::ostream& err)
{
    const int64_t startNs = prof::nowNs();
    prof::ExchangeStats stats;
    auto runId = prof::importTrace(arguments.input, arguments.output, &stats);
    if (!runId)
        return reportFailure(runId.status(), err);
    printExchangeStats("imported", arguments.input, stats, startNs, err);
    out << "run " << runId.value() << " of " << arguments.output << "\n";
    return kExitOk;
}

CLI::App* addCompareCommand(CLI::App& app, CompareArguments& arguments)
{
    CLI::App* compare = app.add_subcommand("compare",
        "Metrics and findings per run, and what changed between runs: every step of a lab (one session), two runs "
        "(--base, --with), the same steps of two sessions (two devices), or two traces of one program before and after "
        "a change (nsys SQLite exports, PyTorch profiler traces, NVTXT: imported on the fly, compared per iteration)");
    compare
        ->add_option("sessions", arguments.sessions,
            "One or two lab sessions (.sqlite) or traces of other tools (nsys .sqlite, PyTorch profiler .json or "
            ".json.gz, NVTXT)")
        ->required()
        ->expected(1, 2);
    compare->add_option("--base", arguments.base, "Run id of the base (in the first session)");
    compare->add_option("--with", arguments.with, "Run id to compare with it (in the last session)");
    compare->add_option("--format", arguments.format, "table, json, or html (bench sessions of devices, with -o)")
        ->capture_default_str();
    compare->add_option(
        "-o,--output", arguments.output, "With --format html: the device comparison report to write (.html)");
    compare->add_option("--iteration", arguments.iteration,
        "The range that marks one iteration of an imported trace (default: ProfilerStep#N, else the range that "
        "repeats with the largest total time)");
    return compare;
}

/// compare --format html: the bench sessions side by side in one HTML page (prof::writeDeviceReport).
int writeDeviceComparison(const CompareArguments& arguments, std::ostream& out, std::ostream& err)
{
    if (arguments.output.empty())
        return reportFailure(
            Status(StatusCode::InvalidArgument, "--format html writes a file: name it with -o, e.g. -o devices.html"),
            err);
    std::vector<prof::DeviceSession> devices;
    for (const std::string& path : arguments.sessions) {
        auto device = prof::openDeviceSession(path);
        if (!device)
            return reportFailure(Status(device.status().code(),
                                     device.status().message()
                                         + " (--format html compares devices' bench sessions; a lab session's report "
                                           "is edgescope-cli export SESSION --format html -o report.html)"),
                err);
        prof::addDeviceSession(devices, std::move(device.value()));
    }
    auto written = prof::writeDeviceReport(devices, arguments.output);
    if (!written)
        return reportFailure(written.status(), err);
    out << "Wrote the comparison of " << devices.size() << " device(s) to " << arguments.output << " ("
        << written.value().bytes << " bytes)\n";
    return kExitOk;
}

int compareCommand(const CompareArguments& arguments, std::ostream& out, std::ostream& err)
{
    if (arguments.format == "html")
        return writeDeviceComparison(arguments, out, err);
    if (arguments.format != "table" && arguments.format != "json")
        return reportFailure(
            Status(StatusCode::InvalidArgument, "--format " + arguments.format + " is unknown (table, json or html)"),
            err);
    ScratchFolder scratch;
    std::map<std::string, std::string> importedFrom;
    auto stores = openSessions(arguments.sessions, scratch, importedFrom);
    if (!stores)
        return reportFailure(stores.status(), err);
    std::vector<SessionRuns> sessions;
    for (const auto& store : stores.value()) {
        auto runs = readSessionRuns(*store);
        if (!runs)
            return reportFailure(runs.status(), err);
        sessions.push_back(std::move(runs.value()));
    }
    CompareResults results;
    const Status analyzed = analyzeLabRuns(arguments, stores.value(), sessions, results);
    if (!analyzed.isOk())
        return reportFailure(analyzed, err);
    addBenchTables(sessions, results);
    renameImportedSessions(results, importedFrom);
    if (arguments.format == "json")
        printCompareJson(results, out);
    else
        printCompareTables(results, out);
    return kExitOk;
}

CLI::App* addTegrastatsCommand(CLI::App& app, TegrastatsArguments& arguments)
{
    CLI::App* tegrastats
        = app.add_subcommand("tegrastats", "Summarize a tegrastats log (any JetPack's line form) per counter");
    tegrastats->add_option("log", arguments.log, "A file of tegrastats lines")->required();
    tegrastats->add_flag("--json", arguments.json, "Print one JSON object");
    return tegrastats;
}

int tegrastatsCommand(const TegrastatsArguments& arguments, std::ostream& out, std::ostream& err)
{
    const std::string& path = arguments.log;
    std::ifstream file(path);
    if (!file)
        return reportFailure(Status(StatusCode::NotFound, "cannot read " + path + ": " + std::strerror(errno)), err);
    const TegrastatsSummary log = readTegrastatsLog(file);
    if (log.parsed == 0)
        return reportFailure(
            Status(StatusCode::CorruptData,
                path + " has no tegrastats line" + (log.firstRejected.empty() ? "" : " (" + log.firstRejected + ")")),
            err);
    const prof::StatsTable table = tegrastatsTable(log.tracks);
    if (arguments.json) {
        nlohmann::json result = statsToJson(table);
        result["lines"] = log.parsed;
        result["rejected"] = log.rejected;
        out << result.dump(2) << "\n";
    } else {
        out << path << ": " << log.parsed << " lines read"
            << (log.rejected ? ", " + std::to_string(log.rejected) + " rejected" : "") << "\n\n";
        printStats(table, "table", out);
    }
    if (log.rejected)
        err << "edgescope-cli: " << log.rejected << " lines were not tegrastats lines (first: " << log.firstRejected
            << ")\n";
    return kExitOk;
}

} // namespace es::cli
