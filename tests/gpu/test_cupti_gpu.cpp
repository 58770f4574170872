// SPDX-License-Identifier: Apache-2.0
// GPU checks (CTest label gpu) of the CUPTI collector: real kernels and copies through LibTorch, and what CUPTI
// reports about them (counts, directions, bytes, synchronizations, attribution to the stage that issued them).
// Skipped, with the reason, where LibTorch sees no CUDA device.
#include "analysis/gpu_attribution.h"
#include "base/clock.h"
#include "collect/gpu_tracer.h"
#include "collect/range_recorder.h"
#include "edgescope/engine/lab.h"
#include "model/trace_model.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

using namespace es;
using namespace es::prof;

namespace {

/// Why the test cannot run here, or empty.
std::string whyNoCuda()
{
    if (torch::cuda::is_available())
        return "";
    const GpuProbe probe = probeGpu();
    return probe.devices.empty() ? probe.tracing.reason : "this LibTorch was built without CUDA";
}

int64_t copies(const GpuWorkSummary* s, const char* direction)
{
    if (!s || !s->copies.count(direction))
        return 0;
    return s->copies.at(direction).count;
}

} // namespace

TEST(CuptiGpu, TracesLibTorchKernelsCopiesAndSyncsPerStage)
{
    if (const std::string why = whyNoCuda(); !why.empty()) {
        std::printf("[  SKIPPED ] no CUDA device for LibTorch here: %s\n", why.c_str());
        GTEST_SKIP() << why;
    }
    const GpuProbe probe = probeGpu();
    std::printf("%s\n", prepareNvtxForGpuTracing(probe).c_str()); // before the process's first NVTX range
    const torch::Device cuda(torch::kCUDA, 0);
    torch::ones({ 1 }, cuda).sum().item<float>(); // create the context before tracing, as the lab does
    std::unique_ptr<GpuTracer> tracer = createGpuTracer(GpuTracerOptions {}, probe);
    const Status started = tracer->start();
    ASSERT_TRUE(started.isOk()) << started.message();

    auto& registry = RangeNameRegistry::instance();
    const RangeName frame = registry.intern("frame", 0xFF999999, 2);
    const RangeName preprocess = registry.intern("preprocess", 0xFFE69F00, 1);
    const RangeName detector = registry.intern("detector", 0xFF009E73, 1);
    const RangeName postprocess = registry.intern("postprocess", 0xFFD55E00, 1);
    RangeRecorder recorder;
    RunData data;
    const int64_t startNs = nowNs();
    constexpr int64_t kElements = 1 << 20; // 4 MiB of fp32
    {
        ScopedRange outer(&recorder, frame, 0);
        torch::Tensor onDevice, product;
        {
            ScopedRange range(&recorder, preprocess, 0);
            onDevice = torch::arange(kElements, torch::kFloat32).to(cuda);
        }
        {
            ScopedRange range(&recorder, detector, 0);
            const torch::Tensor matrix = onDevice.reshape({ 1024, 1024 });
            product = torch::relu(torch::mm(matrix, matrix));
        }
        {
            ScopedRange range(&recorder, postprocess, 0);
            float sum = 0;
            for (int i = 0; i < 5; ++i)
                sum += product[0][i].item<float>(); // 5 device-to-host copies, each waited for
            sum += product.cpu()[1][1].item<float>(); // one 4 MiB copy
            EXPECT_TRUE(std::isfinite(sum) || std::isinf(sum));
        }
    }
    const int64_t endNs = nowNs();
    auto activity = tracer->collect();
    ASSERT_TRUE(activity.isOk()) << activity.status().message();
    tracer->stop();
    data.gpu = activity.value().slice(startNs, endNs);
    data.ranges = recorder.snapshot();
    data.threads = recorder.threads();
    data.frames.push_back({ 0, 0, startNs, endNs, 0, 0 });
    data.run.startNs = startNs;
    data.run.endNs = endNs;

    const GpuActivity& gpu = data.gpu;
    EXPECT_EQ(gpu.droppedRecords, 0u);
    EXPECT_TRUE(gpu.clock.measured);
    std::printf("CUPTI: %zu kernels, %zu copies, %zu syncs, %zu API calls, %zu markers; clock offset %lld ns +- %lld, "
                "drift %lld ns\n",
        gpu.kernels.size(), gpu.copies.size(), gpu.syncs.size(), gpu.apiCalls.size(), gpu.markers.size(),
        static_cast<long long>(gpu.clock.offsetNs), static_cast<long long>(gpu.clock.uncertaintyNs),
        static_cast<long long>(gpu.clock.driftNs));
    for (const GpuKernel& kernel : gpu.kernels) {
        EXPECT_FALSE(gpu.name(kernel.nameIndex).empty());
        EXPECT_GE(kernel.startNs, startNs - 1'000'000) << "kernel times are on the profiler's clock";
        EXPECT_LE(kernel.endNs, endNs + 1'000'000);
    }
    const GpuAttribution a = attributeGpuWork(buildModel(data));
    EXPECT_GT(a.attributedRecords, 0) << "API calls are tied to this thread's ranges";
    const GpuWorkSummary* pre = a.stage("preprocess");
    const GpuWorkSummary* det = a.stage("detector");
    const GpuWorkSummary* post = a.stage("postprocess");
    ASSERT_NE(pre, nullptr);
    ASSERT_NE(det, nullptr);
    ASSERT_NE(post, nullptr);
    EXPECT_GE(copies(pre, "HtoD"), 1);
    EXPECT_GE(pre->copies.count("HtoD") ? pre->copies.at("HtoD").bytes : 0, kElements * 4);
    EXPECT_GE(det->kernels, 2) << "mm and relu";
    EXPECT_EQ(copies(det, "DtoH"), 0);
    EXPECT_GE(copies(post, "DtoH"), 6) << "five .item() and one .cpu()";
    EXPECT_GE(post->copies.count("DtoH") ? post->copies.at("DtoH").bytes : 0, kElements * 4 + 5 * 4);
    EXPECT_GE(post->syncs, 5) << "each .item() waits for its copy";
    EXPECT_GT(post->syncWaitNs, 0);
    bool sawEdgescopeMarker = false;
    for (const GpuMarker& marker : gpu.markers)
        sawEdgescopeMarker = sawEdgescopeMarker || gpu.name(marker.domainIndex) == "edgescope";
    EXPECT_TRUE(sawEdgescopeMarker) << "CUPTI sees EdgeScope's NVTX ranges";
}

