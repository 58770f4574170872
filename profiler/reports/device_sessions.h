// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "reports/bench_tables.h"

#include <map>
#include <string>
#include <vector>

namespace es::prof {

/// One device's bench session, as the device comparison (the application's Devices page, its report and
/// `edgescope-cli compare A B --format html`) shows it: what the device is and the latest run of each model and
/// precision it measured. Plain data; any thread.
struct DeviceSession
{
    std::string name; ///< "NVIDIA Jetson Nano Developer Kit (0 (MAXN))", "Cortex-A72 · pi-powersave"
    std::string path;
    std::map<std::string, std::string> environment;
    std::vector<BenchRun> runs; ///< latestBenchRuns of the session
};

/// One fact a reader compares devices by ("CPU", "Cortex-A72"), from a session's environment.
struct DeviceFact
{
    std::string key; ///< the environment's key ("cpu_model")
    std::string label; ///< English, for tables ("CPU")
    std::string value;
};

/// Reads the bench runs and facts of the session at `path`; a Status naming the file and the fix when it cannot be
/// read or holds no bench run.
Result<DeviceSession> openDeviceSession(const std::string& path);

/// The device's name: its Jetson model where it has one, else the runs' device name (a GPU's) or its CPU, with the
/// power mode; "unknown device" when the session recorded none.
std::string deviceDisplayName(const std::map<std::string, std::string>& environment, const std::vector<BenchRun>& runs);

/// The facts recorded in `environment`, in the order tables show them (CPU, cores, LibTorch threads, clocks, GPU,
/// power mode, system, software); facts not recorded are left out.
std::vector<DeviceFact> deviceFacts(const std::map<std::string, std::string>& environment);

/// Adds `added` to `devices`, telling sessions of one board apart by their files' names ("Cortex-A72 · pi",
/// "Cortex-A72 · pi-powersave"); the names of the ones already there change where they clash.
void addDeviceSession(std::vector<DeviceSession>& devices, DeviceSession added);

/// The (model, precision) pairs every device measured, as the first device's runs, in its order.
std::vector<const BenchRun*> benchRunsEveryDeviceMeasured(const std::vector<DeviceSession>& devices);
/// The run of `model` in `precision` among `runs`, or null.
const BenchRun* findBenchRun(const std::vector<BenchRun>& runs, const std::string& model, const std::string& precision);

/// Device x model (deviceModelTable) with each FPS column named after its device ("FPS Cortex-A72").
StatsTable deviceComparisonTable(const std::vector<DeviceSession>& devices);

/// The devices' facts: one row per fact any device recorded, one column per device ("not recorded" where a device
/// lacks it).
StatsTable deviceFactsTable(const std::vector<DeviceSession>& devices);

} // namespace es::prof
