// SPDX-License-Identifier: Apache-2.0
#include "collect/system_sampler.h"

#include "collect/machine_probe.h"
#include "collect/process_stats.h"

#include "base/clock.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <dlfcn.h>
#include <fstream>
#include <limits.h>
#include <memory>
#include <set>
#include <sstream>
#include <stdlib.h>
#include <unistd.h>

namespace es::prof {

namespace {

std::vector<std::string> listDirectory(const std::string& path)
{
    std::vector<std::string> names;
    if (DIR* dir = opendir(path.c_str())) {
        while (dirent* entry = readdir(dir)) {
            if (entry->d_name[0] != '.')
                names.push_back(entry->d_name);
        }
        closedir(dir);
    }
    std::sort(names.begin(), names.end());
    return names;
}

bool readText(const std::string& path, std::string& text)
{
    std::ifstream file(path);
    if (!file)
        return false;
    std::getline(file, text);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\0' || text.back() == ' '))
        text.pop_back();
    return true;
}

bool readNumber(const std::string& path, double& value)
{
    std::string text;
    if (!readText(path, text) || text.empty())
        return false;
    char* end = nullptr;
    value = std::strtod(text.c_str(), &end);
    return end != text.c_str();
}

bool exists(const std::string& path)
{
    return access(path.c_str(), F_OK) == 0;
}
bool readable(const std::string& path)
{
    return access(path.c_str(), R_OK) == 0;
}

std::string realPath(const std::string& path)
{
    char buffer[PATH_MAX];
    return realpath(path.c_str(), buffer) ? std::string(buffer) : path;
}

} // namespace

/// A file read every sample: value = number * scale (+ offset), or the product of two files (mV * mA / 1000).
struct SystemSampler::Source
{
    std::string name, unit, source;
    std::string path;
    std::string secondPath; ///< when set: value = first * second * scale
    double scale = 1.0;
};

/// The NVML entry points used, declared by hand (no NVML header), loaded with dlopen.
struct SystemSampler::NvmlLibrary
{
    struct Utilization
    {
        unsigned int gpu, memory;
    };
    struct Memory
    {
        unsigned long long total, free, used;
    };
    void* handle = nullptr;
    int (*shutdown)() = nullptr;
    int (*utilization)(void*, Utilization*) = nullptr;
    int (*memory)(void*, Memory*) = nullptr;
    int (*power)(void*, unsigned int*) = nullptr;
    int (*temperature)(void*, int, unsigned int*) = nullptr;
    int (*clock)(void*, int, unsigned int*) = nullptr;
    int (*throttleReasons)(void*, unsigned long long*) = nullptr; ///< nvmlDeviceGetCurrentClocksThrottleReasons
    std::vector<void*> devices;
    ~NvmlLibrary()
    {
        if (shutdown)
            shutdown();
        if (handle)
            dlclose(handle);
    }
};

SystemSampler::SystemSampler(SamplerOptions options) : m_options(std::move(options))
{
    if (m_options.periodMs < 1)
        m_options.periodMs = 1;
    discover();
}

SystemSampler::~SystemSampler()
{
    stop();
}

void SystemSampler::discover()
{
    discoverCpuFrequencies();
    discoverTemperatures();
    discoverJetsonGpu();
    discoverPowerRails();
    // NVML (discrete GPUs; absent on Jetson), only for the real system.
    if (m_options.useNvml && m_options.root.empty())
        discoverNvml();
}

void SystemSampler::discoverCpuFrequencies()
{
    const std::string cpuDir = m_options.root + "/sys/devices/system/cpu";
    for (const std::string& name : listDirectory(cpuDir)) {
        if (name.size() < 4 || name.compare(0, 3, "cpu") != 0 || !std::isdigit(static_cast<unsigned char>(name[3])))
            continue;
        const std::string path = cpuDir + "/" + name + "/cpufreq/scaling_cur_freq";
        if (exists(path))
            m_sources.push_back({ name + " freq", "MHz", "cpufreq", path, "", 1e-3 });
    }
}

void SystemSampler::discoverTemperatures()
{
    const std::string thermalDir = m_options.root + "/sys/class/thermal";
    for (const std::string& zone : listDirectory(thermalDir)) {
        if (zone.rfind("thermal_zone", 0) != 0)
            continue;
        std::string type;
        if (!readText(thermalDir + "/" + zone + "/type", type) || type.empty())
            type = zone;
        m_sources.push_back({ "temp " + type, "C", "/sys/class/thermal", thermalDir + "/" + zone + "/temp", "", 1e-3 });
    }
}

void SystemSampler::discoverJetsonGpu()
{
    const std::string& root = m_options.root;
    bool gpuFound = false;
    const std::string gpu = jetsonGpuDevfreqDir(root);
    if (!gpu.empty()) {
        const std::string entry = gpu.substr(gpu.rfind('/') + 1);
        const std::string device = realPath(gpu + "/device");
        if (exists(device + "/load")) {
            m_sources.push_back({ "gpu load", "%", "devfreq " + entry, device + "/load", "", 0.1 });
            gpuFound = true;
        }
        if (exists(gpu + "/cur_freq"))
            m_sources.push_back({ "gpu freq", "MHz", "devfreq " + entry, gpu + "/cur_freq", "", 1e-6 });
    }
    if (gpuFound)
        return;
    for (const char* path :
        { "/sys/devices/gpu.0/load", "/sys/devices/17000000.gv11b/load", "/sys/devices/platform/17000000.ga10b/load",
            "/sys/devices/17000000.ga10b/load", "/sys/devices/platform/bus@0/17000000.gpu/load" }) {
        if (exists(root + path)) {
            m_sources.push_back({ "gpu load", "%", path, root + path, "", 0.1 });
            break;
        }
    }
}

void SystemSampler::discoverPowerRails()
{
    const std::string i2cDir = m_options.root + "/sys/bus/i2c/devices";
    for (const std::string& device : listDirectory(i2cDir)) {
        std::string chip;
        const std::string base = i2cDir + "/" + device;
        if (!readText(base + "/name", chip) || chip.find("ina3221") == std::string::npos)
            continue;
        for (const std::string& entry : listDirectory(base)) {
            if (entry.rfind("iio:device", 0) == 0)
                discoverIioRails(device, base + "/" + entry);
            if (entry == "hwmon")
                for (const std::string& hwmon : listDirectory(base + "/hwmon"))
                    discoverHwmonRails(device, base + "/hwmon/" + hwmon);
        }
    }
}

void SystemSampler::discoverIioRails(const std::string& device, const std::string& iio)
{
    for (int channel = 0; channel < 3; ++channel) {
        std::string rail;
        const std::string label = iio + "/rail_name_" + std::to_string(channel);
        if (!readText(label, rail)) {
            if (exists(label))
                m_notes.push_back(
                    "power rails: " + label + " is not readable; run as root or sudo chmod o+r " + iio + "/*");
            continue;
        }
        const std::string power = iio + "/in_power" + std::to_string(channel) + "_input";
        if (readable(power))
            m_sources.push_back({ "power " + rail, "mW", "ina3221 " + device, power, "", 1.0 });
        else if (exists(power))
            m_notes.push_back("power rail " + rail + ": " + power + " needs root (sudo chmod o+r " + power + ")");
    }
}

void SystemSampler::discoverHwmonRails(const std::string& device, const std::string& dir)
{
    for (int channel = 1; channel <= 8; ++channel) {
        std::string rail;
        if (!readText(dir + "/in" + std::to_string(channel) + "_label", rail) || rail == "NC"
            || rail.find("Sum") != std::string::npos || rail.find("sum") != std::string::npos)
            continue;
        const std::string volts = dir + "/in" + std::to_string(channel) + "_input";
        const std::string amps = dir + "/curr" + std::to_string(channel) + "_input";
        if (readable(volts) && readable(amps))
            m_sources.push_back({ "power " + rail, "mW", "ina3221 " + device, volts, amps, 1e-3 });
        else if (exists(volts))
            m_notes.push_back("power rail " + rail + ": " + dir + " needs root");
    }
}

void SystemSampler::discoverNvml()
{
    auto nvml = std::make_unique<NvmlLibrary>();
    nvml->handle = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!nvml->handle)
        return;
    auto init = reinterpret_cast<int (*)()>(dlsym(nvml->handle, "nvmlInit_v2"));
    auto count = reinterpret_cast<int (*)(unsigned int*)>(dlsym(nvml->handle, "nvmlDeviceGetCount_v2"));
    auto byIndex
        = reinterpret_cast<int (*)(unsigned int, void**)>(dlsym(nvml->handle, "nvmlDeviceGetHandleByIndex_v2"));
    nvml->shutdown = reinterpret_cast<int (*)()>(dlsym(nvml->handle, "nvmlShutdown"));
    nvml->utilization
        = reinterpret_cast<decltype(nvml->utilization)>(dlsym(nvml->handle, "nvmlDeviceGetUtilizationRates"));
    nvml->memory = reinterpret_cast<decltype(nvml->memory)>(dlsym(nvml->handle, "nvmlDeviceGetMemoryInfo"));
    nvml->power = reinterpret_cast<decltype(nvml->power)>(dlsym(nvml->handle, "nvmlDeviceGetPowerUsage"));
    nvml->temperature = reinterpret_cast<decltype(nvml->temperature)>(dlsym(nvml->handle, "nvmlDeviceGetTemperature"));
    nvml->clock = reinterpret_cast<decltype(nvml->clock)>(dlsym(nvml->handle, "nvmlDeviceGetClockInfo"));
    nvml->throttleReasons = reinterpret_cast<decltype(nvml->throttleReasons)>(
        dlsym(nvml->handle, "nvmlDeviceGetCurrentClocksThrottleReasons"));
    unsigned int devices = 0;
    if (init && count && byIndex && init() == 0 && count(&devices) == 0) {
        for (unsigned int i = 0; i < devices; ++i) {
            void* device = nullptr;
            if (byIndex(i, &device) == 0)
                nvml->devices.push_back(device);
        }
        m_nvml = std::move(nvml);
    } else {
        nvml->shutdown = nullptr;
        m_notes.push_back("NVML is installed but did not start: no GPU utilization from NVML");
    }
}

