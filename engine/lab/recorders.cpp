// SPDX-License-Identifier: Apache-2.0
#include "lab/recorders.h"

#include "model/vocabulary.h"

#include <algorithm>

namespace es::engine {

namespace {

void say(const LabOptions& options, const std::string& line)
{
    if (options.progress)
        options.progress(line);
}

} // namespace

void mergeTracks(std::vector<prof::CounterTrack>& into, std::vector<prof::CounterTrack> tracks)
{
    for (prof::CounterTrack& track : tracks) {
        auto found = std::find_if(
            into.begin(), into.end(), [&](const prof::CounterTrack& known) { return known.name == track.name; });
        if (found == into.end())
            into.push_back(std::move(track));
        else
            found->samples.insert(found->samples.end(), track.samples.begin(), track.samples.end());
    }
}

void Recorders::start(const LabOptions& options, LabResult& lab)
{
    recording = options.profile != es::profile_level::kOff;
    operatorsWanted = options.profile == es::profile_level::kFull;
    ranges.setEnabled(recording);
    if (!recording)
        return;
    prof::SamplerOptions samplerOptions;
    samplerOptions.periodMs = options.samplerPeriodMs;
    samplerOptions.root = options.systemRoot;
    sampler = std::make_unique<prof::SystemSampler>(samplerOptions);
    for (const std::string& note : sampler->notes())
        lab.notes.push_back("sampler: " + note);
    sampler->start();
    if (!options.tegrastatsCommand.empty()) {
        tegrastats = std::make_unique<prof::TegrastatsProcess>();
        const Status started = tegrastats->start(options.tegrastatsCommand, options.samplerPeriodMs);
        if (!started.isOk()) {
            lab.notes.push_back("tegrastats: " + started.message());
            tegrastats.reset();
        }
    }
    if (operatorsWanted)
        startGpuTracing(options, lab);
}

void Recorders::startGpuTracing(const LabOptions& options, LabResult& lab)
{
    prof::GpuTracerOptions tracerOptions;
    tracerOptions.driverApi = options.traceDriverApi;
    gpu = prof::createGpuTracer(tracerOptions, lab.devices.gpu);
    const Status started = gpu->start();
    if (started.isOk()) {
        lab.gpuTracing = es::gpu_tracing::kTraced;
        say(options, "GPU tracing on (CUPTI)");
        return;
    }
    lab.gpuTracing = es::gpu_tracing::kUnavailable;
    lab.gpuTracingReason = gpu->status().reason;
    lab.gpuTracingFix = gpu->status().fix;
    const std::string line = "GPU tracing unavailable: " + lab.gpuTracingReason + " (fix: " + lab.gpuTracingFix
        + "); the run goes on without GPU activity";
    lab.notes.push_back(line);
    say(options, line);
    gpu.reset();
}

int64_t Recorders::collectRound(int64_t startNs, int64_t endNs, StepCapture& capture)
{
    std::vector<prof::RangeEvent> roundRanges = ranges.snapshot();
    capture.ranges.insert(capture.ranges.end(), roundRanges.begin(), roundRanges.end());
    capture.threads = ranges.threads();
    if (!recording)
        return -1;
    std::vector<prof::CounterTrack> tracks = sampler->tracks(startNs, endNs);
    int64_t taken = 0;
    for (const prof::CounterTrack& track : tracks)
        taken = std::max<int64_t>(taken, int64_t(track.samples.size()));
    mergeTracks(capture.counters, std::move(tracks));
    if (tegrastats) {
        std::vector<prof::CounterTrack> tegra = tegrastats->tracks(startNs, endNs);
        for (prof::CounterTrack& track : tegra)
            track.name = "tegrastats " + track.name;
        mergeTracks(capture.counters, std::move(tegra));
    }
    std::vector<prof::OperatorRecord> roundOperators = operators.take();
    capture.operators.insert(capture.operators.end(), std::make_move_iterator(roundOperators.begin()),
        std::make_move_iterator(roundOperators.end()));
    if (gpu) {
        auto activity = gpu->collect();
        if (activity) {
            prof::GpuActivity round = activity.value().slice(startNs, endNs);
            const prof::GpuClockMapping clock = round.clock; // append() keeps records, not the clock mapping
            capture.gpu.append(std::move(round));
            capture.gpu.clock = clock;
            capture.gpuState = es::gpu_tracing::kTraced;
        } else {
            capture.gpuState = es::gpu_tracing::kUnavailable;
            capture.gpuTracing = gpu->status();
        }
    }
    return taken;
}

void Recorders::stop(const LabOptions& options, LabResult& lab)
{
    if (gpu)
        gpu->stop();
    if (sampler)
        sampler->stop();
    if (tegrastats) {
        tegrastats->stop();
        if (tegrastats->linesParsed() == 0)
            lab.notes.push_back("tegrastats (" + options.tegrastatsCommand + ") printed no line EdgeScope could read ("
                + std::to_string(tegrastats->linesRejected()) + " rejected); is it installed?");
    }
}

} // namespace es::engine
