// SPDX-License-Identifier: Apache-2.0
#pragma once

// The GPU reports of `edgescope-cli stats` (gpu_stage_sum, gpu_frame_sum, gpu_trace), computed from the session
// through loadRun and attributeGpuWork. Internal to es_profiler: session_stats.cpp dispatches to them.
#include "reports/session_stats.h"

namespace es::prof {

Result<StatsTable> gpuStageReport(const SessionStore& store, const std::vector<int64_t>& runIds);
Result<StatsTable> gpuFrameReport(const SessionStore& store, const std::vector<int64_t>& runIds);
Result<StatsTable> gpuTraceReport(const SessionStore& store, const std::vector<int64_t>& runIds);

} // namespace es::prof
