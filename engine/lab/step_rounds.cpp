// SPDX-License-Identifier: Apache-2.0
#include "lab/step_rounds.h"

#include "base/clock.h"
#include "model/stage_stats.h"
#include "model/vocabulary.h"
#include "runtime/cuda_memory.h"
#include "runtime/torch_support.h"

#include <algorithm>

namespace es::engine {

namespace {

void say(const LabOptions& options, const std::string& line)
{
    if (options.progress)
        options.progress(line);
}

/// What the machine did between two readings, added to the step's evidence.
void addReadings(StepProgress& progress, const prof::MachineReading& start, const prof::MachineReading& end,
    const prof::MachineProbe& probe)
{
    prof::StepEvidence& evidence = progress.step.evidence;
    evidence.windowSeconds += double(end.timeNs - start.timeNs) / 1e9;
    evidence.cpus = probe.cpus();
    if (start.busyTicks >= 0 && end.busyTicks >= 0 && start.selfTicks >= 0 && end.selfTicks >= 0) {
        const int64_t others = (end.busyTicks - start.busyTicks) - (end.selfTicks - start.selfTicks);
        evidence.otherCpuSeconds
            = std::max(0.0, evidence.otherCpuSeconds) + double(std::max<int64_t>(0, others)) / probe.ticksPerSecond();
    }
    if (start.stealTicks >= 0 && end.stealTicks >= 0)
        evidence.stealCpuSeconds = std::max(0.0, evidence.stealCpuSeconds)
            + double(std::max<int64_t>(0, end.stealTicks - start.stealTicks)) / probe.ticksPerSecond();
    for (const prof::MachineReading* reading : { &start, &end }) {
        if (reading->cpuClockMhz > 0) {
            progress.cpuClockSumMhz += reading->cpuClockMhz;
            ++progress.cpuClockReadings;
        }
        if (reading->gpuClockMhz > 0) {
            progress.gpuClockSumMhz += reading->gpuClockMhz;
            ++progress.gpuClockReadings;
        }
    }
    if (start.cpuThrottleEvents >= 0 && end.cpuThrottleEvents > start.cpuThrottleEvents)
        evidence.cpuThrottleEvents += end.cpuThrottleEvents - start.cpuThrottleEvents;
}

void sendLiveUpdate(const LabOptions& options, const StepProgress& progress, Recorders& recorders, const Frame* frame,
    double fps, double batchLatencyMs)
{
    LiveUpdate update;
    update.stepId = progress.step.id;
    update.stepNumber = progress.step.number;
    update.framesDone = progress.framesDone;
    update.framesTotal = options.frames * options.repeat;
    update.fps = fps;
    update.batchLatencyMs = batchLatencyMs;
    if (recorders.recording) {
        for (const auto& [name, totals] : prof::summarizeRanges(recorders.ranges.snapshot()))
            update.stagesMs[name] = double(totals.totalNs) / 1e6 / double(std::max<int64_t>(1, progress.framesDone));
    }
    update.frame = frame;
    if (!progress.step.detections.empty())
        update.detections = progress.step.detections.back();
    options.live(update);
}

/// --profile full: operators are recorded on the scheduled batches only (LabOptions::operatorStride); the recorder
/// is started or stopped between batches, outside their timed windows.
void followOperatorSchedule(const LabOptions& options, StepProgress& progress, Recorders& recorders)
{
    if (!recorders.operatorsWanted)
        return;
    if (progress.measuredBatches % options.operatorStride == 0) {
        recorders.operators.start();
        ++progress.step.operatorBatches;
    } else {
        recorders.operators.stop();
    }
}

/// The measured batches of one round; returns Cancelled when asked to stop between batches.
Status measureBatches(const LabOptions& options, StepProgress& progress, const std::vector<Frame>& frames,
    Recorders& recorders, int64_t roundStartNs)
{
    StepResult& step = progress.step;
    const bool keepDetections = progress.roundsDone == 0;
    int64_t doneThisRound = 0;
    for (const auto& members : makeBatches(frames, options.warmup, options.frames, progress.plan.batch)) {
        if (options.cancel && options.cancel->load())
            return Status(StatusCode::Cancelled, "cancelled during " + step.id);
        followOperatorSchedule(options, progress, recorders);
        const int64_t batchStartNs = prof::nowNs();
        BatchOutput output = progress.pipeline->run(members, progress.batchIndex);
        const int64_t batchEndNs = prof::nowNs();
        const double batchMs = double(batchEndNs - batchStartNs) / 1e6;
        if (batchMs > 0)
            step.batchFps.push_back(double(members.size()) * 1000.0 / batchMs);
        for (size_t k = 0; k < members.size(); ++k) {
            progress.latenciesMs.push_back(batchMs);
            progress.capture.frames.push_back({ progress.framesDone + int64_t(k), progress.batchIndex, batchStartNs,
                batchEndNs, int32_t(output.detections[k].size()), output.candidates[k] });
            progress.detections += int64_t(output.detections[k].size());
            progress.candidates += output.candidates[k];
            progress.nmsIterations += k < output.nmsIterations.size() ? output.nmsIterations[k] : 0;
            if (keepDetections)
                step.detections.push_back(std::move(output.detections[k]));
        }
        progress.framesDone += int64_t(members.size());
        doneThisRound += int64_t(members.size());
        ++progress.batchIndex;
        ++progress.measuredBatches;
        if (options.live)
            sendLiveUpdate(options, progress, recorders, members.back(),
                double(doneThisRound) / (double(batchEndNs - roundStartNs) / 1e9), batchMs);
        say(options,
            "[" + step.id + "] frame " + std::to_string(doneThisRound) + "/" + std::to_string(options.frames)
                + (options.repeat > 1
                        ? ", round " + std::to_string(progress.roundsDone + 1) + "/" + std::to_string(options.repeat)
                        : ""));
    }
    return Status::ok();
}

} // namespace

std::vector<std::vector<const Frame*>> makeBatches(
    const std::vector<Frame>& frames, int64_t first, int64_t count, int64_t batch)
{
    std::vector<std::vector<const Frame*>> batches;
    for (int64_t i = 0; i < count; i += batch) {
        std::vector<const Frame*> members;
        for (int64_t k = i; k < std::min(count, i + batch); ++k)
            members.push_back(&frames[size_t((first + k) % int64_t(frames.size()))]);
        batches.push_back(std::move(members));
    }
    return batches;
}

Status measureRound(const LabOptions& options, StepProgress& progress, const std::vector<Frame>& frames,
    const torch::Device& device, Recorders& recorders, const prof::MachineProbe& probe)
{
    StepResult& step = progress.step;
    say(options, "[" + step.id + "] warm-up");
    for (const auto& members : makeBatches(frames, 0, options.warmup, progress.plan.batch))
        progress.pipeline->run(members, progress.batchIndex++);
    synchronize(device);
    recorders.ranges.clear();

    if (device.is_cuda() && progress.roundsDone == 0)
        resetGpuMemoryPeak(device.index());
    const prof::MachineReading before = probe.read(prof::nowNs());
    const int64_t startNs = prof::nowNs();
    if (progress.roundsDone == 0)
        progress.capture.startNs = startNs;
    const Status measured = measureBatches(options, progress, frames, recorders, startNs);
    if (!measured.isOk()) {
        recorders.operators.stop();
        return measured;
    }
    synchronize(device);
    const int64_t endNs = prof::nowNs();
    const prof::MachineReading after = probe.read(endNs);
    progress.capture.endNs = endNs;
    if (device.is_cuda())
        step.deviceMemoryPeakBytes = std::max(step.deviceMemoryPeakBytes, gpuMemoryPeak(device.index()).allocatedBytes);
    recorders.operators.stop();
    const double seconds = double(endNs - startNs) / 1e9;
    step.wallSeconds += seconds;
    step.roundFps.push_back(seconds > 0 ? double(options.frames) / seconds : 0.0);
    addReadings(progress, before, after, probe);
    const int64_t taken = recorders.collectRound(startNs, endNs, progress.capture);
    if (taken >= 0) {
        step.evidence.samplerTaken += taken;
        step.evidence.samplerExpected += (endNs - startNs) / (int64_t(options.samplerPeriodMs) * 1000000);
    }
    ++progress.roundsDone;
    return Status::ok();
}

void finishStep(const LabOptions& options, StepProgress& progress, bool onCpu)
{
    StepResult& step = progress.step;
    step.frames = progress.framesDone;
    step.rounds = progress.roundsDone;
    const prof::Estimate fps = prof::medianWithInterval(step.batchFps);
    step.fps = fps.value;
    step.fpsInterval = fps.interval;
    step.latencyP50Ms = prof::quantile(progress.latenciesMs, 0.50);
    step.latencyP95Ms = prof::quantile(progress.latenciesMs, 0.95);
    step.latencyP99Ms = prof::quantile(progress.latenciesMs, 0.99);
    const double frames = double(std::max<int64_t>(1, progress.framesDone));
    step.detectionsPerFrame = double(progress.detections) / frames;
    step.candidatesPerFrame = double(progress.candidates) / frames;
    step.nmsIterationsPerFrame = double(progress.nmsIterations) / frames;
    if (options.profile != es::profile_level::kOff) {
        const auto totals = prof::summarizeRanges(progress.capture.ranges);
        for (const char* stage : es::stage::kAll) {
            auto found = totals.find(stage);
            step.stagesMs[stage] = found == totals.end() ? 0.0 : double(found->second.totalNs) / 1e6 / frames;
        }
    }
    prof::StepEvidence& evidence = step.evidence;
    evidence.stepId = step.id;
    evidence.batch = step.batch;
    evidence.precision = step.precision;
    evidence.onCpu = onCpu;
    evidence.roundFps = step.roundFps;
    if (progress.cpuClockReadings > 0)
        evidence.cpuClockMhz = progress.cpuClockSumMhz / progress.cpuClockReadings;
    if (progress.gpuClockReadings > 0)
        evidence.gpuClockMhz = progress.gpuClockSumMhz / progress.gpuClockReadings;
    prof::addNvmlEvidence(evidence, progress.capture.counters);
    auto detector = step.stagesMs.find(es::stage::kDetector);
    if (detector != step.stagesMs.end() && detector->second > 0)
        evidence.detectorMsPerFrame = detector->second;
}

void judgeLab(LabResult& lab)
{
    std::vector<prof::StepEvidence> evidence;
    for (const StepResult& step : lab.steps)
        evidence.push_back(step.evidence);
    // The clocks are compared between the steps' measured windows only: a reading taken before the run, on an idle
    // machine, can show a single-core turbo clock that no step under full load reaches.
    const prof::RunVerdicts verdicts = prof::judgeSteps(evidence);
    for (size_t i = 0; i < lab.steps.size(); ++i)
        lab.steps[i].verdict = verdicts.steps[i];
    lab.verdict = verdicts.run;
}

} // namespace es::engine
