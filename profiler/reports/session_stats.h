// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "store/session_store.h"

#include <variant>

namespace es::prof {

/// A report as rows of cells under named columns, ready to print as a table, CSV or JSON. Value type.
struct StatsTable
{
    using Cell = std::variant<int64_t, double, std::string>;
    std::string report;
    std::vector<std::string> columns;
    std::vector<std::vector<Cell>> rows;
};

/// A report `edgescope-cli stats` knows: its name (--report NAME) and a one-line summary of what it shows.
/// Value type.
struct StatsReportInfo
{
    std::string name;
    std::string summary;
};

/// The reports `edgescope-cli stats` knows, in the order it lists them. Built once; any thread.
const std::vector<StatsReportInfo>& statsReportCatalog();
/// The names of statsReportCatalog(), in its order.
const std::vector<std::string>& statsReportNames();

/// Computes one report over the given runs (all runs when `runIds` is empty): nvtx_sum, cuda_gpu_kern_sum,
/// cuda_gpu_mem_time_sum and cuda_api_sum with nsys's columns (Time (%), Total Time (ns), Instances, Avg (ns),
/// Med (ns), Min (ns), Max (ns), StdDev (ns), then the name), gpu_stage_sum and gpu_frame_sum (GPU work attributed
/// to stages and to frames/batches: kernels, copies by direction, synchronizations, busy and idle time), gpu_trace
/// (whether each run was traced, dropped records, clock mapping), op_sum (LibTorch operators, same columns), frames
/// (latency percentiles per run) and os_util (sampler counters per run). Read-only; one thread at a time per store.
Result<StatsTable> computeReport(
    const SessionStore& store, const std::string& report, const std::vector<int64_t>& runIds);

/// The run ids matching `--run ID` (a number) or `--step ID` (a step id, short id or number); all when both are empty.
Result<std::vector<int64_t>> selectRuns(const SessionStore& store, const std::string& run, const std::string& step);

} // namespace es::prof

namespace es::prof {

/// How many samples the system sampler took in a run against how many its period asks for over the run's span:
/// the busiest counter's count, so a sensor that is absent does not count as missed. `missed` is never negative.
struct SamplerCoverage
{
    int64_t expected = 0;
    int64_t recorded = 0;
    int64_t missed = 0;
};
Result<SamplerCoverage> samplerCoverage(const SessionStore& store, int64_t runId, int periodMs);

} // namespace es::prof
