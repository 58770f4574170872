// SPDX-License-Identifier: Apache-2.0
#pragma once
// The CUPTI collector as the rest of the profiler sees it: two entry points with no CUDA or CUPTI type, so that
// gpu_tracer.cpp calls them without CUDA's include path (only collect/cupti/ compiles against CUDA's headers).
// Declared only in builds with CUPTI (ES_HAS_CUPTI).
#include "collect/gpu_probe.h"
#include "collect/gpu_tracer.h"

#include <memory>
#include <string>

namespace es::prof {

/// The CUPTI collector, with libcupti loaded where the driver says there is a GPU to trace. Lab thread.
std::unique_ptr<GpuTracer> createCuptiTracer(const GpuTracerOptions& options, const GpuProbe& probe);

/// Points $NVTX_INJECTION64_PATH at libcupti (see prepareNvtxForGpuTracing); returns what it did.
std::string pointNvtxAtCupti(const GpuProbe& probe);

} // namespace es::prof
