// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <time.h>

namespace es::prof {

/// The profiler's one time base: CLOCK_MONOTONIC in nanoseconds (what NVTX and Nsight Systems use on Linux by
/// default). Any thread.
inline int64_t nowNs()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

} // namespace es::prof
