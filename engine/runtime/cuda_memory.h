// SPDX-License-Identifier: Apache-2.0
#pragma once

// GPU memory figures from LibTorch's CUDA caching allocator. Needs LibTorch's CUDA-only headers: in a build against a
// CPU-only LibTorch (ES_TORCH_HAS_CUDA 0) every call answers "not available". No LibTorch types here.
#include <cstdint>

namespace es::engine {

/// Peak device memory LibTorch's allocator handed out (allocated) and held from the driver (reserved) since the
/// last reset, in bytes; -1 where unknown.
struct GpuMemoryPeak
{
    int64_t allocatedBytes = -1;
    int64_t reservedBytes = -1;
};

/// Starts a new peak on `device`. Lab thread; no-op without CUDA LibTorch.
void resetGpuMemoryPeak(int device);
/// The peak since resetGpuMemoryPeak.
GpuMemoryPeak gpuMemoryPeak(int device);

} // namespace es::engine
