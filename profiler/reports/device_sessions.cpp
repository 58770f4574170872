// SPDX-License-Identifier: Apache-2.0
#include "reports/device_sessions.h"

#include <algorithm>
#include <set>

namespace es::prof {

namespace {

std::string factOf(const std::map<std::string, std::string>& environment, const std::string& key)
{
    auto found = environment.find(key);
    return found == environment.end() ? std::string() : found->second;
}

/// "pi-powersave" of "/home/me/pi-powersave.sqlite": the file's name without its last suffix.
std::string baseNameOf(const std::string& path)
{
    const size_t slash = path.find_last_of('/');
    std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    const size_t dot = name.find_last_of('.');
    return dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
}

} // namespace

Result<DeviceSession> openDeviceSession(const std::string& path)
{
    ES_ASSIGN_OR_RETURN(std::unique_ptr<SessionStore> store, SessionStore::openForReading(path));
    ES_ASSIGN_OR_RETURN(std::vector<BenchRun> runs, readBenchRuns(*store));
    if (runs.empty())
        return Status(StatusCode::InvalidArgument,
            path + " has no bench runs: run edgescope-cli bench --out " + path + " on that device (or the Bench page)");
    DeviceSession device;
    device.path = path;
    if (auto environment = store->environment())
        device.environment = std::move(environment.value());
    device.runs = latestBenchRuns(runs);
    device.name = deviceDisplayName(device.environment, device.runs);
    return device;
}

std::string deviceDisplayName(const std::map<std::string, std::string>& environment, const std::vector<BenchRun>& runs)
{
    std::string name = factOf(environment, "jetson_model");
    if (name.empty() || name == "yes")
        name = !runs.empty() && !runs.front().deviceName.empty() ? runs.front().deviceName
                                                                 : factOf(environment, "cpu_model");
    if (name.empty())
        name = "unknown device";
    const std::string mode = factOf(environment, "jetson_power_mode");
    return mode.empty() ? name : name + " (" + mode + ")";
}

std::vector<DeviceFact> deviceFacts(const std::map<std::string, std::string>& environment)
{
    static const std::pair<const char*, const char*> kShown[] = {
        { "jetson_model", "Jetson" },
        { "cpu_model", "CPU" },
        { "cpu_logical_cores", "Logical cores" },
        { "libtorch_threads", "LibTorch threads" },
        { "cpu_max_freq", "CPU max clock" },
        { "cpu_governor", "CPU governor" },
        { "gpu0_name", "GPU" },
        { "gpu0_compute_capability", "Compute capability" },
        { "gpu_max_freq", "GPU max clock" },
        { "jetson_power_mode", "Power mode (nvpmodel)" },
        { "os", "System" },
        { "libtorch_version", "LibTorch" },
        { "cuda_driver", "CUDA driver" },
    };
    std::vector<DeviceFact> facts;
    for (const auto& [key, label] : kShown) {
        std::string value = factOf(environment, key);
        if (!value.empty())
            facts.push_back({ key, label, std::move(value) });
    }
    return facts;
}

void addDeviceSession(std::vector<DeviceSession>& devices, DeviceSession added)
{
    const std::string shared = added.name;
    const std::string separator = " · ";
    bool clash = false;
    for (DeviceSession& other : devices) {
        if (other.name == shared)
            other.name += separator + baseNameOf(other.path);
        clash = clash || other.name.rfind(shared + separator, 0) == 0;
    }
    if (clash)
        added.name += separator + baseNameOf(added.path);
    devices.push_back(std::move(added));
}

const BenchRun* findBenchRun(const std::vector<BenchRun>& runs, const std::string& model, const std::string& precision)
{
    const BenchRun* latest = nullptr;
    for (const BenchRun& run : runs)
        if (run.model == model && run.precision == precision)
            latest = &run;
    return latest;
}

std::vector<const BenchRun*> benchRunsEveryDeviceMeasured(const std::vector<DeviceSession>& devices)
{
    std::vector<const BenchRun*> shared;
    if (devices.empty())
        return shared;
    std::set<std::pair<std::string, std::string>> seen;
    for (const BenchRun& run : devices.front().runs) {
        if (!seen.insert({ run.model, run.precision }).second)
            continue;
        const bool everywhere = std::all_of(devices.begin(), devices.end(), [&](const DeviceSession& device) {
            return findBenchRun(device.runs, run.model, run.precision) != nullptr;
        });
        if (everywhere)
            shared.push_back(findBenchRun(devices.front().runs, run.model, run.precision));
    }
    return shared;
}

StatsTable deviceComparisonTable(const std::vector<DeviceSession>& devices)
{
    std::vector<std::vector<BenchRun>> sessions;
    for (const DeviceSession& device : devices)
        sessions.push_back(device.runs);
    StatsTable table = deviceModelTable(sessions);
    for (size_t d = 0; d < devices.size() && d + 2 < table.columns.size(); ++d)
        table.columns[d + 2] = "FPS " + devices[d].name;
    return table;
}

StatsTable deviceFactsTable(const std::vector<DeviceSession>& devices)
{
    StatsTable table;
    table.report = "device_facts";
    table.columns = { "Fact" };
    std::vector<std::string> labels;
    std::vector<std::map<std::string, std::string>> byDevice;
    for (const DeviceSession& device : devices) {
        table.columns.push_back(device.name);
        std::map<std::string, std::string> facts;
        for (const DeviceFact& fact : deviceFacts(device.environment)) {
            facts[fact.label] = fact.value;
            if (std::find(labels.begin(), labels.end(), fact.label) == labels.end())
                labels.push_back(fact.label);
        }
        byDevice.push_back(std::move(facts));
    }
    for (const std::string& label : labels) {
        std::vector<StatsTable::Cell> row { label };
        for (const auto& facts : byDevice) {
            auto found = facts.find(label);
            row.push_back(found == facts.end() ? std::string("not recorded") : found->second);
        }
        table.rows.push_back(std::move(row));
    }
    return table;
}

} // namespace es::prof
