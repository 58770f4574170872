// SPDX-License-Identifier: Apache-2.0
#include "base/clock.h"

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

namespace es::prof {

namespace {

bool counterHasConstantRate()
{
#if defined(__x86_64__) || defined(__i386__)
    std::ifstream cpuinfo("/proc/cpuinfo");
    for (std::string line; std::getline(cpuinfo, line);) {
        if (line.rfind("flags", 0) == 0)
            return line.find(" constant_tsc") != std::string::npos && line.find(" nonstop_tsc") != std::string::npos;
    }
    return false;
#elif defined(__aarch64__)
    return true; // the generic timer's virtual counter runs at a fixed frequency
#else
    return false;
#endif
}

} // namespace

TickClock& TickClock::instance()
{
    static TickClock clock;
    return clock;
}

TickClock::TickClock() : m_usable(counterHasConstantRate())
{
    m_anchorNs = nowNs();
    m_anchorTicks = cpuTicks();
}

TickClock::Converter TickClock::converter() const
{
    Converter converter;
    if (!m_usable)
        return converter;
    int64_t elapsedNs = nowNs() - m_anchorNs;
    if (elapsedNs < 20000000) // measure the slope over at least 20 ms
        std::this_thread::sleep_for(std::chrono::nanoseconds(20000000 - elapsedNs));
    const int64_t ns = nowNs();
    const uint64_t ticks = cpuTicks();
    converter.identity = false;
    converter.anchorTicks = m_anchorTicks;
    converter.anchorNs = m_anchorNs;
    converter.nsPerTick = double(ns - m_anchorNs) / double(int64_t(ticks - m_anchorTicks));
    return converter;
}

} // namespace es::prof
