// SPDX-License-Identifier: Apache-2.0
#pragma once

// Bench sessions of a device written as edgescope-cli bench writes them (the figures in each run's result JSON, the
// device's facts in the session's environment), for the tests of the device comparison (profiler and application).
#include "store/session_store.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace es::test {

struct FixtureRun
{
    const char* model;
    const char* name;
    const char* precision;
    double fps, achievedGflops, peakGflops, weightsMb;
    double agreement; ///< < 0: none (fp32)
};

/// A bench session of one device: a run per model and precision, and the device's facts.
inline std::string writeBenchSession(const std::string& path, const std::string& device, const std::string& deviceName,
    const std::map<std::string, std::string>& environment, const std::vector<FixtureRun>& runs)
{
    auto store = es::prof::SessionStore::openForWriting(path);
    if (!store)
        return store.status().message();
    for (const FixtureRun& fixture : runs) {
        es::prof::RunData data;
        data.run.step = std::string("bench-") + fixture.model;
        data.run.title = fixture.name;
        data.run.device = device;
        data.run.deviceName = deviceName;
        data.run.precision = fixture.precision;
        data.run.batch = 1;
        data.run.startNs = 1000;
        data.run.endNs = 2000;
        nlohmann::json result = { { "model", fixture.model }, { "name", fixture.name }, { "task", "detection" },
            { "fps", fixture.fps }, { "latency_p50_ms", 1000.0 / fixture.fps },
            { "latency_p95_ms", 1100.0 / fixture.fps }, { "gflops_per_image", fixture.achievedGflops / fixture.fps },
            { "achieved_gflops", fixture.achievedGflops },
            { "peak_share", fixture.achievedGflops / fixture.peakGflops }, { "parameters", 26000000 },
            { "weights_mb", fixture.weightsMb }, { "peak_memory_mb", 300.0 },
            { "peak", { { "gflops", fixture.peakGflops } } } };
        result["agreement"] = { { "metric", "matched_detections" },
            { "value", fixture.agreement < 0 ? nlohmann::json() : nlohmann::json(fixture.agreement) } };
        data.run.resultJson = result.dump();
        auto written = store.value()->writeRun(data);
        if (!written)
            return written.status().message();
    }
    auto facts = store.value()->writeEnvironment(environment);
    return facts.isOk() ? std::string() : facts.message();
}

/// A Jetson Nano at MAXN: SSD300 4.0 FPS fp32 and 6.0 fp16 (agreement 0.991), ResNet-50 8.0 and 14.0 (0.998).
inline std::string writeNanoBenchSession(const std::string& path)
{
    return writeBenchSession(path, "cuda:0", "NVIDIA Tegra X1",
        { { "jetson_model", "NVIDIA Jetson Nano Developer Kit" }, { "jetson_power_mode", "0 (MAXN)" },
            { "cpu_model", "ARMv8 Processor rev 1 (v8l)" }, { "cpu_logical_cores", "4" } },
        { { "ssd300", "SSD300", "fp32", 4.0, 140.0, 470.0, 105.0, -1 },
            { "ssd300", "SSD300", "fp16", 6.0, 210.0, 940.0, 52.0, 0.991 },
            { "resnet50", "ResNet-50", "fp32", 8.0, 66.0, 470.0, 102.0, -1 },
            { "resnet50", "ResNet-50", "fp16", 14.0, 115.0, 940.0, 51.0, 0.998 } });
}

/// A Raspberry Pi 4 measured fp32 only: SSD300 1.0 FPS, ResNet-50 2.0 (a quarter of the Nano), its clock recorded.
inline std::string writePiBenchSession(const std::string& path)
{
    return writeBenchSession(path, "cpu", "Cortex-A72",
        { { "cpu_model", "Cortex-A72" }, { "cpu_logical_cores", "4" }, { "cpu_max_freq", "1.8 GHz" } },
        { { "ssd300", "SSD300", "fp32", 1.0, 35.0, 60.0, 105.0, -1 },
            { "resnet50", "ResNet-50", "fp32", 2.0, 16.5, 60.0, 102.0, -1 } });
}

} // namespace es::test
