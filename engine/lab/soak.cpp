// SPDX-License-Identifier: Apache-2.0
#include "edgescope/engine/soak.h"

#include "base/clock.h"
#include "collect/process_stats.h"
#include "model/vocabulary.h"
#include "reports/session_stats.h"

namespace es::engine {

namespace {

/// Samples the sampler missed and records CUPTI dropped in a run just appended to the session.
Status addLosses(const LabOptions& options, const LabResult& lab, SoakSample& totals)
{
    for (const StepResult& step : lab.steps) {
        if (step.gpu)
            totals.gpuRecordsDropped += int64_t(step.gpu->droppedRecords);
    }
    if (options.profile == es::profile_level::kOff || lab.runIds.empty())
        return Status::ok();
    ES_ASSIGN_OR_RETURN(auto store, prof::SessionStore::openForReading(options.sessionPath));
    for (int64_t runId : lab.runIds) {
        ES_ASSIGN_OR_RETURN(
            const prof::SamplerCoverage coverage, prof::samplerCoverage(*store, runId, options.samplerPeriodMs));
        totals.samplerSamplesMissed += coverage.missed;
    }
    return Status::ok();
}

} // namespace

Result<SoakResult> runSoak(const SoakOptions& options, const std::function<void(const SoakSample&)>& onSample)
{
    if (options.lab.steps.size() != 1)
        return Status::invalidOption("steps", "the soak runs one step: choose exactly one");
    if (options.lab.sessionPath.empty())
        return Status::invalidOption(
            "sessionPath", "the soak needs a session to append its runs to: choose a session file");
    if (!(options.seconds > 0) || !(options.reportSeconds > 0))
        return Status(StatusCode::InvalidArgument, "the soak's duration and report period must be positive");
    ES_RETURN_IF_ERROR(validateLabOptions(options.lab));

    SoakResult result;
    SoakSample totals;
    const int64_t startNs = prof::nowNs();
    const auto elapsed = [&] { return double(prof::nowNs() - startNs) / 1e9; };
    double nextReport = options.reportSeconds;
    int64_t intervalFrames = 0;
    double intervalMeasuredSeconds = 0;
    const auto report = [&] {
        SoakSample sample = totals;
        sample.elapsedSeconds = elapsed();
        sample.fps = intervalMeasuredSeconds > 0 ? double(intervalFrames) / intervalMeasuredSeconds : 0.0;
        const prof::ProcessStats process = prof::readProcessStats();
        sample.rssBytes = process.rssBytes;
        sample.openFds = process.openFds;
        sample.threads = process.threads;
        sample.sessionBytes = prof::fileSizeBytes(options.lab.sessionPath);
        result.samples.push_back(sample);
        if (onSample)
            onSample(sample);
        intervalFrames = 0;
        intervalMeasuredSeconds = 0;
    };

    while (elapsed() < options.seconds) {
        if (options.lab.cancel && options.lab.cancel->load()) {
            result.cancelled = true;
            break;
        }
        Result<LabResult> lab = runLab(options.lab);
        if (!lab) {
            if (lab.status().code() == StatusCode::Cancelled) {
                result.cancelled = true;
                break;
            }
            return lab.status();
        }
        ES_RETURN_IF_ERROR(addLosses(options.lab, lab.value(), totals));
        totals.runs += int64_t(lab->runIds.size());
        for (const StepResult& step : lab->steps) {
            totals.frames += step.frames;
            intervalFrames += step.frames;
            intervalMeasuredSeconds += step.wallSeconds;
        }
        if (elapsed() >= nextReport) {
            report();
            while (nextReport <= elapsed())
                nextReport += options.reportSeconds;
        }
    }
    if (result.samples.empty() || result.samples.back().runs != totals.runs)
        report();
    // Growth after the first report: the first interval is the warm-up (allocator pools, LibTorch's caches).
    const SoakSample& first = result.samples.front();
    const SoakSample& last = result.samples.back();
    if (first.rssBytes > 0 && last.rssBytes > 0)
        result.rssGrowthPercent = 100.0 * double(last.rssBytes - first.rssBytes) / double(first.rssBytes);
    if (first.openFds >= 0 && last.openFds >= 0)
        result.fdGrowth = last.openFds - first.openFds;
    return result;
}

} // namespace es::engine
