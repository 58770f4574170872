// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "collect/gpu_probe.h"

#include <string>
#include <vector>

namespace es::engine {

/// The compute backends of this machine as EdgeScope sees them: the CPU, LibTorch's CUDA support, the driver's
/// devices and whether GPU tracing can work. Value type.
struct DeviceReport
{
    std::string cpuModel;
    int logicalCores = 0;
    int torchThreads = 0;
    std::string cpuFlags; ///< the SIMD features that matter here (avx2, avx512f, avx512_bf16, amx_bf16, neon, ...)
    bool cpuNativeBf16 = false; ///< AVX512-BF16 or AMX-BF16 or Arm BF16
    std::string torchVersion;
    bool torchCuda = false; ///< LibTorch was built with CUDA and sees a device
    int torchCudaDevices = 0;
    std::string openCv; ///< version, empty without OpenCV
    bool gstreamer = false;
    bool nvtx = false; ///< NVTX ranges are compiled in
    std::string os;
    prof::GpuProbe gpu;
};

/// Probes the machine (tens of ms; loads the CUDA driver when present). Catches LibTorch exceptions. Any thread.
DeviceReport probeDevices();

} // namespace es::engine