void SystemSampler::add(
    const std::string& name, const std::string& unit, const std::string& source, int64_t timeNs, double value)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    CounterTrack& track = m_tracks[name];
    if (track.name.empty()) {
        track.name = name;
        track.unit = unit;
        track.source = source;
    }
    track.samples.emplace_back(timeNs, value);
}

void SystemSampler::sampleCpu(int64_t timeNs)
{
    size_t core = 0;
    for (const CpuTicks& cpu : readCpuTicks(m_options.root)) {
        if (core < m_previousCpu.size()) {
            const int64_t deltaTotal = cpu.total - m_previousCpu[core].second;
            const int64_t busy = cpu.busy + cpu.steal; // a stolen tick is one this machine could not use
            const int64_t deltaBusy = busy - m_previousCpu[core].first;
            if (deltaTotal > 0)
                add("cpu" + std::to_string(cpu.index) + " load", "%", "/proc/stat", timeNs,
                    100.0 * double(deltaBusy) / double(deltaTotal));
            m_previousCpu[core] = { busy, cpu.total };
        } else {
            m_previousCpu.emplace_back(cpu.busy + cpu.steal, cpu.total);
        }
        ++core;
    }
}

void SystemSampler::sampleMemory(int64_t timeNs)
{
    std::ifstream meminfo(m_options.root + "/proc/meminfo");
    std::map<std::string, double> kb;
    std::string key;
    double value;
    std::string unit;
    while (meminfo >> key >> value) {
        std::getline(meminfo, unit);
        if (!key.empty() && key.back() == ':')
            key.pop_back();
        kb[key] = value;
    }
    if (kb.count("MemTotal") && kb.count("MemAvailable"))
        add("ram used", "MB", "/proc/meminfo", timeNs, (kb["MemTotal"] - kb["MemAvailable"]) / 1024.0);
    if (kb.count("SwapTotal") && kb.count("SwapFree") && kb["SwapTotal"] > 0)
        add("swap used", "MB", "/proc/meminfo", timeNs, (kb["SwapTotal"] - kb["SwapFree"]) / 1024.0);
    const int64_t rssBytes = readProcessStats(m_options.root).rssBytes;
    if (rssBytes >= 0)
        add("process rss", "MB", "/proc/self/status", timeNs, double(rssBytes) / (1024.0 * 1024.0));
}

