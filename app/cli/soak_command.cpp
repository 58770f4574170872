// SPDX-License-Identifier: Apache-2.0
#include "soak_command.h"

#include "cli_support.h"
#include "commands.h"
#include "edgescope/engine/soak.h"
#include "edgescope/engine/steps.h"
#include "model/vocabulary.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <ostream>

namespace es::cli {

namespace {

std::string clockText(double seconds)
{
    char text[32];
    const long long whole = (long long)(seconds + 0.5);
    std::snprintf(text, sizeof text, "%lld:%02lld", whole / 60, whole % 60);
    return text;
}

double megabytes(int64_t bytes)
{
    return double(bytes) / (1024.0 * 1024.0);
}

std::string sampleLine(const engine::SoakSample& sample)
{
    char line[320];
    std::snprintf(line, sizeof line,
        "%8s  runs %5lld  frames %7lld  fps %6.2f  rss %8.1f MB  fds %4lld  threads %3lld  dropped gpu %lld "
        "sampler %lld  session %8.1f MB",
        clockText(sample.elapsedSeconds).c_str(), (long long)sample.runs, (long long)sample.frames, sample.fps,
        megabytes(sample.rssBytes), (long long)sample.openFds, (long long)sample.threads,
        (long long)sample.gpuRecordsDropped, (long long)sample.samplerSamplesMissed, megabytes(sample.sessionBytes));
    return line;
}

nlohmann::json sampleToJson(const engine::SoakSample& sample)
{
    return { { "elapsed_s", sample.elapsedSeconds }, { "runs", sample.runs }, { "frames", sample.frames },
        { "fps", sample.fps }, { "rss_bytes", sample.rssBytes }, { "open_fds", sample.openFds },
        { "threads", sample.threads }, { "gpu_records_dropped", sample.gpuRecordsDropped },
        { "sampler_samples_missed", sample.samplerSamplesMissed }, { "session_bytes", sample.sessionBytes } };
}

/// reportFailure in soak's spelling: its --step sets the engine's option "steps".
int reportSoakFailure(const Status& status, std::ostream& err)
{
    return reportFailure(status, err, status.option() == "steps" ? "--step" : "");
}

} // namespace

CLI::App* addSoakCommand(CLI::App& app, SoakArguments& arguments)
{
    arguments.lab.profile = es::profile_level::kFull;
    arguments.lab.frames = 20;
    arguments.lab.warmup = 1;
    arguments.lab.measureDetectorOnly = false;
    CLI::App* soak = app.add_subcommand("soak",
        "Run one step again and again with profiling for a wall time, reporting every minute the RSS, open files, "
        "threads, dropped samples and session size (a long-run check for boards that run for hours)");
    auto* video = soak->add_option("--video", arguments.video, "Video file, camera or .y4m file (used in a loop)");
    soak->add_option("--synthetic", arguments.synthetic, "Generated frames of size WxH instead of a video")
        ->excludes(video);
    soak->add_option("--step", arguments.step, "The step to run (number or id)")->capture_default_str();
    soak->add_option("--duration", arguments.duration, "Wall time: seconds, or 90s, 30m, 1h30m")->capture_default_str();
    soak->add_option("--report-every", arguments.reportEvery, "Report period (same forms)")->capture_default_str();
    soak->add_option("--frames", arguments.lab.frames, "Frames measured per run")->capture_default_str();
    soak->add_option("--batch", arguments.lab.batch, "Frames per batch in steps 3 and 4")->capture_default_str();
    soak->add_option("--device", arguments.lab.device, "auto, cpu or cuda")->capture_default_str();
    soak->add_option("--threads", arguments.lab.threads, "LibTorch threads (0: every logical core)")
        ->capture_default_str();
    soak->add_option("--profile", arguments.lab.profile, "off, light or full")->capture_default_str();
    soak->add_option("--sample-period", arguments.lab.samplerPeriodMs, "System sampler period in ms")
        ->capture_default_str();
    soak->add_option("--weights", arguments.lab.weightsPath,
        "SSD300 weights: a fetched name (ssd300), a file or seeded (default: the fetched ssd300 when cached)");
    soak->add_option("--out", arguments.lab.sessionPath, "The session every run is appended to")->required();
    soak->add_option("--max-rss-growth", arguments.maxRssGrowthPercent,
        "Exit 1 when RSS grows more than this many percent after the first report");
    soak->add_flag("--json", arguments.json, "Print one JSON object at the end instead of a line per report");
    soak->add_flag("-q,--quiet", arguments.quiet, "No progress on stderr");
    return soak;
}

int soakCommand(SoakArguments& arguments, std::ostream& out, std::ostream& err)
{
    engine::SoakOptions options;
    options.lab = arguments.lab;
    const Status input = applyFrameInput(options.lab, arguments.video, arguments.synthetic);
    if (!input.isOk())
        return reportSoakFailure(input, err);
    auto step = engine::parseStepList(arguments.step);
    if (!step)
        return reportSoakFailure(step.status(), err);
    if (step->size() != 1)
        return reportSoakFailure(
            Status(StatusCode::InvalidArgument, "--step takes one step, not " + arguments.step), err);
    options.lab.steps = step.value();
    auto seconds = parseDurationSeconds(arguments.duration);
    if (!seconds)
        return reportSoakFailure(seconds.status(), err);
    auto period = parseDurationSeconds(arguments.reportEvery);
    if (!period)
        return reportSoakFailure(period.status(), err);
    options.seconds = seconds.value();
    options.reportSeconds = period.value();
    auto weights = weightsFileFor("ssd300", options.lab.weightsPath);
    if (!weights)
        return reportSoakFailure(weights.status(), err);
    options.lab.weightsPath = weights.value();
    const Status valid = engine::validateLabOptions(options.lab);
    if (!valid.isOk())
        return reportSoakFailure(valid, err);

    const InterruptGuard interrupt;
    options.lab.cancel = interrupt.flag();
    if (!arguments.quiet)
        err << "soak: step " << arguments.step << ", " << clockText(options.seconds) << " of wall time, profile "
            << options.lab.profile << ", runs of " << options.lab.frames << " frames into " << options.lab.sessionPath
            << "\n";
    auto result = engine::runSoak(options, [&](const engine::SoakSample& sample) {
        if (!arguments.json)
            out << sampleLine(sample) << std::endl;
    });
    if (!result)
        return reportSoakFailure(result.status(), err);

    const engine::SoakSample& first = result->samples.front();
    const engine::SoakSample& last = result->samples.back();
    if (arguments.json) {
        nlohmann::json samples = nlohmann::json::array();
        for (const auto& sample : result->samples)
            samples.push_back(sampleToJson(sample));
        out << nlohmann::json { { "samples", samples }, { "rss_growth_percent", result->rssGrowthPercent },
            { "fd_growth", result->fdGrowth }, { "cancelled", result->cancelled } }
                   .dump(2)
            << "\n";
    }
    char summary[400];
    std::snprintf(summary, sizeof summary,
        "soak: %s, %lld runs, %lld frames; RSS %.1f -> %.1f MB (%+.2f %% after the first report), open files "
        "%+lld, dropped GPU records %lld, missed sampler samples %lld, session %.1f MB\n",
        clockText(last.elapsedSeconds).c_str(), (long long)last.runs, (long long)last.frames, megabytes(first.rssBytes),
        megabytes(last.rssBytes), result->rssGrowthPercent, (long long)result->fdGrowth,
        (long long)last.gpuRecordsDropped, (long long)last.samplerSamplesMissed, megabytes(last.sessionBytes));
    err << summary;
    if (result->cancelled && interrupt.signalNumber())
        return reportInterrupted(interrupt, options.lab.sessionPath, err);
    if (arguments.maxRssGrowthPercent >= 0 && result->rssGrowthPercent > arguments.maxRssGrowthPercent) {
        err << "edgescope-cli: error: RSS grew " << result->rssGrowthPercent << " % (limit "
            << arguments.maxRssGrowthPercent << " %)\n";
        return kExitFailed;
    }
    return kExitOk;
}

} // namespace es::cli
