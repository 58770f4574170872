// SPDX-License-Identifier: Apache-2.0
#pragma once

// Whether a measured step can be trusted: "steady", or "disturbed" with each reason in numbers. The evidence is what
// the machine did during the step's measured windows (collect/machine_probe.h) and how the steps of one run agree.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace es::prof {

// Thresholds. Each is a line on why its value.
/// Other processes' share of the CPUs this process may use. A LibTorch step uses every core, so a tenth taken by
/// others costs it about a tenth of its FPS: as large as the changes the lab teaches to see (s3 and s4 on a CPU).
constexpr double kOtherCpuShareDisturbed = 0.10;
/// The hypervisor's steal on those CPUs (a virtual machine): time given to other machines is time the step waited,
/// the same cost as another process; the same share applies.
constexpr double kStealShareDisturbed = 0.10;
/// ... and at least this much of either (CPU-seconds): /proc counts in ticks of 10 ms, so a short step's share needs a
/// few ticks before it means anything.
constexpr double kOtherCpuSecondsFloor = 0.05;
/// A step's mean CPU or GPU clock this far below the highest the run saw: a 10 % slower clock is a 10 % slower step,
/// while cpufreq's own wobble under full load stays within a few percent.
constexpr double kClockDropDisturbed = 0.10;
/// The detector stage of steps running the same forward pass (same batch and precision) on a CPU: apart by more than
/// this factor, something else slowed the slower one. The steps change only pre- and postprocessing, which moves the
/// detector by cache effects of ~10 %; 25 % is beyond them.
constexpr double kDetectorDriftDisturbed = 1.25;
/// A step's rounds: fastest over slowest round FPS. Quiet rounds of a few batches agree within ~10 %; 30 % apart
/// means the machine changed under the step between rounds.
constexpr double kRoundSpreadDisturbed = 1.30;
/// The system sampler's samples taken over those expected: below this its thread did not get the CPU when due, so
/// neither did the lab's.
constexpr double kSamplerTakenShareDisturbed = 0.80;
/// NVML's clock throttle reasons (nvmlClocksThrottleReasons*, the bits nvidia-smi -q prints under "Clocks Event
/// Reasons") that slow a busy GPU: software power cap, hardware slowdown, software and hardware thermal slowdown,
/// power brake. Idle, application-clock settings, sync boost and display clocks are not counted: they do not take
/// clock from a running kernel. Any sample of the step's windows with one of them set makes it disturbed: each is
/// the driver saying the clock was lowered.
constexpr uint64_t kNvmlSlowingThrottleReasons = 0x4 | 0x8 | 0x20 | 0x40 | 0x80;

/// The names of the throttle reasons set in an NVML mask, as nvidia-smi spells them ("HW Thermal Slowdown", ...),
/// slowing ones only (kNvmlSlowingThrottleReasons).
std::vector<std::string> nvmlSlowingThrottleReasons(uint64_t mask);

/// What was seen while one step measured, summed over its rounds' windows. Negative: not read.
struct StepEvidence
{
    std::string stepId;
    int64_t batch = 1;
    std::string precision; ///< with batch: the forward pass the step runs
    bool onCpu = true; ///< the model ran on the CPU (the detector-drift rule needs synchronous stage times)
    double windowSeconds = 0; ///< measured time, all rounds
    int cpus = 0; ///< CPUs this process may use
    double otherCpuSeconds = -1; ///< CPU time of every other process on those CPUs
    double stealCpuSeconds = -1; ///< CPU time the hypervisor gave other virtual machines
    double cpuClockMhz = -1; ///< mean of the readings taken at the windows' starts and ends
    double gpuClockMhz = -1;
    int64_t cpuThrottleEvents = 0; ///< thermal throttling events during the windows
    std::optional<double> detectorMsPerFrame;
    std::vector<double> roundFps; ///< one per round
    int64_t samplerExpected = 0, samplerTaken = 0; ///< system sampler samples due and taken in the windows
    /// NVML (a discrete GPU): samples of the clock throttle reasons in the windows, and those with a slowing reason
    /// set, with the reasons seen.
    int64_t gpuThrottleSamples = 0, gpuThrottledSamples = 0;
    std::vector<std::string> gpuThrottleReasons;
};

/// Adds what NVML's sampled tracks say about one window to `step`: "gpuN throttle reasons" samples (masks) and, where
/// no devfreq clock was read, the mean "gpuN sm clock". `tracks` are the system sampler's, sliced to the window.
struct CounterTrack;
void addNvmlEvidence(StepEvidence& step, const std::vector<CounterTrack>& tracks);

/// A verdict: steady, or disturbed and why (each reason one sentence with its numbers).
struct Verdict
{
    std::vector<std::string> reasons;

    bool disturbed() const { return !reasons.empty(); }
    const char* state() const { return disturbed() ? "disturbed" : "steady"; }
};

/// The verdict of each step (in the order given) and of the run (disturbed when any step is; its reasons are the
/// steps' reasons prefixed with their id). `highestCpuClockMhz`/`highestGpuClockMhz`: the highest clocks read before
/// the run, or negative; the reference for clock drops is the highest of these and every step's mean.
struct RunVerdicts
{
    std::vector<Verdict> steps;
    Verdict run;
};
RunVerdicts judgeSteps(
    const std::vector<StepEvidence>& steps, double highestCpuClockMhz = -1, double highestGpuClockMhz = -1);

} // namespace es::prof
