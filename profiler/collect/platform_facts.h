// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <string>
#include <vector>

namespace es::prof {

/// Facts about the machine's power and clock settings that change benchmark results, for the session's environment:
/// CPU frequency governor and maximum, on a Jetson the nvpmodel power mode (id and name) and the GPU's devfreq
/// governor and maximum frequency. Keys are absent where the files are. `root` prefixes every path (tests). Any thread.
std::map<std::string, std::string> readPlatformFacts(const std::string& root = "");

/// The first line of a /proc or /sys file without its trailing newline, NULs and spaces; false when the file cannot
/// be read or the line is empty.
bool readFirstLine(const std::string& path, std::string& line);

/// A Jetson power mode of nvpmodel's configuration (/etc/nvpmodel.conf: `< POWER_MODEL ID=0 NAME=MAXN >`).
struct NvpmodelMode
{
    long long id = -1;
    std::string name;
};
/// The current mode (/var/lib/nvpmodel/status, with its name from the configuration); id -1 where there is none.
NvpmodelMode readNvpmodelMode(const std::string& root = "");
/// Every mode of the configuration, in file order.
std::vector<NvpmodelMode> readNvpmodelModes(const std::string& root = "");
/// The highest mode: the one whose name starts MAXN (MAXN, MAXN_SUPER), else mode 0; id -1 without a configuration.
NvpmodelMode highestNvpmodelMode(const std::vector<NvpmodelMode>& modes);

} // namespace es::prof
