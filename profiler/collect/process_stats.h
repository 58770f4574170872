// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>

namespace es::prof {

/// What the kernel says of this process now (Linux /proc): resident memory and its high-water mark in bytes, open
/// file descriptors and threads. Fields it cannot read stay -1. Any thread; reads /proc each call (~50 us).
struct ProcessStats
{
    int64_t rssBytes = -1;
    int64_t rssPeakBytes = -1; ///< VmHWM
    int64_t openFds = -1;
    int64_t threads = -1;
};

/// `procRoot` prefixes /proc (a fake tree in tests); "" reads this process.
ProcessStats readProcessStats(const std::string& procRoot = "");

/// Size of a file in bytes, -1 when it does not exist.
int64_t fileSizeBytes(const std::string& path);

} // namespace es::prof
