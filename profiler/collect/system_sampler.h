// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "store/session_store.h"

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace es::prof {

/// Where and how often the system sampler reads. `root` prefixes every /proc and /sys path (a fake tree in tests).
struct SamplerOptions
{
    std::string root; ///< "" for the real system
    int periodMs = 100; ///< 10 Hz by default
    bool useNvml = true; ///< load libnvidia-ml.so.1 at run time when present (its absence is not an error)
};

/// Samples the machine like jtop, on its own thread at a fixed period: per-core CPU load (%) and frequency (MHz),
/// RAM and swap used (MB), the process's RSS (MB), temperatures (°C, /sys/class/thermal); on a Jetson the GPU load
/// (%, devfreq or the older /sys/devices/gpu.0/load paths) and frequency (MHz) and the INA3221 power rails (mW, in
/// both the JetPack 4 iio and the JetPack 5+ hwmon layouts); on discrete NVIDIA GPUs utilization (%), memory (MB),
/// power (mW), temperature and clocks through NVML loaded at run time. Sensors that are missing stay absent, and
/// those that need root are named in notes() with the fix: never reported as 0. start()/stop() from one thread;
/// tracks() and notes() from any thread.
class SystemSampler
{
public:
    explicit SystemSampler(SamplerOptions options = {});
    ~SystemSampler();
    SystemSampler(const SystemSampler&) = delete;
    SystemSampler& operator=(const SystemSampler&) = delete;

    void start();
    void stop();
    /// Takes one sample now (the sampler thread does this every period); public for tests.
    void sampleOnce(int64_t timeNs);

    /// Samples taken within [fromNs, toNs), one track per counter that has any.
    std::vector<CounterTrack> tracks(int64_t fromNs = INT64_MIN, int64_t toNs = INT64_MAX) const;
    /// What could not be read and why ("power rails: permission denied; run as root or ...").
    std::vector<std::string> notes() const;
    int periodMs() const { return m_options.periodMs; }

private:
    struct Source;
    struct NvmlLibrary;
    void discover();
    void discoverCpuFrequencies(); ///< cpufreq: per-core frequency (kHz in sysfs)
    void discoverTemperatures(); ///< thermal zones (milli-degrees)
    /// Jetson GPU: the devfreq entry of the GPU (load in per-mille next to the device), else the older fixed paths.
    void discoverJetsonGpu();
    /// INA3221 power monitors: JetPack 4 (ina3221x, iio) and JetPack 5+ (ina3221, hwmon).
    void discoverPowerRails();
    void discoverIioRails(const std::string& device, const std::string& iio); ///< JetPack 4: power per channel
    void discoverHwmonRails(const std::string& device, const std::string& dir); ///< JetPack 5+: volts x amps
    void discoverNvml(); ///< NVML loaded at run time (discrete GPUs)
    void add(const std::string& name, const std::string& unit, const std::string& source, int64_t timeNs, double value);
    void sampleCpu(int64_t timeNs);
    void sampleMemory(int64_t timeNs);
    void sampleFiles(int64_t timeNs);
    void sampleNvml(int64_t timeNs);
    void run();

    SamplerOptions m_options;
    std::vector<Source> m_sources; ///< files read every sample (frequencies, temperatures, GPU load, rails)
    std::unique_ptr<NvmlLibrary> m_nvml;
    std::vector<std::pair<int64_t, int64_t>> m_previousCpu; ///< per core: busy, total jiffies
    mutable std::mutex m_mutex;
    std::map<std::string, CounterTrack> m_tracks;
    std::vector<std::string> m_notes;
    std::thread m_thread;
    std::mutex m_wakeMutex;
    std::condition_variable m_wake;
    bool m_stopRequested = false;
};

} // namespace es::prof
