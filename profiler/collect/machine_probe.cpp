// SPDX-License-Identifier: Apache-2.0
#include "collect/machine_probe.h"

#include "collect/platform_facts.h"

#include <algorithm>
#include <cctype>
#include <dirent.h>
#include <fstream>
#include <map>
#include <sched.h>
#include <set>
#include <sstream>
#include <unistd.h>

namespace es::prof {

namespace {

bool readInteger(const std::string& path, int64_t& value)
{
    std::string text;
    if (!readFirstLine(path, text))
        return false;
    char* end = nullptr;
    const long long parsed = std::strtoll(text.c_str(), &end, 10);
    if (end == text.c_str())
        return false;
    value = parsed;
    return true;
}

std::string cpuDir(const std::string& root, int cpu)
{
    return root + "/sys/devices/system/cpu/cpu" + std::to_string(cpu);
}

/// utime + stime of /proc/self/stat: fields 14 and 15, counted after the command name's closing parenthesis.
int64_t readSelfTicks(const std::string& root)
{
    std::ifstream file(root + "/proc/self/stat");
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    const size_t close = text.rfind(')');
    if (close == std::string::npos)
        return -1;
    std::istringstream fields(text.substr(close + 1));
    std::string field;
    int64_t utime = -1, stime = -1;
    for (int index = 3; fields >> field; ++index) {
        if (index == 14)
            utime = std::strtoll(field.c_str(), nullptr, 10);
        if (index == 15) {
            stime = std::strtoll(field.c_str(), nullptr, 10);
            break;
        }
    }
    return utime >= 0 && stime >= 0 ? utime + stime : -1;
}

} // namespace

std::vector<CpuTicks> readCpuTicks(const std::string& root)
{
    std::vector<CpuTicks> cpus;
    std::ifstream stat(root + "/proc/stat");
    for (std::string line; std::getline(stat, line);) {
        if (line.rfind("cpu", 0) != 0 || line.size() < 4 || !std::isdigit(static_cast<unsigned char>(line[3])))
            continue;
        std::istringstream fields(line.substr(3));
        CpuTicks cpu;
        fields >> cpu.index;
        int64_t value = 0, idle = 0;
        // user nice system idle iowait irq softirq steal; guest time is already inside user.
        for (int i = 0; i < 8 && fields >> value; ++i) {
            cpu.total += value;
            if (i == 3 || i == 4)
                idle += value;
            if (i == 7)
                cpu.steal = value;
        }
        cpu.busy = cpu.total - idle - cpu.steal;
        cpus.push_back(cpu);
    }
    return cpus;
}

std::string jetsonGpuDevfreqDir(const std::string& root)
{
    static const std::set<std::string> gpuNodes = { "gv11b", "gp10b", "ga10b", "gb10b" };
    const std::string devfreq = root + "/sys/class/devfreq";
    std::vector<std::string> entries;
    if (DIR* dir = opendir(devfreq.c_str())) {
        while (dirent* entry = readdir(dir)) {
            if (entry->d_name[0] != '.')
                entries.push_back(entry->d_name);
        }
        closedir(dir);
    }
    std::sort(entries.begin(), entries.end());
    for (const std::string& entry : entries) {
        std::string node;
        // A devfreq entry without a device name is not the GPU.
        if (!readFirstLine(devfreq + "/" + entry + "/device/of_node/name", node))
            continue;
        if (gpuNodes.count(node) || node.find("gpu") != std::string::npos)
            return devfreq + "/" + entry;
    }
    return "";
}

MachineProbe::MachineProbe(std::string root) : m_root(std::move(root))
{
    const long hz = sysconf(_SC_CLK_TCK);
    if (hz > 0)
        m_ticksPerSecond = double(hz);
    std::set<int> allowed;
    cpu_set_t mask;
    CPU_ZERO(&mask);
    const bool haveMask = m_root.empty() && sched_getaffinity(0, sizeof mask, &mask) == 0;
    for (const CpuTicks& cpu : readCpuTicks(m_root)) {
        if (!haveMask || (cpu.index < CPU_SETSIZE && CPU_ISSET(cpu.index, &mask)))
            m_cpus.push_back(cpu.index);
    }
    m_gpuDevfreq = jetsonGpuDevfreqDir(m_root);
}

MachineReading MachineProbe::read(int64_t timeNs) const
{
    MachineReading reading;
    reading.timeNs = timeNs;
    const std::set<int> mine(m_cpus.begin(), m_cpus.end());
    int64_t busy = 0, steal = 0;
    bool anyCpu = false;
    for (const CpuTicks& cpu : readCpuTicks(m_root)) {
        if (mine.count(cpu.index)) {
            busy += cpu.busy;
            steal += cpu.steal;
            anyCpu = true;
        }
    }
    if (anyCpu) {
        reading.busyTicks = busy;
        reading.stealTicks = steal;
    }
    reading.selfTicks = readSelfTicks(m_root);
    double khzSum = 0;
    int clocks = 0;
    int64_t throttles = 0;
    bool anyThrottle = false;
    for (int cpu : m_cpus) {
        int64_t value = 0;
        if (readInteger(cpuDir(m_root, cpu) + "/cpufreq/scaling_cur_freq", value)) {
            khzSum += double(value);
            ++clocks;
        }
        for (const char* counter : { "core_throttle_count", "package_throttle_count" }) {
            if (readInteger(cpuDir(m_root, cpu) + "/thermal_throttle/" + counter, value)) {
                throttles += value;
                anyThrottle = true;
            }
        }
    }
    if (clocks > 0)
        reading.cpuClockMhz = khzSum / double(clocks) / 1000.0;
    if (anyThrottle)
        reading.cpuThrottleEvents = throttles;
    int64_t hz = 0;
    if (!m_gpuDevfreq.empty() && readInteger(m_gpuDevfreq + "/cur_freq", hz))
        reading.gpuClockMhz = double(hz) / 1e6;
    return reading;
}

std::vector<std::string> MachineProbe::driftRisks() const
{
    std::vector<std::string> risks;
    std::map<std::string, int> governors; // governor -> CPUs using it
    bool clocksFloat = false; // a CPU whose lowest allowed clock is below its highest: jetson_clocks is off
    for (int cpu : m_cpus) {
        std::string governor;
        if (readFirstLine(cpuDir(m_root, cpu) + "/cpufreq/scaling_governor", governor))
            ++governors[governor];
        int64_t low = 0, high = 0;
        if (readInteger(cpuDir(m_root, cpu) + "/cpufreq/scaling_min_freq", low)
            && readInteger(cpuDir(m_root, cpu) + "/cpufreq/scaling_max_freq", high) && low < high)
            clocksFloat = true;
    }
    const bool jetson = access((m_root + "/etc/nv_tegra_release").c_str(), F_OK) == 0 || !m_gpuDevfreq.empty();
    for (const auto& [governor, count] : governors) {
        if (governor != "performance")
            risks.push_back("the CPU frequency governor is " + governor + " on " + std::to_string(count) + " of "
                + std::to_string(m_cpus.size()) + " CPUs, not performance: clocks follow the load and figures drift ("
                + (jetson ? "sudo jetson_clocks" : "sudo cpupower frequency-set -g performance") + ")");
    }
    if (!jetson)
        return risks;
    const NvpmodelMode mode = readNvpmodelMode(m_root);
    const NvpmodelMode highest = highestNvpmodelMode(readNvpmodelModes(m_root));
    if (mode.id >= 0 && highest.id >= 0 && mode.id != highest.id)
        risks.push_back("the Jetson runs nvpmodel mode " + std::to_string(mode.id) + " (" + mode.name
            + "), not its highest, " + std::to_string(highest.id) + " (" + highest.name + "): sudo nvpmodel -m "
            + std::to_string(highest.id));
    int64_t gpuLow = 0, gpuHigh = 0;
    if (!m_gpuDevfreq.empty() && readInteger(m_gpuDevfreq + "/min_freq", gpuLow)
        && readInteger(m_gpuDevfreq + "/max_freq", gpuHigh) && gpuLow < gpuHigh)
        clocksFloat = true;
    if (clocksFloat)
        risks.push_back("jetson_clocks is not on: the CPU and GPU clocks scale with the load, so the first frames "
                        "of a step run slower than the rest (sudo jetson_clocks)");
    return risks;
}

} // namespace es::prof
