// SPDX-License-Identifier: Apache-2.0
#include "runtime/torch_support.h"

#include "es_config.h"

#include <cstdlib>
#include <dlfcn.h>

namespace es::engine {

void synchronize(const torch::Device& device)
{
    if (!device.is_cuda())
        return;
#if ES_TORCH_VERSION_MAJOR > 1 || ES_TORCH_VERSION_MINOR >= 8
    torch::cuda::synchronize(device.index());
#else
    // LibTorch 1.7 has no torch::cuda::synchronize: one element read back waits for the stream's queued work.
    (void)torch::zeros({ 1 }, torch::TensorOptions().device(device)).item<float>();
#endif
}

torch::Tensor floorDivide(const torch::Tensor& a, int64_t b)
{
#if ES_TORCH_VERSION_MAJOR > 1 || ES_TORCH_VERSION_MINOR >= 8
    return torch::div(a, b, "floor");
#else
    return torch::floor_divide(a, b);
#endif
}

Result<torch::Device> resolveDevice(const std::string& requested, const DeviceReport& report)
{
    if (requested == "cpu")
        return torch::Device(torch::kCPU);
    if (report.torchCuda)
        return torch::Device(torch::kCUDA, 0);
    if (requested == "cuda") {
        std::string why = "this LibTorch was built without CUDA (Debian's libtorch-dev is CPU-only; build against a "
                          "CUDA-enabled LibTorch, e.g. the one in pip's torch, see docs/user-guide.md)";
        if (!report.gpu.tracing.reason.empty() && report.gpu.devices.empty())
            why = report.gpu.tracing.reason + "; " + why;
        // Unavailable, not InvalidArgument: the option is valid, this machine cannot serve it.
        return Status(
            StatusCode::Unavailable, "device cuda: no usable CUDA device: " + why + "; or use the cpu device");
    }
    return torch::Device(torch::kCPU);
}

torch::Dtype chooseHalfType(const torch::Device& device, const DeviceReport& report, std::string& reason)
{
    if (device.is_cuda()) {
        reason = "fp16 on CUDA";
        return torch::kHalf;
    }
    try {
        // A convolution and a batch norm, as the model runs them (LibTorch 1.7 has the first in bf16, not the second).
        const auto bf16 = torch::TensorOptions().dtype(torch::kBFloat16);
        const torch::Tensor weight = torch::ones({ 4, 4, 3, 3 }, bf16);
        const torch::Tensor input = torch::ones({ 1, 4, 8, 8 }, bf16);
        const torch::Tensor scale = torch::ones({ 4 }, bf16), shift = torch::zeros({ 4 }, bf16);
        (void)torch::batch_norm(torch::conv2d(input, weight), scale, shift, shift, scale, false, 0.1, 1e-5, false)
            .sum()
            .item<float>();
        reason = std::string("bf16: LibTorch has no fp16 convolutions on CPUs; ")
            + (report.cpuNativeBf16 ? "this CPU has native bf16 instructions (" + report.cpuFlags + ")"
                                    : "this CPU has no native bf16 instructions, so little or no gain is expected");
        return torch::kBFloat16;
    } catch (const std::exception&) {
        reason = "fp32: this LibTorch runs neither fp16 nor bf16 convolutions and batch norms on CPUs, so step 4 "
                 "changes nothing here";
        return torch::kFloat32;
    }
}

int applyComputeThreads(int requested, int logicalCores)
{
    if (requested > 0)
        torch::set_num_threads(requested);
    else if (!std::getenv("OMP_NUM_THREADS") && logicalCores > 0)
        torch::set_num_threads(logicalCores);
    const int threads = torch::get_num_threads();
    // OpenBLAS, where LibTorch links it: looked up at run time, so that other BLAS libraries need nothing.
    using SetThreads = void (*)(int);
    if (auto setBlasThreads = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
        setBlasThreads(threads);
    return threads;
}

const char* dtypeName(torch::Dtype dtype)
{
    if (dtype == torch::kHalf)
        return "fp16";
    if (dtype == torch::kBFloat16)
        return "bf16";
    return "fp32";
}

Result<torch::Dtype> parseDtype(const std::string& name)
{
    if (name == "fp32" || name == "float32" || name == "float")
        return torch::kFloat32;
    if (name == "fp16" || name == "float16" || name == "half")
        return torch::kHalf;
    if (name == "bf16" || name == "bfloat16")
        return torch::kBFloat16;
    return Status(StatusCode::InvalidArgument, "precision '" + name + "' is unknown (fp32, fp16 or bf16)");
}

std::string firstLine(const std::string& message)
{
    const size_t end = message.find('\n');
    std::string line = message.substr(0, end);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r'))
        line.pop_back();
    return line;
}

} // namespace es::engine
