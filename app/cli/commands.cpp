// SPDX-License-Identifier: Apache-2.0
#include "commands.h"

#include "cli_support.h"
#include "gate_command.h"
#include "reports.h"
#include "session_commands.h"
#include "soak_command.h"
#include "weights_command.h"

#include "es_config.h"

#include "edgescope/engine/lab.h"
#include "edgescope/engine/model_bench.h"
#include "edgescope/engine/steps.h"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <unistd.h>
#include <utility>
#include <vector>

namespace es::cli {

namespace {

struct RunArguments
{
    engine::LabOptions lab;
    std::string video;
    std::string synthetic;
    std::string steps = "all";
    std::string output;
    bool json = false;
    bool quiet = false;
    bool strict = false;
};

std::string stepHelp()
{
    std::string text = "Steps to run: all, numbers (0,2,4) or ids:";
    for (const auto& step : engine::allSteps())
        text += std::string("\n  ") + step.id + ": " + step.change;
    return text;
}

CLI::App* addRunCommand(CLI::App& app, RunArguments& arguments)
{
    engine::LabOptions& options = arguments.lab;
    CLI::App* run
        = app.add_subcommand("run", "Run the optimization steps on the same frames and print a table per step");
    auto* video = run->add_option("--video", arguments.video,
        "Video file, camera (/dev/video0 or 0), GStreamer pipeline "
        "(contains '!') or .y4m file");
    auto* synthetic
        = run->add_option("--synthetic", arguments.synthetic, "Generated frames of size WxH instead of a video");
    video->excludes(synthetic);
    run->add_option("--frames", options.frames, "Frames measured per step in each round")->capture_default_str();
    run->add_option("--warmup", options.warmup, "Warm-up frames before each round of a step, not measured")
        ->capture_default_str();
    run->add_option("--repeat", options.repeat,
           "Rounds: measure the steps N times, interleaved (s0 s1 s2 s3 s4, then rotated), and give each FPS and "
           "speedup a 95% interval")
        ->capture_default_str();
    run->add_flag("--strict", arguments.strict,
        "Exit with code 3 when a step was disturbed (other processes, clock drops, drifting stages): its figures "
        "are not to be trusted");
    run->add_option("--steps", arguments.steps, stepHelp())->capture_default_str();
    run->add_option("--device", options.device, "auto, cpu or cuda")->capture_default_str();
    run->add_option("--batch", options.batch, "Frames per batch in steps 3 and 4")->capture_default_str();
    run->add_option("--weights", options.weightsPath,
        "SSD300 weights: a fetched name (ssd300; see `weights list`), a file (torch.save, TorchScript; "
        "docs/weights.md) or seeded; default: the fetched ssd300 when it is in the cache, else seeded");
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
    run->add_option("--operator-stride", options.operatorStride,
           "With --profile full: record LibTorch operators on 1 measured batch in N (1: every batch, at about 1 us "
           "per operator)")
        ->capture_default_str();
    run->add_option("--sample-period", options.samplerPeriodMs, "System sampler period in ms")->capture_default_str();
    run->add_flag("--trace-driver-api", options.traceDriverApi,
        "With --profile full: trace CUDA driver API calls too (many more records)");
    run->add_option("--tegrastats", options.tegrastatsCommand,
        "On a Jetson, also read this command's output (e.g. \"sudo tegrastats\") at the sampler period");
    return run;
}

/// The lab options of `run`: the parsed flags with the input and the steps, checked.
Result<engine::LabOptions> labOptionsOf(const RunArguments& arguments)
{
    engine::LabOptions options = arguments.lab;
    ES_ASSIGN_OR_RETURN(options.weightsPath, weightsFileFor("ssd300", options.weightsPath));
    ES_RETURN_IF_ERROR(applyFrameInput(options, arguments.video, arguments.synthetic));
    ES_ASSIGN_OR_RETURN(options.steps, engine::parseStepList(arguments.steps));
    ES_RETURN_IF_ERROR(engine::validateLabOptions(options));
    return options;
}

/// -o FILE: the full results, with every detection, as JSON.
Status writeFullResults(const engine::LabResult& lab, const std::string& path)
{
    std::ofstream file(path);
    file << engine::labToJson(lab, /*withDetections=*/true).dump(2) << "\n";
    if (!file)
        return Status(StatusCode::IoError, "cannot write " + path + ": " + std::strerror(errno));
    return Status::ok();
}

int runCommand(const RunArguments& arguments, std::ostream& out, std::ostream& err)
{
    const InterruptGuard interrupt;
    auto checked = labOptionsOf(arguments);
    if (!checked)
        return reportFailure(checked.status(), err);
    engine::LabOptions options = std::move(checked.value());
    options.cancel = interrupt.flag();

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
        const Status written = writeFullResults(lab.value(), arguments.output);
        if (!written.isOk())
            return reportFailure(written, err);
        err << "results written to " << arguments.output << "\n";
    }
    if (!lab->sessionPath.empty())
        err << "session: " << lab->runIds.size() << " runs appended to " << lab->sessionPath << "\n";
    if (arguments.json)
        out << engine::labToJson(lab.value(), /*withDetections=*/false).dump(2) << "\n";
    else
        printLabTable(lab.value(), out);
    if (arguments.strict && lab->verdict.disturbed()) {
        err << "edgescope-cli: the run was disturbed (--strict): " << lab->verdict.reasons.front()
            << (lab->verdict.reasons.size() > 1 ? " (and " + std::to_string(lab->verdict.reasons.size() - 1) + " more)"
                                                : "")
            << "\n";
        return kExitDisturbed;
    }
    return kExitOk;
}

struct BenchArguments
{
    engine::BenchOptions bench;
    std::string models = "all";
    std::string precisions = "auto";
    std::vector<std::string> weights;
    bool json = false;
    bool quiet = false;
};

/// The --models help: "all" and each model of the zoo with its task and input size.
std::string modelHelp()
{
    std::string text = "all, or a comma list of:";
    for (const auto& model : engine::benchModels())
        text += "\n  " + model.id + ": " + model.name + ", " + model.task + " " + std::to_string(model.inputHeight)
            + "x" + std::to_string(model.inputWidth);
    return text;
}

CLI::App* addBenchCommand(CLI::App& app, BenchArguments& arguments)
{
    engine::BenchOptions& options = arguments.bench;
    CLI::App* bench = app.add_subcommand("bench",
        "The model bench: detection, classification, segmentation and pose models in each precision: latency, FPS, "
        "FLOPs, GFLOP/s against the device's measured peak, size, memory and agreement with fp32");
    bench->add_option("--models", arguments.models, modelHelp())->capture_default_str();
    bench
        ->add_option("--precisions", arguments.precisions,
            "Comma list of fp32, fp16, bf16; auto: fp32 and the device's half precision (fp16 on CUDA, bf16 on a "
            "CPU)")
        ->capture_default_str();
    bench->add_option("--batch", options.batch, "Images per inference")->capture_default_str();
    bench->add_option("--device", options.device, "auto, cpu or cuda")->capture_default_str();
    bench->add_option("--threads", options.threads, "LibTorch threads (0: OMP_NUM_THREADS or every logical core)")
        ->capture_default_str();
    bench->add_option("--video", options.video, "Take the input images from this video (default: synthetic)");
    bench->add_option("--weights", arguments.weights,
        "MODEL=FILE or MODEL=NAME: real weights for a model (a file: torch.save, TorchScript, darknet .weights for "
        "yolo; a fetched name; or seeded); repeatable. Default: each model's fetched file when it is in the cache");
    bench->add_option("--seed", options.seed, "Seed of the seeded weights")->capture_default_str();
    bench->add_option("--min-time", options.minSeconds, "Seconds measured per model and precision, at least")
        ->capture_default_str();
    bench->add_option("--iterations", options.minIterations, "Batches measured per model and precision, at least")
        ->capture_default_str();
    bench->add_option("--warmup", options.warmup, "Batches run before measuring")->capture_default_str();
    bench->add_option("--out", options.sessionPath,
        "Append one run per model and precision to this lab session (compare and the report show them)");
    bench->add_flag("--json", arguments.json, "Print exactly one JSON object on stdout");
    bench->add_flag("-q,--quiet", arguments.quiet, "No progress on stderr");
    return bench;
}

/// The bench options of `bench`: the parsed flags with the models, precisions and MODEL=FILE weights.
Result<engine::BenchOptions> benchOptionsOf(const BenchArguments& arguments)
{
    engine::BenchOptions options = arguments.bench;
    ES_ASSIGN_OR_RETURN(options.models, engine::parseModelList(arguments.models));
    ES_ASSIGN_OR_RETURN(options.precisions, engine::parsePrecisionList(arguments.precisions));
    for (const std::string& item : arguments.weights) {
        const size_t equals = item.find('=');
        auto model = engine::parseModelList(equals == std::string::npos ? "" : item.substr(0, equals));
        if (!model || model->size() != 1 || equals + 1 >= item.size())
            return Status(StatusCode::InvalidArgument,
                "--weights " + item + ": expected MODEL=FILE, e.g. yolo=yolov3-tiny.weights");
        options.weights[model->front()] = item.substr(equals + 1);
    }
    for (const std::string& model : options.models) {
        auto chosen = options.weights.find(model);
        ES_ASSIGN_OR_RETURN(const std::string file,
            weightsFileFor(model, chosen == options.weights.end() ? std::string() : chosen->second));
        if (file.empty())
            options.weights.erase(model);
        else
            options.weights[model] = file;
    }
    return options;
}

int benchCommand(const BenchArguments& arguments, std::ostream& out, std::ostream& err)
{
    auto checked = benchOptionsOf(arguments);
    if (!checked)
        return reportFailure(checked.status(), err);
    engine::BenchOptions options = std::move(checked.value());
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

CLI::App* addDevicesCommand(CLI::App& app, bool& json)
{
    CLI::App* devices = app.add_subcommand("devices", "List the compute backends and say whether GPU tracing can work");
    devices->add_flag("--json", json, "Print one JSON object");
    return devices;
}

int devicesCommand(bool json, std::ostream& out)
{
    const engine::DeviceReport report = engine::probeDevices();
    if (json)
        out << engine::devicesToJson(report).dump(2) << "\n";
    else
        printDevices(report, out);
    return kExitOk;
}

/// Parses the command line into the commands' arguments: nothing when a command is to run, else the exit code of
/// what parsing already answered (help, version, a usage error).
std::optional<int> parseCommandLine(
    CLI::App& app, int argc, const char* const* argv, std::ostream& out, std::ostream& err)
{
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
    return std::nullopt;
}

} // namespace

int runCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err)
{
    CLI::App app { "EdgeScope: a profiling-driven optimization lab for edge AI (SSD300 video pipeline)",
        "edgescope-cli" };
    app.require_subcommand(1);
    app.set_version_flag("--version", ES_VERSION);

    RunArguments run;
    TegrastatsArguments tegrastats;
    BenchArguments bench;
    StatsArguments stats;
    ExchangeArguments exported;
    ExchangeArguments imported;
    CompareArguments compare;
    SoakArguments soak;
    GateArguments gate;
    bool devicesJson = false;
    // In the order --help lists them (a braced list is built in order); each with what runs it once parsed.
    const std::vector<std::pair<CLI::App*, std::function<int()>>> commands = {
        { addRunCommand(app, run), [&] { return runCommand(run, out, err); } },
        { addTegrastatsCommand(app, tegrastats), [&] { return tegrastatsCommand(tegrastats, out, err); } },
        { addBenchCommand(app, bench), [&] { return benchCommand(bench, out, err); } },
        { addStatsCommand(app, stats), [&] { return statsCommand(stats, out, err); } },
        { addExportCommand(app, exported), [&] { return exportCommand(exported, err); } },
        { addImportCommand(app, imported), [&] { return importCommand(imported, out, err); } },
        { addCompareCommand(app, compare), [&] { return compareCommand(compare, out, err); } },
        { addGateCommand(app, gate), [&] { return gateCommand(gate, out, err); } },
        { addSoakCommand(app, soak), [&] { return soakCommand(soak, out, err); } },
        addWeightsCommand(app, out, err),
        { addDevicesCommand(app, devicesJson), [&] { return devicesCommand(devicesJson, out); } },
    };

    if (const std::optional<int> answered = parseCommandLine(app, argc, argv, out, err))
        return *answered;
    try {
        for (const auto& [command, execute] : commands)
            if (command->parsed())
                return execute();
    } catch (const std::exception& error) {
        err << "edgescope-cli: internal error: " << error.what() << "\n";
        return kExitFailed;
    }
    return kExitUsage;
}

} // namespace es::cli
