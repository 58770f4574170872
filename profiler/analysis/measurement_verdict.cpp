// SPDX-License-Identifier: Apache-2.0
#include "analysis/measurement_verdict.h"

#include "store/session_store.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <utility>

namespace es::prof {

namespace {

std::string format(const char* pattern, double a, double b = 0, double c = 0, double d = 0)
{
    char text[256];
    std::snprintf(text, sizeof text, pattern, a, b, c, d);
    return text;
}

void judgeOtherProcesses(const StepEvidence& step, Verdict& verdict)
{
    if (step.otherCpuSeconds < 0 || step.cpus <= 0 || step.windowSeconds <= 0)
        return;
    const double share = step.otherCpuSeconds / (step.windowSeconds * double(step.cpus));
    if (share > kOtherCpuShareDisturbed && step.otherCpuSeconds >= kOtherCpuSecondsFloor)
        verdict.reasons.push_back(
            format("other processes used %.0f%% of the %.0f CPUs this run may use (%.2f CPU-seconds in %.2f s)",
                100.0 * share, double(step.cpus), step.otherCpuSeconds, step.windowSeconds));
    if (step.stealCpuSeconds < 0)
        return;
    const double steal = step.stealCpuSeconds / (step.windowSeconds * double(step.cpus));
    if (steal > kStealShareDisturbed && step.stealCpuSeconds >= kOtherCpuSecondsFloor)
        verdict.reasons.push_back(format("the hypervisor gave %.0f%% of the %.0f CPUs to other virtual machines "
                                         "(steal: %.2f CPU-seconds in %.2f s)",
            100.0 * steal, double(step.cpus), step.stealCpuSeconds, step.windowSeconds));
}

void judgeClock(const char* what, double mean, double highest, Verdict& verdict)
{
    if (mean <= 0 || highest <= 0)
        return;
    const double drop = 1.0 - mean / highest;
    if (drop > kClockDropDisturbed)
        verdict.reasons.push_back(std::string(what)
            + format(" clock averaged %.0f MHz against %.0f MHz elsewhere in the run (%.0f%% lower)", mean, highest,
                100.0 * drop));
}

void judgeGpuThrottling(const StepEvidence& step, Verdict& verdict)
{
    if (step.gpuThrottledSamples <= 0)
        return;
    std::string reasons;
    for (const std::string& reason : step.gpuThrottleReasons)
        reasons += (reasons.empty() ? "" : ", ") + reason;
    verdict.reasons.push_back("the GPU lowered its clock (" + reasons + ")"
        + format(": NVML's throttle reasons in %.0f of %.0f samples", double(step.gpuThrottledSamples),
            double(step.gpuThrottleSamples)));
}

void judgeRounds(const StepEvidence& step, Verdict& verdict)
{
    if (step.roundFps.size() < 2)
        return;
    const auto [low, high] = std::minmax_element(step.roundFps.begin(), step.roundFps.end());
    if (*low > 0 && *high / *low > kRoundSpreadDisturbed)
        verdict.reasons.push_back(format("its %.0f rounds disagree: %.2f to %.2f FPS (%.2fx apart)",
            double(step.roundFps.size()), *low, *high, *high / *low));
}

void judgeSampler(const StepEvidence& step, Verdict& verdict)
{
    if (step.samplerExpected < 5)
        return;
    const double share = double(step.samplerTaken) / double(step.samplerExpected);
    if (share < kSamplerTakenShareDisturbed)
        verdict.reasons.push_back(
            format("the system sampler took %.0f of %.0f samples due: the machine did not give its thread the CPU",
                double(step.samplerTaken), double(step.samplerExpected)));
}

/// Steps on the CPU that run the same forward pass: each slower one than the fastest of its group by the drift factor.
void judgeDetectorDrift(const std::vector<StepEvidence>& steps, std::vector<Verdict>& verdicts)
{
    std::map<std::pair<int64_t, std::string>, size_t> fastest;
    for (size_t i = 0; i < steps.size(); ++i) {
        if (!steps[i].onCpu || !steps[i].detectorMsPerFrame || *steps[i].detectorMsPerFrame <= 0)
            continue;
        const auto key = std::make_pair(steps[i].batch, steps[i].precision);
        auto found = fastest.find(key);
        if (found == fastest.end() || *steps[i].detectorMsPerFrame < *steps[found->second].detectorMsPerFrame)
            fastest[key] = i;
    }
    for (size_t i = 0; i < steps.size(); ++i) {
        if (!steps[i].onCpu || !steps[i].detectorMsPerFrame)
            continue;
        auto found = fastest.find({ steps[i].batch, steps[i].precision });
        if (found == fastest.end() || found->second == i)
            continue;
        const double mine = *steps[i].detectorMsPerFrame;
        const double best = *steps[found->second].detectorMsPerFrame;
        if (mine / best > kDetectorDriftDisturbed)
            verdicts[i].reasons.push_back(format("detector stage %.1f ms per frame against %.1f ms", mine, best)
                + " in " + steps[found->second].stepId
                + format(", which runs the same forward pass (%.2fx)", mine / best));
    }
}

} // namespace

std::vector<std::string> nvmlSlowingThrottleReasons(uint64_t mask)
{
    static const std::pair<uint64_t, const char*> names[] = { { 0x4, "SW Power Cap" }, { 0x8, "HW Slowdown" },
        { 0x20, "SW Thermal Slowdown" }, { 0x40, "HW Thermal Slowdown" }, { 0x80, "HW Power Brake Slowdown" } };
    std::vector<std::string> set;
    for (const auto& [bit, name] : names)
        if (mask & bit & kNvmlSlowingThrottleReasons)
            set.emplace_back(name);
    return set;
}

void addNvmlEvidence(StepEvidence& step, const std::vector<CounterTrack>& tracks)
{
    const auto isGpuTrack = [](const std::string& name, const std::string& what) {
        return name.size() > 3 + what.size() && name.rfind("gpu", 0) == 0
            && name.compare(name.size() - what.size(), what.size(), what) == 0
            && name.find_first_not_of("0123456789", 3) == name.size() - what.size();
    };
    double clockSum = 0;
    int64_t clockSamples = 0;
    for (const CounterTrack& track : tracks) {
        if (isGpuTrack(track.name, " throttle reasons")) {
            for (const auto& [timeNs, value] : track.samples) {
                ++step.gpuThrottleSamples;
                const std::vector<std::string> set = nvmlSlowingThrottleReasons(uint64_t(value));
                step.gpuThrottledSamples += set.empty() ? 0 : 1;
                for (const std::string& reason : set)
                    if (std::find(step.gpuThrottleReasons.begin(), step.gpuThrottleReasons.end(), reason)
                        == step.gpuThrottleReasons.end())
                        step.gpuThrottleReasons.push_back(reason);
            }
        } else if (isGpuTrack(track.name, " sm clock")) {
            for (const auto& [timeNs, value] : track.samples) {
                clockSum += value;
                ++clockSamples;
            }
        }
    }
    if (step.gpuClockMhz <= 0 && clockSamples > 0)
        step.gpuClockMhz = clockSum / double(clockSamples);
}

RunVerdicts judgeSteps(const std::vector<StepEvidence>& steps, double highestCpuClockMhz, double highestGpuClockMhz)
{
    double cpuReference = highestCpuClockMhz, gpuReference = highestGpuClockMhz;
    for (const StepEvidence& step : steps) {
        cpuReference = std::max(cpuReference, step.cpuClockMhz);
        gpuReference = std::max(gpuReference, step.gpuClockMhz);
    }
    RunVerdicts verdicts;
    verdicts.steps.resize(steps.size());
    for (size_t i = 0; i < steps.size(); ++i) {
        const StepEvidence& step = steps[i];
        Verdict& verdict = verdicts.steps[i];
        judgeOtherProcesses(step, verdict);
        judgeClock("the CPU", step.cpuClockMhz, cpuReference, verdict);
        judgeClock("the GPU", step.gpuClockMhz, gpuReference, verdict);
        if (step.cpuThrottleEvents > 0)
            verdict.reasons.push_back(
                "the CPU was throttled " + std::to_string(step.cpuThrottleEvents) + " times (thermal_throttle)");
        judgeGpuThrottling(step, verdict);
        judgeRounds(step, verdict);
        judgeSampler(step, verdict);
    }
    judgeDetectorDrift(steps, verdicts.steps);
    for (size_t i = 0; i < steps.size(); ++i) {
        for (const std::string& reason : verdicts.steps[i].reasons)
            verdicts.run.reasons.push_back(steps[i].stepId + ": " + reason);
    }
    return verdicts;
}

} // namespace es::prof
