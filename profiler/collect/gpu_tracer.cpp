// SPDX-License-Identifier: Apache-2.0
#include "collect/gpu_tracer.h"

#include "es_config.h"

#include <cstdlib>
#include <cstring>

#if ES_HAS_CUPTI
#include "collect/cupti/cupti_factory.h"
#endif

namespace es::prof {

namespace {

/// The tracer of a build without CUPTI, or of a machine where tracing cannot start: says why. Any thread.
class UnavailableTracer final : public GpuTracer
{
public:
    explicit UnavailableTracer(GpuTracingStatus status) : m_status(std::move(status)) { }
    Status start() override
    {
        return Status(
            StatusCode::Unavailable, "GPU tracing unavailable: " + m_status.reason + " (" + m_status.fix + ")");
    }
    Result<GpuActivity> collect() override { return start(); }
    void stop() override { }
    GpuTracingStatus status() const override { return m_status; }

private:
    GpuTracingStatus m_status;
};

} // namespace

std::string attachedProfiler()
{
    const char* injection = std::getenv("CUDA_INJECTION64_PATH");
    if (std::getenv("NSYS_PROFILING_SESSION_ID") || (injection && std::strstr(injection, "nsys")))
        return "Nsight Systems";
    if (std::getenv("NV_COMPUTE_PROFILER_PERFWORKS_DIR") || (injection && std::strstr(injection, "ncu")))
        return "Nsight Compute";
    if (injection && *injection)
        return std::string("a CUDA profiler (CUDA_INJECTION64_PATH=") + injection + ")";
    return "";
}

std::string prepareNvtxForGpuTracing(const GpuProbe& probe)
{
#if ES_HAS_CUPTI
    return pointNvtxAtCupti(probe);
#else
    (void)probe;
    return "";
#endif
}

std::unique_ptr<GpuTracer> createGpuTracer(const GpuTracerOptions& options, const GpuProbe& probe)
{
#if ES_HAS_CUPTI
    return createCuptiTracer(options, probe);
#else
    (void)options;
    GpuTracingStatus status = probe.tracing;
    status.available = false;
    if (status.reason.empty()) {
        status.reason = "this build of EdgeScope has no CUPTI collector (configured without the CUDA toolkit's CUPTI)";
        status.fix = "rebuild with the CUDA toolkit installed (-DES_WITH_CUDA=ON)";
    }
    return std::make_unique<UnavailableTracer>(status);
#endif
}

} // namespace es::prof
