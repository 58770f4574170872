// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <string>

namespace es::prof {

/// Facts about the machine's power and clock settings that change benchmark results, for the session's environment:
/// CPU frequency governor and maximum, on a Jetson the nvpmodel power mode (id and name) and the GPU's devfreq
/// governor and maximum frequency. Keys are absent where the files are. `root` prefixes every path (tests). Any thread.
std::map<std::string, std::string> readPlatformFacts(const std::string& root = "");

} // namespace es::prof
