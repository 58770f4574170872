// SPDX-License-Identifier: Apache-2.0
#include "collect/platform_facts.h"

#include <cerrno>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <optional>
#include <regex>

namespace es::prof {

namespace {

bool firstLine(const std::string& path, std::string& line)
{
    std::ifstream file(path);
    if (!file || !std::getline(file, line))
        return false;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\0' || line.back() == ' '))
        line.pop_back();
    return !line.empty();
}

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
    if (firstLine(cpufreq + "scaling_governor", value))
        facts["cpu_governor"] = value;
    if (firstLine(cpufreq + "scaling_max_freq", value))
        facts["cpu_max_freq"] = frequencyText(value, 1000);

    // nvpmodel: the current mode id in its status file, its name in the configuration.
    if (firstLine(root + "/var/lib/nvpmodel/status", value)) {
        std::smatch match;
        std::optional<long long> parsedMode;
        if (std::regex_search(value, match, std::regex(R"(pmode:(\d+))"))
            && (parsedMode = leadingInteger(match[1].str()))) {
            const long long mode = *parsedMode;
            facts["jetson_power_mode"] = std::to_string(mode);
            std::ifstream config(root + "/etc/nvpmodel.conf");
            const std::regex model(R"(<\s*POWER_MODEL\s+ID=(\d+)\s+NAME=([^\s>]+))");
            for (std::string line; std::getline(config, line);) {
                if (std::regex_search(line, match, model) && leadingInteger(match[1].str()) == mode)
                    facts["jetson_power_mode"] = std::to_string(mode) + " (" + match[2].str() + ")";
            }
        }
    }
    // The GPU's devfreq entry (Jetson).
    const std::string devfreq = root + "/sys/class/devfreq";
    if (DIR* dir = opendir(devfreq.c_str())) {
        while (dirent* entry = readdir(dir)) {
            const std::string name = entry->d_name;
            std::string node;
            if (name[0] == '.' || !firstLine(devfreq + "/" + name + "/device/of_node/name", node))
                continue;
            if (node.find("gpu") == std::string::npos && node != "gv11b" && node != "gp10b" && node != "ga10b"
                && node != "gb10b")
                continue;
            if (firstLine(devfreq + "/" + name + "/governor", value))
                facts["gpu_governor"] = value;
            if (firstLine(devfreq + "/" + name + "/max_freq", value))
                facts["gpu_max_freq"] = frequencyText(value, 1000000);
            break;
        }
        closedir(dir);
    }
    return facts;
}

} // namespace es::prof