TEST(CuptiGpu, LabStepsShowTheirCopies)
{
    if (const std::string why = whyNoCuda(); !why.empty()) {
        std::printf("[  SKIPPED ] no CUDA device for LibTorch here: %s\n", why.c_str());
        GTEST_SKIP() << why;
    }
    engine::LabOptions options;
    options.synthetic = true;
    options.syntheticWidth = 640;
    options.syntheticHeight = 480;
    options.frames = 4;
    options.warmup = 1;
    options.steps = { 0, 1, 2 };
    options.device = "cuda";
    options.profile = "full";
    options.measureDetectorOnly = false;
    auto lab = engine::runLab(options);
    ASSERT_TRUE(lab.isOk()) << lab.status().message();
    ASSERT_EQ(lab->gpuTracing, "traced") << lab->gpuTracingReason;
    const engine::StepResult& s0 = lab->steps[0];
    const engine::StepResult& s1 = lab->steps[1];
    const engine::StepResult& s2 = lab->steps[2];
    ASSERT_TRUE(s0.gpu && s1.gpu && s2.gpu);
    const auto post = [](const engine::StepResult& step) {
        auto found = step.gpu->stages.find("postprocess");
        return found == step.gpu->stages.end() ? engine::GpuStageFigures {} : found->second;
    };
    std::printf("DtoH copies per frame in postprocess: s0 %.1f (%.1f NMS iterations), s1 %.1f, s2 %.1f\n",
        post(s0).copiesDtoH, s0.nmsIterationsPerFrame, post(s1).copiesDtoH, post(s2).copiesDtoH);
    EXPECT_GE(post(s0).copiesDtoH, s0.nmsIterationsPerFrame) << "s0: a device-to-host copy per NMS iteration";
    EXPECT_GE(post(s0).syncs, s0.nmsIterationsPerFrame);
    EXPECT_LE(post(s1).copiesDtoH, 2.0) << "s1: the outputs copied once per frame (locations and scores)";
    EXPECT_EQ(post(s1).kernels, 0.0) << "s1 postprocesses on the host";
    EXPECT_LT(post(s2).copiesDtoH, post(s0).copiesDtoH / 10) << "s2: only the final detections come back";
    for (const auto* step : { &s0, &s1, &s2 })
        EXPECT_EQ(step->gpu->droppedRecords, 0u) << step->id;
    EXPECT_GT(s0.deviceMemoryPeakBytes, 0) << "LibTorch's allocator reports the peak on a CUDA build";
}
