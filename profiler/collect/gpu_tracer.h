// SPDX-License-Identifier: Apache-2.0
#pragma once

// The GPU tracer as the engine sees it: start, collect per run, stop. No CUDA or CUPTI header: builds without the
// CUDA toolkit get a tracer that says why it cannot trace.
#include "base/status.h"
#include "collect/gpu_probe.h"
#include "model/gpu_activity.h"

#include <cstddef>
#include <memory>
#include <string>

namespace es::prof {

/// What to trace. The defaults are what the lab's --profile full records.
struct GpuTracerOptions
{
    bool runtimeApi = true; ///< CUDA runtime API calls (needed to attribute device work to stages)
    bool driverApi = false; ///< CUDA driver API calls too (many records; on request)
    bool markers = true; ///< NVTX as CUPTI sees it (MARKER, and MARKER_DATA for colours where allowed)
    bool overhead = true; ///< CUPTI's own overhead records
    size_t bufferBytes = size_t(4) << 20; ///< one activity buffer (CUPTI fills it, then hands it back)
    size_t maxBufferBytes = size_t(1) << 30; ///< at most this much in buffers at once; beyond it records are dropped
};

/// Collects GPU activity (kernels, copies, memsets, synchronizations, API calls, NVTX markers) for the runs of a lab.
/// start() enables tracing; collect() flushes what the GPU has finished and returns every record decoded since the
/// last collect(), with times on the profiler's clock; stop() disables tracing. When tracing cannot work (no GPU,
/// insufficient privileges, another profiler attached, a build without CUPTI) start() returns Unavailable with the
/// reason and the fix, and status() keeps saying so; the run goes on without GPU activity. One controlling thread
/// (the lab's); CUPTI's buffer callbacks and the drain thread are internal.
class GpuTracer
{
public:
    virtual ~GpuTracer() = default;
    virtual Status start() = 0;
    virtual Result<GpuActivity> collect() = 0;
    virtual void stop() = 0;
    /// Whether tracing is on, and if not, why not and what to do.
    virtual GpuTracingStatus status() const = 0;
};

/// The tracer of this build: the CUPTI collector (its library loaded at run time) where the build has CUPTI,
/// otherwise one that refuses with the reason. `probe` supplies what the driver said (no GPU, Jetson, root, ...).
std::unique_ptr<GpuTracer> createGpuTracer(const GpuTracerOptions& options, const GpuProbe& probe);

/// CUPTI sees NVTX ranges (MARKER records) only when NVTX loads it as its injection library, which NVTX decides at
/// the process's first NVTX call from $NVTX_INJECTION64_PATH. Call this before any NVTX range when GPU tracing is
/// wanted: it points that variable at libcupti unless it is set already (Nsight Systems sets its own) or tracing
/// cannot work here. Returns what it did, for the run's notes.
std::string prepareNvtxForGpuTracing(const GpuProbe& probe);

/// Whether another CUDA profiler (Nsight Systems, Nsight Compute) is injected into this process, and which.
std::string attachedProfiler();

} // namespace es::prof
