// SPDX-License-Identifier: Apache-2.0
#pragma once

// What else the machine does while the lab measures, and how fast it runs: the evidence of the lab's verdicts
// (analysis/measurement_verdict.h). Read from /proc and /sys at the start and end of each measured window.
#include <cstdint>
#include <string>
#include <vector>

namespace es::prof {

/// One CPU's time in /proc/stat, in clock ticks (USER_HZ): busy (all but idle and iowait) and in all.
struct CpuTicks
{
    int index = 0; ///< N of "cpuN"
    int64_t busy = 0; ///< user, nice, system, irq, softirq (not steal)
    int64_t steal = 0; ///< taken by the hypervisor for other virtual machines
    int64_t total = 0;
};

/// Every "cpuN" line of `root`/proc/stat, in file order; empty when it cannot be read.
std::vector<CpuTicks> readCpuTicks(const std::string& root = "");

/// The devfreq folder of a Jetson's GPU (`root`/sys/class/devfreq/NAME, its device's of_node named gv11b, gp10b,
/// ga10b, gb10b or "...gpu..."), or "" when there is none.
std::string jetsonGpuDevfreqDir(const std::string& root = "");

/// What the machine looked like at one moment. Fields it cannot read stay negative.
struct MachineReading
{
    int64_t timeNs = 0;
    int64_t busyTicks = -1; ///< busy ticks of the CPUs this process may run on, every process together
    int64_t stealTicks = -1; ///< ticks the hypervisor gave other virtual machines on those CPUs
    int64_t selfTicks = -1; ///< this process's user + system ticks (every thread)
    double cpuClockMhz = -1; ///< mean current frequency of those CPUs (cpufreq)
    int64_t cpuThrottleEvents = -1; ///< thermal throttling events so far, summed over those CPUs (x86 thermal_throttle)
    double gpuClockMhz = -1; ///< a Jetson GPU's current frequency (devfreq)
};

/// Reads MachineReadings and names, before a run, what will make its figures drift. `root` prefixes every /proc and
/// /sys path (a fake tree in tests; then every CPU of its /proc/stat counts, and "self" is its /proc/self/stat).
/// Any thread; each read() costs a few file reads (~100 us).
class MachineProbe
{
public:
    explicit MachineProbe(std::string root = "");

    MachineReading read(int64_t timeNs) const;
    /// The CPUs this process may run on (its affinity), as counted in busyTicks.
    int cpus() const { return int(m_cpus.size()); }
    /// Clock ticks per second of /proc's tick counts (USER_HZ).
    double ticksPerSecond() const { return m_ticksPerSecond; }
    /// What will make figures drift, each with its fix: a CPU governor other than performance, a Jetson not in its
    /// highest nvpmodel mode (0) or without jetson_clocks (its clocks not pinned at their maximum).
    std::vector<std::string> driftRisks() const;

private:
    std::string m_root;
    std::vector<int> m_cpus;
    double m_ticksPerSecond = 100;
    std::string m_gpuDevfreq;
};

} // namespace es::prof
