// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/trace_model.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace es::prof {

/// Copies in one direction ("HtoD", "DtoH", "DtoD", "other"): count, bytes, GPU time, and how many touched
/// pageable or pinned host memory.
struct CopyTotals
{
    int64_t count = 0;
    int64_t bytes = 0;
    int64_t ns = 0;
    int64_t pageable = 0;
    int64_t pinned = 0;
};

/// The GPU work attributed to a stage, a frame/batch, or a whole run. Times in ns.
struct GpuWorkSummary
{
    int64_t kernels = 0;
    int64_t kernelNs = 0;
    std::map<std::string, CopyTotals> copies; ///< by direction
    int64_t memsets = 0;
    int64_t memsetBytes = 0;
    int64_t memsetNs = 0;
    int64_t syncs = 0;
    int64_t syncWaitNs = 0; ///< time the CPU waited in synchronizations
    int64_t apiCalls = 0;
    int64_t apiNs = 0;
    int64_t busyNs = 0; ///< union of the kernels, copies and memsets attributed here
    int64_t wallNs = 0; ///< the CPU time span: a stage's ranges added up, a batch's window
    int64_t gpuIdleNs = 0; ///< within that span, time with no device work at all (from any stage)
    int64_t idleGaps = 0; ///< idle stretches of 10 us or more within the span
    int64_t longestGapNs = 0;

    int64_t copyCount() const;
    /// The copies in one direction ("HtoD", ...); zero totals when there were none.
    CopyTotals copiesIn(const std::string& direction) const;
};

/// Device work tied to the CPU: every kernel, copy, memset and synchronization is linked to the API call that issued
/// it (correlation id), and through the call's thread and time to the innermost NVTX stage range open then, and to
/// the frame or batch that range belongs to (its payload). Work whose call is unknown (RUNTIME not traced, or
/// issued outside any range) is counted under "(unattributed)".
struct GpuAttribution
{
    std::vector<std::pair<std::string, GpuWorkSummary>> byStage; ///< in order of first appearance
    std::map<int64_t, GpuWorkSummary> byBatch; ///< batch index (the frame index at batch 1)
    GpuWorkSummary total;
    int64_t frames = 0; ///< measured frames (for per-frame averages)
    int64_t batches = 0;
    int64_t attributedRecords = 0;
    int64_t unattributedRecords = 0;

    const GpuWorkSummary* stage(const std::string& name) const;
};

/// Attributes one run's GPU activity. `model` must be finalized (tracks sorted by start).
GpuAttribution attributeGpuWork(const TraceModel& model);

/// Sorts [start, end) pairs; fast where they come as a few sorted runs (each stream's kernels, then its copies), as
/// device records do.
void sortSpans(std::vector<std::pair<int64_t, int64_t>>& spans);

/// Total length in ns of the union of `spans` ([start, end) pairs, in any order; empty ones count for nothing).
int64_t unionLength(std::vector<std::pair<int64_t, int64_t>> spans);

/// "DtoH" for ENUM_CUDA_MEMCPY_OPER 2, and so on; "other" for the rest.
const char* copyDirection(uint8_t copyKind);
/// "Stream Sync" for ENUM_CUPTI_SYNC_TYPE 3, and so on, as Nsight Systems names them; "Unknown Sync" for the rest.
const char* syncTypeName(uint32_t syncType);

} // namespace es::prof
