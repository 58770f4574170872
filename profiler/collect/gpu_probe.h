// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace es::prof {

/// One CUDA device as the driver reports it.
struct CudaDevice
{
    int index = 0;
    std::string name;
    int computeMajor = 0;
    int computeMinor = 0;
    int64_t totalMemoryBytes = 0;
};

/// Whether GPU activity can be traced here, and if not, why and what to do.
struct GpuTracingStatus
{
    bool available = false;
    std::string reason; ///< why not, in one sentence ("no NVIDIA driver: libcuda.so.1 was not found")
    std::string fix; ///< what to do about it
};

/// What the NVIDIA driver says about this machine, read through the CUDA driver API loaded at run time (dlopen of
/// libcuda.so.1, no CUDA headers), plus the platform facts that decide whether CUPTI may trace: a Jetson's need
/// for root, and the desktop driver's restriction of profiling to admin users. Any thread; takes tens of ms.
struct GpuProbe
{
    bool driverLoaded = false; ///< libcuda.so.1 could be loaded
    int driverInitResult = -1; ///< cuInit's CUresult (0 = success), -1 when not called
    std::string driverError; ///< cuInit's error text
    int driverVersion = 0; ///< e.g. 13000 for CUDA 13.0
    std::vector<CudaDevice> devices;
    bool jetson = false; ///< /etc/nv_tegra_release or a Tegra device tree
    std::string jetsonModel;
    bool profilingAdminOnly = false; ///< the driver's RmProfilingAdminOnly is 1
    bool root = false;
    bool cuptiBuiltIn = false; ///< this build contains the CUPTI collector
    GpuTracingStatus tracing;
};

GpuProbe probeGpu();

/// "13.0" for 13000.
std::string cudaVersionText(int version);

} // namespace es::prof
