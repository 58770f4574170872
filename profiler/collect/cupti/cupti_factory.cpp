// SPDX-License-Identifier: Apache-2.0
#include "collect/cupti/cupti_factory.h"

#include "collect/cupti/cupti_collector.h"

#include <cstdlib>

namespace es::prof {

std::unique_ptr<GpuTracer> createCuptiTracer(const GpuTracerOptions& options, const GpuProbe& probe)
{
    std::string loadError;
    std::unique_ptr<CuptiApi> api;
    // Loading libcupti is pointless (and slow) where the driver already said there is nothing to trace.
    if (probe.driverLoaded && probe.driverInitResult == 0 && !probe.devices.empty())
        api = loadCupti(loadError);
    return std::make_unique<CuptiCollector>(std::move(api), loadError, options, probe);
}

std::string pointNvtxAtCupti(const GpuProbe& probe)
{
    if (const char* set = std::getenv("NVTX_INJECTION64_PATH"); set && *set)
        return std::string("NVTX_INJECTION64_PATH is already ") + set;
    if (!probe.driverLoaded || probe.driverInitResult != 0 || probe.devices.empty() || !attachedProfiler().empty())
        return "";
    std::string error;
    std::unique_ptr<CuptiApi> api = loadCupti(error);
    if (!api)
        return "NVTX ranges are not traced by CUPTI: " + error;
    setenv("NVTX_INJECTION64_PATH", api->location().c_str(), 0);
    return "NVTX ranges reach CUPTI through NVTX_INJECTION64_PATH=" + api->location();
}

} // namespace es::prof
