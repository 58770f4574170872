// SPDX-License-Identifier: Apache-2.0
#include "collect/platform_facts.h"

#include "collect/machine_probe.h"

#include <cerrno>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <optional>
#include <regex>

namespace es::prof {

namespace {

/// A whole number at the start of `text` (sysfs values), or nullopt when there is none or it is out of range.
std::optional<long long> leadingInteger(const std::string& text)
{
    errno = 0;
    char* end = nullptr;
    const long long value = std::strtoll(text.c_str(), &end, 10);
    if (end == text.c_str() || errno == ERANGE)
        return std::nullopt;
    return value;
}

/// "1479000" (kHz) -> "1479 MHz"; the text itself when it is not a number.
std::string frequencyText(const std::string& value, long long perMhz)
{
    const auto number = leadingInteger(value);
    return number ? std::to_string(*number / perMhz) + " MHz" : value;
}

} // namespace

std::map<std::string, std::string> readPlatformFacts(const std::string& root)
{
    std::map<std::string, std::string> facts;
    std::string value;
    const std::string cpufreq = root + "/sys/devices/system/cpu/cpu0/cpufreq/";
    if (readFirstLine(cpufreq + "scaling_governor", value))
        facts["cpu_governor"] = value;
    if (readFirstLine(cpufreq + "scaling_max_freq", value))
        facts["cpu_max_freq"] = frequencyText(value, 1000);

    const NvpmodelMode mode = readNvpmodelMode(root);
    if (mode.id >= 0)
        facts["jetson_power_mode"] = std::to_string(mode.id) + (mode.name.empty() ? "" : " (" + mode.name + ")");
    // The GPU's devfreq entry (Jetson).
    const std::string gpu = jetsonGpuDevfreqDir(root);
    if (!gpu.empty()) {
        if (readFirstLine(gpu + "/governor", value))
            facts["gpu_governor"] = value;
        if (readFirstLine(gpu + "/max_freq", value))
            facts["gpu_max_freq"] = frequencyText(value, 1000000);
    }
    return facts;
}

bool readFirstLine(const std::string& path, std::string& line)
{
    std::ifstream file(path);
    if (!file || !std::getline(file, line))
        return false;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\0' || line.back() == ' '))
        line.pop_back();
    return !line.empty();
}

std::vector<NvpmodelMode> readNvpmodelModes(const std::string& root)
{
    std::vector<NvpmodelMode> modes;
    std::ifstream config(root + "/etc/nvpmodel.conf");
    const std::regex model(R"(<\s*POWER_MODEL\s+ID=(\d+)\s+NAME=([^\s>]+))");
    std::smatch match;
    for (std::string line; std::getline(config, line);) {
        if (!std::regex_search(line, match, model))
            continue;
        const auto id = leadingInteger(match[1].str());
        if (id)
            modes.push_back({ *id, match[2].str() });
    }
    return modes;
}

NvpmodelMode readNvpmodelMode(const std::string& root)
{
    std::string value;
    std::smatch match;
    if (!readFirstLine(root + "/var/lib/nvpmodel/status", value)
        || !std::regex_search(value, match, std::regex(R"(pmode:(\d+))")))
        return {};
    const auto id = leadingInteger(match[1].str());
    if (!id)
        return {};
    NvpmodelMode mode { *id, "" };
    for (const NvpmodelMode& known : readNvpmodelModes(root)) {
        if (known.id == mode.id)
            mode.name = known.name;
    }
    return mode;
}

NvpmodelMode highestNvpmodelMode(const std::vector<NvpmodelMode>& modes)
{
    for (const NvpmodelMode& mode : modes) {
        if (mode.name.rfind("MAXN", 0) == 0)
            return mode;
    }
    for (const NvpmodelMode& mode : modes) {
        if (mode.id == 0)
            return mode;
    }
    return {};
}

} // namespace es::prof
