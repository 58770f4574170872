// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "reports/session_stats.h"
#include "store/session_store.h"

#include <optional>
#include <string>
#include <vector>

namespace es::prof {

/// One run of the model bench as a session stores it (ES_RUNS step "bench-<model>", the measured figures in its
/// result JSON). Times in ms, rates per second.
struct BenchRun
{
    int64_t runId = 0;
    std::string session, device, deviceName;
    std::string model, name, task, precision;
    int64_t batch = 1;
    double fps = 0, latencyP50Ms = 0, latencyP95Ms = 0;
    double gflopsPerImage = 0, achievedGflops = 0, peakShare = 0, peakGflops = 0;
    int64_t parameters = 0;
    double weightsMb = 0;
    std::optional<double> peakMemoryMb;
    std::string agreementMetric;
    std::optional<double> agreement;
};

/// Whether a run's step is one of the model bench's.
bool isBenchStep(const std::string& step);

/// The bench runs of a session, in run order (none: an empty vector). A result JSON that cannot be read is a Status
/// naming the session and the run.
Result<std::vector<BenchRun>> readBenchRuns(const SessionStore& store);

/// The latest run of each model and precision, in the order the models first appear (what the tables and the
/// application's charts show).
std::vector<BenchRun> latestBenchRuns(const std::vector<BenchRun>& runs);

/// Model x precision: one row per model and precision (the latest run of each), with latency, FPS, GFLOP/s, the
/// share of the device's peak, size, memory and the agreement with fp32.
StatsTable modelPrecisionTable(const std::vector<BenchRun>& runs);

/// Device x model: one row per model and precision that every session measured, with each session's device FPS
/// side by side and the ratio of the last to the first (e.g. a Jetson Nano against a Raspberry Pi).
StatsTable deviceModelTable(const std::vector<std::vector<BenchRun>>& sessions);

} // namespace es::prof
