// SPDX-License-Identifier: Apache-2.0
#include "time_format.h"

#include <cmath>
#include <cstdio>

namespace es::app {

namespace {

std::string threeDigits(double value, const char* unit)
{
    char text[48];
    const double magnitude = std::fabs(value);
    const char* format = magnitude >= 100 ? "%.0f %s" : magnitude >= 10 ? "%.1f %s" : "%.2f %s";
    std::snprintf(text, sizeof text, format, value, unit);
    return text;
}

} // namespace

std::string formatDuration(int64_t ns)
{
    const double value = double(ns);
    const double magnitude = std::fabs(value);
    if (magnitude < 1e3)
        return std::to_string(ns) + " ns";
    if (magnitude < 1e6)
        return threeDigits(value / 1e3, "us");
    if (magnitude < 1e9)
        return threeDigits(value / 1e6, "ms");
    return threeDigits(value / 1e9, "s");
}

std::string formatBytes(double bytes)
{
    if (bytes < 1024)
        return std::to_string(int64_t(bytes)) + " B";
    if (bytes < 1024.0 * 1024)
        return threeDigits(bytes / 1024, "KiB");
    if (bytes < 1024.0 * 1024 * 1024)
        return threeDigits(bytes / (1024.0 * 1024), "MiB");
    return threeDigits(bytes / (1024.0 * 1024 * 1024), "GiB");
}

std::string formatRate(double bytesPerSecond)
{
    if (bytesPerSecond >= 1e9)
        return threeDigits(bytesPerSecond / 1e9, "GB/s");
    return threeDigits(bytesPerSecond / 1e6, "MB/s");
}

} // namespace es::app
