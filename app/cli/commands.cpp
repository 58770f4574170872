// SPDX-License-Identifier: Apache-2.0
#include "commands.h"

#include "cli_support.h"
#include "soak_command.h"

#include "bench_tables.h"
#include "clock.h"
#include "exchange.h"

#include "es_config.h"

#include "frame_source.h"
#include "lab.h"
#include "model_bench.h"
#include "reports.h"
#include "session_stats.h"
#include "steps.h"
#include "tegrastats.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <unistd.h>

namespace es::cli {

namespace {

struct RunArguments
{
    std::string video;
    std::string synthetic;
    std::string steps = "all";
    std::string output;
    bool json = false;
    bool quiet = false;
};

std::string stepHelp()
{
    std::string text = "Steps to run: all, numbers (0,2,4) or ids:";
    for (const auto& step : engine::allSteps())
        text += std::string("\n  ") + step.id + ": " + step.change;
    return text;
}

int runCommand(engine::LabOptions options, const RunArguments& arguments, std::ostream& out, std::ostream& err)
{
    const InterruptGuard interrupt;
    options.cancel = interrupt.flag();
    const Status input = applyFrameInput(options, arguments.video, arguments.synthetic);
    if (!input.isOk())
        return reportFailure(input, err);
    auto steps = engine::parseStepList(arguments.steps);
    if (!steps)
        return reportFailure(steps.status(), err);
    options.steps = steps.value();
    const Status valid = engine::validateLabOptions(options);
    if (!valid.isOk())
        return reportFailure(valid, err);

    const bool terminal = isatty(STDERR_FILENO);
    // Progress overwrites itself on a terminal; "done" and what the user must know (GPU tracing) stay.
    options.progress = progressPrinter(err, arguments.quiet,
        [](const std::string& line) { return line == "done" || line.rfind("GPU tracing", 0) == 0; });
    auto lab = engine::runLab(options);
    if (!lab) {
        if (terminal && !arguments.quiet)
            err << "\n";
        if (lab.status().code() == StatusCode::Cancelled && interrupt.signalNumber())
            return reportInterrupted(interrupt, options.sessionPath, err);
        return reportFailure(lab.status(), err);
    }
    if (!arguments.output.empty()) {
        std::ofstream file(arguments.output);
        file << engine::labToJson(lab.value(), /*withDetections=*/true).dump(2) << "\n";
        if (!file)
            return reportFailure(
                Status(StatusCode::IoError, "cannot write " + arguments.output + ": " + std::strerror(errno)), err);
        err << "results written to " << arguments.output << "\n";
    }
    if (!lab->sessionPath.empty())
        err << "session: " << lab->runIds.size() << " runs appended to " << lab->sessionPath << "\n";
    if (arguments.json)
        out << engine::labToJson(lab.value(), /*withDetections=*/false).dump(2) << "\n";
    else
        printLabTable(lab.value(), out);
    return kExitOk;
}

struct BenchArguments
{
    std::string models = "all";
    std::string precisions = "auto";
    std::vector<std::string> weights;
    bool json = false;
    bool quiet = false;
};

int benchCommand(engine::BenchOptions options, const BenchArguments& arguments, std::ostream& out, std::ostream& err)
{
    auto models = engine::parseModelList(arguments.models);
    if (!models)
        return reportFailure(models.status(), err);
    options.models = models.value();
    auto precisions = engine::parsePrecisionList(arguments.precisions);
    if (!precisions)
        return reportFailure(precisions.status(), err);
    options.precisions = precisions.value();
    for (const std::string& item : arguments.weights) {
        const size_t equals = item.find('=');
        auto model = engine::parseModelList(equals == std::string::npos ? "" : item.substr(0, equals));
        if (!model || model->size() != 1 || equals + 1 >= item.size())
            return reportFailure(Status(StatusCode::InvalidArgument,
                                     "--weights " + item + ": expected MODEL=FILE, e.g. yolo=yolov3-tiny.weights"),
                err);
        options.weights[model->front()] = item.substr(equals + 1);
    }
    const bool terminal = isatty(STDERR_FILENO);
    const InterruptGuard interrupt;
    options.cancel = interrupt.flag();
    options.progress = progressPrinter(err, arguments.quiet);
    auto bench = engine::runBench(options);
    if (terminal && !arguments.quiet)
        err << "\r\033[K";
    if (!bench && bench.status().code() == StatusCode::Cancelled && interrupt.signalNumber())
        return reportInterrupted(interrupt, options.sessionPath, err);
    if (!bench)
        return reportFailure(bench.status(), err);
    if (arguments.json)
        out << engine::benchToJson(bench.value()).dump(2) << "\n";
    else
        printBenchTable(bench.value(), out);
    return kExitOk;
}

struct StatsArguments
{
    std::string session;
    std::string run;
    std::string step;
    std::string report = "all";
    std::string format = "table";
};

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

struct ExchangeArguments
{
    std::string input;
    std::string output;
    std::string run;
    std::string step;
    std::string format;
};

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

struct CompareArguments
{
    std::vector<std::string> sessions;
    int64_t base = -1;
    int64_t with = -1;
    std::string format = "table";
};

int compareCommand(const CompareArguments& arguments, std::ostream& out, std::ostream& err)
{
    if (arguments.format != "table" && arguments.format != "json")
        return reportFailure(
            Status(StatusCode::InvalidArgument, "--format " + arguments.format + " is unknown (table or json)"), err);
    std::vector<std::unique_ptr<prof::SessionStore>> stores;
    for (const std::string& path : arguments.sessions) {
        auto store = prof::SessionStore::openForReading(path);
        if (!store)
            return reportFailure(store.status(), err);
        stores.push_back(std::move(store.value()));
    }
    // Model-bench runs get the bench tables; the runs of lab steps (and imports) the analysis and its findings.
    std::vector<std::vector<prof::BenchRun>> benchRuns;
    std::vector<std::vector<prof::RunSummary>> labRuns;
    for (const auto& store : stores) {
        auto bench = prof::readBenchRuns(*store);
        auto all = store->runs();
        if (!bench)
            return reportFailure(bench.status(), err);
        if (!all)
            return reportFailure(all.status(), err);
        benchRuns.push_back(std::move(bench.value()));
        std::vector<prof::RunSummary> lab;
        for (auto& run : all.value())
            if (!prof::isBenchStep(run.record.step))
                lab.push_back(std::move(run));
        labRuns.push_back(std::move(lab));
    }
    const bool anyBench = std::any_of(benchRuns.begin(), benchRuns.end(), [](const auto& b) { return !b.empty(); });
    std::vector<prof::RunAnalysis> runs;
    std::vector<prof::Comparison> comparisons;
    if (stores.size() == 1 && arguments.base < 0 && arguments.with < 0) {
        if (!labRuns[0].empty() || !anyBench) {
            std::vector<int64_t> ids;
            for (const auto& run : labRuns[0])
                ids.push_back(run.runId);
            if (ids.empty())
                ids.push_back(-1);
            auto lab = prof::analyzeSession(*stores[0], ids);
            if (!lab)
                return reportFailure(lab.status(), err);
            runs = std::move(lab.value().runs);
            comparisons = std::move(lab.value().steps);
        }
    } else if (arguments.base >= 0 || arguments.with >= 0 || !anyBench
        || (!labRuns.front().empty() && !labRuns.back().empty())) {
        // Two runs: --base in the first session, --with in the last; by default the first session's first run and
        // the last session's last run (two sessions), or the step with the same id when both sessions have it.
        prof::SessionStore& first = *stores.front();
        prof::SessionStore& last = *stores.back();
        const auto& firstRuns = labRuns.front();
        const auto& lastRuns = labRuns.back();
        if (arguments.base < 0 && arguments.with < 0 && (firstRuns.empty() || lastRuns.empty()))
            return reportFailure(Status(StatusCode::InvalidArgument, "a session to compare has no run"), err);
        std::vector<std::pair<int64_t, int64_t>> pairs;
        if (arguments.base >= 0 || arguments.with >= 0) {
            if ((arguments.base < 0 && firstRuns.empty()) || (arguments.with < 0 && lastRuns.empty()))
                return reportFailure(Status(StatusCode::InvalidArgument, "a session to compare has no run"), err);
            pairs.emplace_back(arguments.base >= 0 ? arguments.base : firstRuns.front().runId,
                arguments.with >= 0 ? arguments.with : lastRuns.back().runId);
        } else {
            for (const auto& a : firstRuns)
                for (const auto& b : lastRuns)
                    if (a.record.step == b.record.step)
                        pairs.emplace_back(a.runId, b.runId);
            if (pairs.empty())
                pairs.emplace_back(firstRuns.front().runId, lastRuns.back().runId);
        }
        for (const auto& [baseId, withId] : pairs) {
            auto base = prof::analyzeRun(first, baseId);
            if (!base)
                return reportFailure(Status(StatusCode::InvalidArgument, base.status().message()), err);
            auto with = prof::analyzeRun(last, withId, &base.value().metrics);
            if (!with)
                return reportFailure(Status(StatusCode::InvalidArgument, with.status().message()), err);
            comparisons.push_back(prof::compareRuns(base.value(), with.value()));
            runs.push_back(base.value());
            runs.push_back(with.value());
        }
    }
    std::vector<prof::StatsTable> benchTables;
    for (const auto& bench : benchRuns)
        if (!bench.empty())
            benchTables.push_back(prof::modelPrecisionTable(bench));
    std::optional<prof::StatsTable> devices;
    if (stores.size() >= 2 && std::all_of(benchRuns.begin(), benchRuns.end(), [](const auto& b) { return !b.empty(); }))
        devices = prof::deviceModelTable(benchRuns);
    if (arguments.format == "json") {
        nlohmann::json result = { { "runs", nlohmann::json::array() }, { "comparisons", nlohmann::json::array() } };
        for (const auto& run : runs)
            result["runs"].push_back(runAnalysisToJson(run));
        for (const auto& comparison : comparisons)
            result["comparisons"].push_back(comparisonToJson(comparison));
        if (!benchTables.empty()) {
            result["bench"] = { { "model_precision", nlohmann::json::array() } };
            for (const auto& table : benchTables)
                result["bench"]["model_precision"].push_back(statsToJson(table));
            if (devices)
                result["bench"]["device_model"] = statsToJson(*devices);
        }
        out << result.dump(2) << "\n";
        return kExitOk;
    }
    if (!runs.empty())
        out << "Runs and their findings:\n";
    for (const auto& run : runs)
        printRunAnalysis(run, out);
    for (const auto& comparison : comparisons)
        printComparison(comparison, out);
    for (size_t i = 0; i < benchTables.size(); ++i) {
        out << "\nModel bench (model x precision)"
            << (benchTables.size() > 1 ? ", session " + std::to_string(i + 1) : "") << ":\n";
        printStats(benchTables[i], "table", out);
    }
    if (devices) {
        out << "\nModel bench (device x model, FPS):\n";
        printStats(*devices, "table", out);
    }
    return kExitOk;
}

int tegrastatsCommand(const std::string& path, bool json, std::ostream& out, std::ostream& err)
{
    std::ifstream file(path);
    if (!file)
        return reportFailure(Status(StatusCode::NotFound, "cannot read " + path + ": " + std::strerror(errno)), err);
    std::map<std::string, prof::CounterTrack> tracks;
    int64_t parsed = 0, rejected = 0, lineNumber = 0;
    std::string firstRejected;
    for (std::string line; std::getline(file, line);) {
        ++lineNumber;
        if (line.find_first_not_of(" \t\r") == std::string::npos)
            continue;
        auto sample = prof::parseTegrastatsLine(line);
        if (!sample) {
            if (firstRejected.empty())
                firstRejected = "line " + std::to_string(lineNumber) + ": " + sample.status().message();
            ++rejected;
            continue;
        }
        prof::appendTegrastatsSample(sample.value(), parsed++, tracks); // time = line number
    }
    if (parsed == 0)
        return reportFailure(
            Status(StatusCode::CorruptData,
                path + " has no tegrastats line" + (firstRejected.empty() ? "" : " (" + firstRejected + ")")),
            err);
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
    if (json) {
        nlohmann::json result = statsToJson(table);
        result["lines"] = parsed;
        result["rejected"] = rejected;
        out << result.dump(2) << "\n";
    } else {
        out << path << ": " << parsed << " lines read"
            << (rejected ? ", " + std::to_string(rejected) + " rejected" : "") << "\n\n";
        printStats(table, "table", out);
    }
    if (rejected)
        err << "edgescope-cli: " << rejected << " lines were not tegrastats lines (first: " << firstRejected << ")\n";
    return kExitOk;
}

} // namespace

int runCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err)
{
    CLI::App app { "EdgeScope: a profiling-driven optimization lab for edge AI (SSD300 video pipeline)",
        "edgescope-cli" };
    app.require_subcommand(1);
    app.set_version_flag("--version", ES_VERSION);

    engine::LabOptions options;
    RunArguments arguments;
    CLI::App* run
        = app.add_subcommand("run", "Run the optimization steps on the same frames and print a table per step");
    auto* video = run->add_option("--video", arguments.video,
        "Video file, camera (/dev/video0 or 0), GStreamer pipeline "
        "(contains '!') or .y4m file");
    auto* synthetic
        = run->add_option("--synthetic", arguments.synthetic, "Generated frames of size WxH instead of a video");
    video->excludes(synthetic);
    run->add_option("--frames", options.frames, "Frames measured per step")->capture_default_str();
    run->add_option("--warmup", options.warmup, "Warm-up frames per step, not measured")->capture_default_str();
    run->add_option("--steps", arguments.steps, stepHelp())->capture_default_str();
    run->add_option("--device", options.device, "auto, cpu or cuda")->capture_default_str();
    run->add_option("--batch", options.batch, "Frames per batch in steps 3 and 4")->capture_default_str();
    run->add_option("--weights", options.weightsPath,
        "SSD300 weights: a TorchScript module or a saved state dict (docs/weights.md); default: seeded");
    run->add_option("--threads", options.threads, "LibTorch threads (0: OMP_NUM_THREADS or every logical core)")
        ->capture_default_str();
    run->add_option("--seed", options.seed, "Seed of the seeded weights")->capture_default_str();
    run->add_flag("--json", arguments.json, "Print exactly one JSON object on stdout (progress stays on stderr)");
    run->add_option(
        "-o,--output", arguments.output, "Also write the full results (with every detection) as JSON to FILE");
    run->add_flag("-q,--quiet", arguments.quiet, "No progress on stderr");
    run->add_flag("!--no-detector-only", options.measureDetectorOnly, "Skip the detector-only measurement");
    run->add_option(
        "--out", options.sessionPath, "Write one run per step to this lab session (SQLite; appended when it exists)");
    run->add_option("--profile", options.profile,
           "off: record nothing (the overhead reference); light: NVTX-mirrored ranges and system samplers; "
           "full: also LibTorch operators and, where CUPTI works, GPU activity")
        ->capture_default_str();
    run->add_option("--sample-period", options.samplerPeriodMs, "System sampler period in ms")->capture_default_str();
    run->add_flag("--trace-driver-api", options.traceDriverApi,
        "With --profile full: trace CUDA driver API calls too (many more records)");
    run->add_option("--tegrastats", options.tegrastatsCommand,
        "On a Jetson, also read this command's output (e.g. \"sudo tegrastats\") at the sampler period");

    std::string tegrastatsLog;
    bool tegrastatsJson = false;
    CLI::App* tegrastats
        = app.add_subcommand("tegrastats", "Summarize a tegrastats log (any JetPack's line form) per counter");
    tegrastats->add_option("log", tegrastatsLog, "A file of tegrastats lines")->required();
    tegrastats->add_flag("--json", tegrastatsJson, "Print one JSON object");

    engine::BenchOptions benchOptions;
    BenchArguments benchArguments;
    CLI::App* bench = app.add_subcommand("bench",
        "The model bench: detection, classification, segmentation and pose models in each precision: latency, FPS, "
        "FLOPs, GFLOP/s against the device's measured peak, size, memory and agreement with fp32");
    std::string modelHelp = "all, or a comma list of:";
    for (const auto& model : engine::benchModels())
        modelHelp += "\n  " + model.id + ": " + model.name + ", " + model.task + " " + std::to_string(model.inputHeight)
            + "x" + std::to_string(model.inputWidth);
    bench->add_option("--models", benchArguments.models, modelHelp)->capture_default_str();
    bench
        ->add_option("--precisions", benchArguments.precisions,
            "Comma list of fp32, fp16, bf16; auto: fp32 and the device's half precision (fp16 on CUDA, bf16 on a "
            "CPU)")
        ->capture_default_str();
    bench->add_option("--batch", benchOptions.batch, "Images per inference")->capture_default_str();
    bench->add_option("--device", benchOptions.device, "auto, cpu or cuda")->capture_default_str();
    bench->add_option("--threads", benchOptions.threads, "LibTorch threads (0: OMP_NUM_THREADS or every logical core)")
        ->capture_default_str();
    bench->add_option("--video", benchOptions.video, "Take the input images from this video (default: synthetic)");
    bench->add_option("--weights", benchArguments.weights,
        "MODEL=FILE: real weights for a model (TorchScript, state dict, or darknet .weights for yolo); repeatable");
    bench->add_option("--seed", benchOptions.seed, "Seed of the seeded weights")->capture_default_str();
    bench->add_option("--min-time", benchOptions.minSeconds, "Seconds measured per model and precision, at least")
        ->capture_default_str();
    bench->add_option("--iterations", benchOptions.minIterations, "Batches measured per model and precision, at least")
        ->capture_default_str();
    bench->add_option("--warmup", benchOptions.warmup, "Batches run before measuring")->capture_default_str();
    bench->add_option("--out", benchOptions.sessionPath,
        "Append one run per model and precision to this lab session (compare and the report show them)");
    bench->add_flag("--json", benchArguments.json, "Print exactly one JSON object on stdout");
    bench->add_flag("-q,--quiet", benchArguments.quiet, "No progress on stderr");

    StatsArguments statsArguments;
    CLI::App* stats = app.add_subcommand("stats", "Summaries of a lab session, with nsys's report names and columns");
    stats->add_option("session", statsArguments.session, "The lab session (.sqlite)")->required();
    auto* runOption = stats->add_option("--run", statsArguments.run, "Only this run id");
    stats->add_option("--step", statsArguments.step, "Only the runs of this step (id, short id or number)")
        ->excludes(runOption);
    stats
        ->add_option("--report", statsArguments.report,
            "all, nvtx_sum, cuda_gpu_kern_sum, cuda_gpu_mem_time_sum, cuda_api_sum, gpu_stage_sum, gpu_frame_sum, "
            "gpu_trace, op_sum, frames, os_util or model_bench")
        ->capture_default_str();
    stats->add_option("--format", statsArguments.format, "table, csv or json")->capture_default_str();

    ExchangeArguments exportArguments;
    CLI::App* exporter = app.add_subcommand(
        "export", "Write runs of a lab session for other tools: NVTXT, nsys SQLite, Chrome/Perfetto JSON, CSV, HTML");
    exporter->add_option("session", exportArguments.input, "The lab session (.sqlite)")->required();
    auto* exportRun = exporter->add_option("--run", exportArguments.run, "Only this run id");
    exporter->add_option("--step", exportArguments.step, "Only the runs of this step (id, short id or number)")
        ->excludes(exportRun);
    exporter->add_option("--format", exportArguments.format, "nvtxt, nsys-sqlite, chrome, csv or html")->required();
    exporter->add_option("-o,--output", exportArguments.output, "The file to write")->required();

    ExchangeArguments importArguments;
    CLI::App* importer = app.add_subcommand(
        "import", "Read an nsys SQLite export, a PyTorch profiler trace (.json, .json.gz) or NVTXT into a lab session");
    importer->add_option("trace", importArguments.input, "The trace file")->required();
    importer->add_option("-o,--output", importArguments.output, "The lab session to append the run to")->required();

    CompareArguments compareArguments;
    CLI::App* compare = app.add_subcommand("compare",
        "Metrics and findings per run, and what changed between runs: every step of a lab (one session), two runs "
        "(--base, --with), or the same steps of two sessions (two devices, an import)");
    compare->add_option("sessions", compareArguments.sessions, "One or two lab sessions (.sqlite)")
        ->required()
        ->expected(1, 2);
    compare->add_option("--base", compareArguments.base, "Run id of the base (in the first session)");
    compare->add_option("--with", compareArguments.with, "Run id to compare with it (in the last session)");
    compare->add_option("--format", compareArguments.format, "table or json")->capture_default_str();

    SoakArguments soakArguments;
    CLI::App* soak = addSoakCommand(app, soakArguments);

    bool devicesJson = false;
    CLI::App* devices = app.add_subcommand("devices", "List the compute backends and say whether GPU tracing can work");
    devices->add_flag("--json", devicesJson, "Print one JSON object");

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& help) {
        out << app.help();
        return kExitOk;
    } catch (const CLI::CallForAllHelp& help) {
        out << app.help("", CLI::AppFormatMode::All);
        return kExitOk;
    } catch (const CLI::CallForVersion&) {
        out << ES_VERSION << "\n";
        return kExitOk;
    } catch (const CLI::ParseError& error) {
        err << "edgescope-cli: error: " << error.what() << "\n";
        err << "Run with --help for more information.\n";
        return kExitUsage;
    }

    try {
        if (run->parsed())
            return runCommand(options, arguments, out, err);
        if (stats->parsed())
            return statsCommand(statsArguments, out, err);
        if (bench->parsed())
            return benchCommand(benchOptions, benchArguments, out, err);
        if (compare->parsed())
            return compareCommand(compareArguments, out, err);
        if (exporter->parsed())
            return exportCommand(exportArguments, err);
        if (importer->parsed())
            return importCommand(importArguments, out, err);
        if (soak->parsed())
            return soakCommand(soakArguments, out, err);
        if (tegrastats->parsed())
            return tegrastatsCommand(tegrastatsLog, tegrastatsJson, out, err);
        if (devices->parsed()) {
            const engine::DeviceReport report = engine::probeDevices();
            if (devicesJson)
                out << engine::devicesToJson(report).dump(2) << "\n";
            else
                printDevices(report, out);
            return kExitOk;
        }
    } catch (const std::exception& error) {
        err << "edgescope-cli: internal error: " << error.what() << "\n";
        return kExitFailed;
    }
    return kExitUsage;
}

} // namespace es::cli