void SystemSampler::sampleFiles(int64_t timeNs)
{
    for (const Source& source : m_sources) {
        double first = 0, second = 1;
        if (!readNumber(source.path, first))
            continue;
        if (!source.secondPath.empty() && !readNumber(source.secondPath, second))
            continue;
        if (source.unit == "C" && first * source.scale <= -200)
            continue; // -256 C: the sensor is absent
        add(source.name, source.unit, source.source, timeNs, first * second * source.scale);
    }
}

void SystemSampler::sampleNvml(int64_t timeNs)
{
    if (!m_nvml)
        return;
    for (size_t i = 0; i < m_nvml->devices.size(); ++i) {
        void* device = m_nvml->devices[i];
        const std::string prefix = "gpu" + std::to_string(i) + " ";
        NvmlLibrary::Utilization utilization {};
        if (m_nvml->utilization && m_nvml->utilization(device, &utilization) == 0) {
            add(prefix + "load", "%", "NVML", timeNs, utilization.gpu);
            add(prefix + "memory load", "%", "NVML", timeNs, utilization.memory);
        }
        NvmlLibrary::Memory memory {};
        if (m_nvml->memory && m_nvml->memory(device, &memory) == 0)
            add(prefix + "memory used", "MB", "NVML", timeNs, double(memory.used) / (1024.0 * 1024.0));
        unsigned int value = 0;
        if (m_nvml->power && m_nvml->power(device, &value) == 0)
            add(prefix + "power", "mW", "NVML", timeNs, value);
        if (m_nvml->temperature && m_nvml->temperature(device, 0, &value) == 0)
            add(prefix + "temp", "C", "NVML", timeNs, value);
        if (m_nvml->clock && m_nvml->clock(device, 1, &value) == 0)
            add(prefix + "sm clock", "MHz", "NVML", timeNs, value);
        if (m_nvml->clock && m_nvml->clock(device, 2, &value) == 0)
            add(prefix + "memory clock", "MHz", "NVML", timeNs, value);
        unsigned long long reasons = 0;
        if (m_nvml->throttleReasons && m_nvml->throttleReasons(device, &reasons) == 0)
            add(prefix + "throttle reasons", "mask", "NVML", timeNs, double(reasons)); // bits < 2^53: exact
    }
}

void SystemSampler::sampleOnce(int64_t timeNs)
{
    sampleCpu(timeNs);
    sampleMemory(timeNs);
    sampleFiles(timeNs);
    sampleNvml(timeNs);
}

void SystemSampler::run()
{
    std::unique_lock<std::mutex> lock(m_wakeMutex);
    while (!m_stopRequested) {
        lock.unlock();
        sampleOnce(nowNs());
        lock.lock();
        m_wake.wait_for(lock, std::chrono::milliseconds(m_options.periodMs), [this] { return m_stopRequested; });
    }
}

void SystemSampler::start()
{
    if (m_thread.joinable())
        return;
    {
        std::lock_guard<std::mutex> lock(m_wakeMutex);
        m_stopRequested = false;
    }
    m_thread = std::thread([this] { run(); });
}

void SystemSampler::stop()
{
    {
        std::lock_guard<std::mutex> lock(m_wakeMutex);
        m_stopRequested = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
}

std::vector<CounterTrack> SystemSampler::tracks(int64_t fromNs, int64_t toNs) const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return sliceTracks(m_tracks, fromNs, toNs);
}

std::vector<std::string> SystemSampler::notes() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_notes;
}

} // namespace es::prof
