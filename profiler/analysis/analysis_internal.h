// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal to the analysis: metrics from a loaded run, and the rules that turn metrics into findings.
#include "analysis/analysis.h"
#include "analysis/gpu_attribution.h"
#include "model/trace_model.h"

namespace es::prof {

RunMetrics computeMetrics(
    const SessionStore& store, const RunSummary& summary, const TraceModel& model, const GpuAttribution& gpu);

/// Every rule, in order of the gain it promises. `previous`: the run before (precision rule), or null;
/// `environment`: the session's ES_ENVIRONMENT (CPU SIMD flags, GPU compute capability).
std::vector<Finding> applyRules(const RunMetrics& metrics, const GpuAttribution& gpu, const RunMetrics* previous,
    const std::map<std::string, std::string>& environment);

} // namespace es::prof
