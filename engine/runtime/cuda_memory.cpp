// SPDX-License-Identifier: Apache-2.0
#include "runtime/cuda_memory.h"

#include "es_config.h"

#if ES_TORCH_HAS_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace es::engine {

#if ES_TORCH_HAS_CUDA

void resetGpuMemoryPeak(int device)
{
    c10::cuda::CUDACachingAllocator::resetPeakStats(device);
}

GpuMemoryPeak gpuMemoryPeak(int device)
{
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device);
    GpuMemoryPeak peak;
    peak.allocatedBytes = stats.allocated_bytes[0].peak; // [0]: the aggregate over pool kinds
    peak.reservedBytes = stats.reserved_bytes[0].peak;
    return peak;
}

#else

void resetGpuMemoryPeak(int) { }

GpuMemoryPeak gpuMemoryPeak(int)
{
    return {};
}

#endif

} // namespace es::engine
