// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>

namespace es::app {

/// "812 ns", "45.2 us", "3.47 ms", "1.25 s": three significant digits, the unit that keeps them readable.
std::string formatDuration(int64_t ns);
/// "512 B", "1.5 KiB", "12.0 MiB", "1.20 GiB".
std::string formatBytes(double bytes);
/// A transfer rate: "11.2 GB/s".
std::string formatRate(double bytesPerSecond);

} // namespace es::app
