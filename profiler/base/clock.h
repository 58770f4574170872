// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

namespace es::prof {

/// The profiler's one time base: CLOCK_MONOTONIC in nanoseconds (what NVTX and Nsight Systems use on Linux by
/// default). Any thread.
inline int64_t nowNs()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

/// The CPU's cycle counter (TSC on x86-64, the virtual counter on ARM64): a few ns to read, against 20-30 ns for
/// clock_gettime. Only meaningful through TickClock. Any thread.
inline uint64_t cpuTicks()
{
#if defined(__x86_64__) || defined(__i386__)
    return __rdtsc();
#elif defined(__aarch64__)
    uint64_t value;
    asm volatile("mrs %0, cntvct_el0" : "=r"(value));
    return value;
#else
    return uint64_t(nowNs());
#endif
}

/// Maps cpuTicks() onto nowNs(): a linear map between an anchor taken at first use and a fresh (ticks, ns) pair
/// taken at each conversion, so the slope is measured over the whole time elapsed. Where the counter does not run
/// at a constant rate (x86 without invariant TSC), usable() is false and callers read nowNs() instead. Any thread.
class TickClock
{
public:
    static TickClock& instance();
    bool usable() const { return m_usable; }
    /// The current time in ticks when usable, else in ns.
    uint64_t now() const { return m_usable ? cpuTicks() : uint64_t(nowNs()); }
    /// Converter for a batch of conversions: captures the slope once.
    struct Converter
    {
        bool identity = true;
        uint64_t anchorTicks = 0;
        int64_t anchorNs = 0;
        double nsPerTick = 1.0;
        int64_t toNs(uint64_t ticks) const
        {
            return identity ? int64_t(ticks) : anchorNs + int64_t(double(int64_t(ticks - anchorTicks)) * nsPerTick);
        }
    };
    Converter converter() const;

private:
    TickClock();
    bool m_usable = false;
    uint64_t m_anchorTicks = 0;
    int64_t m_anchorNs = 0;
};

} // namespace es::prof
