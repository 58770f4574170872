// SPDX-License-Identifier: Apache-2.0
#pragma once

// A synthetic GPU lab run shaped like s0 on a CUDA device, of any size: per frame the four stage ranges, the
// detector's kernels with their cudaLaunchKernel calls, and the postprocess loop of tiny DtoH copies each followed
// by a stream synchronization; counters at 10 Hz. For the GUI's tests and the timeline benchmark (ten million events).
#include "store/session_store.h"

#include <cstdint>
#include <string>

namespace es::test_support {

struct SyntheticTraceShape
{
    int kernelsPerFrame = 200;
    int copiesPerFrame = 300; ///< postprocess iterations: API memcpy, copy, API sync, sync
    int64_t frameNs = 20'000'000;
    int64_t osTid = 4242;
};

/// Events one frame adds: 5 ranges, 2 per kernel, 4 per copy iteration, 1 frame.
inline int64_t eventsPerFrame(const SyntheticTraceShape& shape)
{
    return 6 + 2 * int64_t(shape.kernelsPerFrame) + 4 * int64_t(shape.copiesPerFrame);
}

inline prof::RunData syntheticGpuRun(int64_t frames, const SyntheticTraceShape& shape = {})
{
    prof::RunData data;
    data.run.step = "s0-baseline";
    data.run.stepNumber = 0;
    data.run.title = "baseline";
    data.run.profile = "full";
    data.run.device = "cuda:0";
    data.run.deviceName = "synthetic GPU";
    data.run.precision = "fp32";
    data.run.frames = frames;
    data.run.startNs = 1'000'000'000;
    data.run.endNs = data.run.startNs + frames * shape.frameNs;
    data.run.fps = 1e9 / double(shape.frameNs);
    data.rangeNames = { "frame", "buffer_to_image_tensor", "preprocess", "detector", "postprocess" };
    data.rangeColors = { 0xFF999999, 0xFFE69F00, 0xFF56B4E9, 0xFF009E73, 0xFFD55E00 };
    data.threads.push_back({ 0, shape.osTid, 0 });
    data.threadNames[shape.osTid] = "lab";
    data.gpuTracingState = "traced";
    prof::GpuActivity& gpu = data.gpu;
    const uint32_t launch = gpu.intern("cudaLaunchKernel_v7000");
    const uint32_t memcpy = gpu.intern("cudaMemcpyAsync_v3020");
    const uint32_t sync = gpu.intern("cudaStreamSynchronize_v3020");
    const uint32_t kernelNames[] = { gpu.intern("implicit_convolve_sgemm"), gpu.intern("batch_norm_kernel"),
        gpu.intern("elementwise_relu_kernel") };
    uint32_t correlation = 1;
    const auto tid = uint32_t(shape.osTid);
    for (int64_t f = 0; f < frames; ++f) {
        const int64_t t = data.run.startNs + f * shape.frameNs;
        const int64_t detectorStart = t + 3'000'000;
        const int64_t postStart = detectorStart + int64_t(shape.kernelsPerFrame) * 50'000;
        const int64_t frameEnd = postStart + int64_t(shape.copiesPerFrame) * 20'000;
        data.ranges.push_back({ t, frameEnd, f, 0, 0, 0 });
        data.ranges.push_back({ t, t + 1'000'000, f, 1, 0, 1 });
        data.ranges.push_back({ t + 1'000'000, detectorStart, f, 2, 0, 1 });
        data.ranges.push_back({ detectorStart, postStart, f, 3, 0, 1 });
        data.ranges.push_back({ postStart, frameEnd, f, 4, 0, 1 });
        data.frames.push_back({ f, f, t, frameEnd, 3, 120 });
        for (int k = 0; k < shape.kernelsPerFrame; ++k) {
            const int64_t at = detectorStart + int64_t(k) * 50'000;
            gpu.apiCalls.push_back({ at, at + 5'000, correlation, tid, 1, 211, launch, 0, false });
            prof::GpuKernel kernel;
            kernel.startNs = at + 6'000;
            kernel.endNs = at + 46'000;
            kernel.deviceId = 0;
            kernel.streamId = 7;
            kernel.correlationId = correlation++;
            kernel.nameIndex = kernelNames[k % 3];
            kernel.gridX = 128;
            kernel.gridY = kernel.gridZ = 1;
            kernel.blockX = 256;
            kernel.blockY = kernel.blockZ = 1;
            kernel.registersPerThread = 32;
            gpu.kernels.push_back(kernel);
        }
        for (int c = 0; c < shape.copiesPerFrame; ++c) {
            const int64_t at = postStart + int64_t(c) * 20'000;
            gpu.apiCalls.push_back({ at, at + 6'000, correlation, tid, 1, 41, memcpy, 0, false });
            prof::GpuCopy copy;
            copy.startNs = at + 2'000;
            copy.endNs = at + 4'000;
            copy.streamId = 7;
            copy.correlationId = correlation++;
            copy.bytes = 4;
            copy.copyKind = 2; // DtoH
            copy.srcKind = 3; // device
            copy.dstKind = 0; // pageable
            gpu.copies.push_back(copy);
            gpu.apiCalls.push_back({ at + 6'000, at + 16'000, correlation, tid, 1, 131, sync, 0, false });
            prof::GpuSync wait;
            wait.startNs = at + 6'000;
            wait.endNs = at + 16'000;
            wait.streamId = 7;
            wait.correlationId = correlation++;
            wait.syncType = 3;
            gpu.syncs.push_back(wait);
        }
    }
    prof::CounterTrack cpu { "cpu0 load", "%", "/proc/stat", {} };
    prof::CounterTrack gpuLoad { "gpu0 load", "%", "NVML", {} };
    for (int64_t t = data.run.startNs; t < data.run.endNs; t += 100'000'000) {
        cpu.samples.push_back({ t, 50.0 + double((t / 100'000'000) % 40) });
        gpuLoad.samples.push_back({ t, 20.0 + double((t / 100'000'000) % 60) });
    }
    data.counters = { cpu, gpuLoad };
    return data;
}

/// A session of two runs, s0 (the copy loop) then s1 (one copy per frame, 14 ms frames instead of 20): what a step
/// that removes the loop looks like. Returns an empty string, or what failed.
inline std::string writeBeforeAfterSession(const std::string& path, int64_t frames)
{
    auto store = prof::SessionStore::openForWriting(path);
    if (!store)
        return store.status().message();
    if (auto written = store.value()->writeRun(syntheticGpuRun(frames)); !written)
        return written.status().message();
    SyntheticTraceShape oneCopy;
    oneCopy.copiesPerFrame = 1;
    oneCopy.frameNs = 14'000'000;
    prof::RunData after = syntheticGpuRun(frames, oneCopy);
    after.run.step = "s1-cpu-postprocess";
    after.run.stepNumber = 1;
    if (auto written = store.value()->writeRun(after); !written)
        return written.status().message();
    return {};
}

} // namespace es::test_support
