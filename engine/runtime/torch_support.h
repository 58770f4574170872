// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal to es_engine: includes LibTorch. What the lab and the model bench share about devices and precisions.
#include "base/status.h"
#include "edgescope/engine/device_report.h"

#include <torch/torch.h>

#include <string>

namespace es::engine {

/// Waits for the device's queued work (no-op on a CPU). Any thread.
void synchronize(const torch::Device& device);

/// The device for "auto", "cpu" or "cuda": CUDA when LibTorch has it (auto, cuda), else the CPU; "cuda" without a
/// usable GPU is a Status that says why and what to do.
Result<torch::Device> resolveDevice(const std::string& requested, const DeviceReport& report);

/// Reduced precision of the lab's step 4: fp16 on CUDA; on a CPU bf16 when LibTorch runs bf16 convolutions here,
/// else fp32. `reason` says why, in words.
torch::Dtype chooseHalfType(const torch::Device& device, const DeviceReport& report, std::string& reason);

/// Sets the CPU threads of inference and returns how many LibTorch uses: `requested` when above 0, else
/// OMP_NUM_THREADS when set, else `logicalCores`. The BLAS library LibTorch calls gets the same number: OpenBLAS (the
/// BLAS of Debian's and Raspberry Pi OS's LibTorch) keeps its own pool, which LibTorch's setting does not reach, so
/// without this a run "on one thread" still runs its matrix products on every core. Lab thread, before inference.
int applyComputeThreads(int requested, int logicalCores);

/// a / b rounded down, element by element, for a >= 0 and b > 0 (flat indices into rows): torch::div(a, b, "floor")
/// where LibTorch has rounding modes (1.8+), floor_divide before (Debian 11's 1.7; it truncates, the same there).
torch::Tensor floorDivide(const torch::Tensor& a, int64_t b);

/// "fp32", "fp16" or "bf16".
const char* dtypeName(torch::Dtype dtype);

/// The dtype of "fp32", "fp16" or "bf16" (also "float32", "float16", "half", "bfloat16").
Result<torch::Dtype> parseDtype(const std::string& name);

/// The first line of an exception's message, without LibTorch's C++ stack trace.
std::string firstLine(const std::string& message);

} // namespace es::engine
