// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "analysis/analysis.h"
#include "edgescope/engine/lab.h"
#include "edgescope/engine/lab_json.h"
#include "edgescope/engine/model_bench.h"
#include "reports/session_stats.h"

#include <nlohmann/json.hpp>

#include <ostream>

namespace es::cli {

/// The step table and what a reader must know, for a terminal.
void printLabTable(const engine::LabResult& lab, std::ostream& out);
/// Per step and stage: kernels, copies, synchronizations, GPU busy and idle per frame (only steps traced).
void printGpuFigures(const engine::LabResult& lab, std::ostream& out);
void printDevices(const engine::DeviceReport& report, std::ostream& out);
/// The model bench's peaks and model x precision table, for a terminal (bench_report.cpp).
void printBenchTable(const engine::BenchResult& bench, std::ostream& out);

/// A stats report as JSON ({"report", "columns", "rows": [{column: value}]}), or printed as a table or CSV.
nlohmann::json statsToJson(const prof::StatsTable& table);
void printStats(const prof::StatsTable& table, const std::string& format, std::ostream& out);

/// The compare command's output (compare_report.cpp).
nlohmann::json runAnalysisToJson(const prof::RunAnalysis& run);
nlohmann::json comparisonToJson(const prof::Comparison& comparison);
void printRunAnalysis(const prof::RunAnalysis& run, std::ostream& out);
void printComparison(const prof::Comparison& comparison, std::ostream& out);

} // namespace es::cli
