// SPDX-License-Identifier: Apache-2.0
// Iterations of imported traces: how the marker is chosen, the windows, the figures per iteration (device work by
// its launch), and the kernel diff of two runs.
#include "analysis/iterations.h"

#include <gtest/gtest.h>

namespace es::prof {
namespace {

constexpr int64_t kMs = 1000000;

SliceEvent slice(TraceModel& model, const std::string& name, int64_t startNs, int64_t endNs)
{
    return { startNs, endNs, -1, model.strings.intern(name), 0, 0 };
}

/// Four training steps of 10, 10, 10 and 20 ms as the PyTorch profiler marks them (ProfilerStep#N operators),
/// a "forward" annotation of 4 ms in each, one kernel launched per step (the last step's runs after it ends) and a
/// kernel launched before the first step.
TraceModel profilerSteps()
{
    TraceModel model;
    ThreadTrack& thread = model.thread(1102);
    const int64_t starts[] = { 0, 10 * kMs, 20 * kMs, 30 * kMs };
    const int64_t ends[] = { 10 * kMs, 20 * kMs, 30 * kMs, 50 * kMs };
    StreamTrack& stream = model.stream(0, 7);
    for (int i = 0; i < 4; ++i) {
        thread.operators.push_back(slice(model, "ProfilerStep#" + std::to_string(5 + i), starts[i], ends[i]));
        thread.ranges.push_back(slice(model, "forward", starts[i] + kMs, starts[i] + 5 * kMs));
        const uint32_t correlation = 100 + uint32_t(i);
        thread.apiCalls.push_back({ starts[i] + 2 * kMs, starts[i] + 2 * kMs + 5000, correlation,
            model.strings.intern("cudaLaunchKernel"), 0, 0 });
        const int64_t kernelStart = i == 3 ? ends[i] + kMs : starts[i] + 3 * kMs; // the last runs after its step
        stream.kernels.push_back({ kernelStart, kernelStart + 2 * kMs, correlation,
            model.strings.intern(i % 2 ? "volta_sgemm" : "elementwise_add"), 1, 1, 1, 1, 1, 1, 32 });
    }
    thread.apiCalls.push_back({ -5 * kMs, -5 * kMs + 1000, 99, model.strings.intern("cudaLaunchKernel"), 0, 0 });
    stream.kernels.insert(stream.kernels.begin(),
        { -4 * kMs, -3 * kMs, 99, model.strings.intern("warmup_kernel"), 1, 1, 1, 1, 1, 1, 32 });
    model.startNs = -5 * kMs;
    model.endNs = 55 * kMs;
    model.finalize();
    return model;
}

TEST(IterationKey, StripsOnlyAnIterationNumber)
{
    EXPECT_EQ(iterationKey("ProfilerStep#12"), "ProfilerStep#");
    EXPECT_EQ(iterationKey("step#3"), "step#");
    EXPECT_EQ(iterationKey("train_step"), "train_step");
    EXPECT_EQ(iterationKey("a#b"), "a#b");
    EXPECT_EQ(iterationKey("trailing#"), "trailing#");
}

TEST(Iterations, ProfilerStepsAreChosenFirst)
{
    const TraceModel model = profilerSteps();
    auto found = findIterations(model);
    ASSERT_TRUE(found) << found.status().message();
    EXPECT_EQ(found.value().marker, "ProfilerStep#");
    ASSERT_EQ(found.value().windows.size(), 4u);
    EXPECT_EQ(found.value().windows[3].startNs, 30 * kMs);
    EXPECT_EQ(found.value().windows[3].endNs, 50 * kMs);
}

TEST(Iterations, FiguresPerIterationCountWorkWhereItWasLaunched)
{
    const TraceModel model = profilerSteps();
    const IterationMetrics m = measureIterations(model, findIterations(model).value());
    EXPECT_EQ(m.count, 4);
    EXPECT_DOUBLE_EQ(m.perSecond, 4 / 0.050); // four iterations in 50 ms
    EXPECT_DOUBLE_EQ(m.medianMs, 10.0);
    EXPECT_DOUBLE_EQ(m.maxMs, 20.0);
    EXPECT_DOUBLE_EQ(m.meanMs, 12.5);
    ASSERT_EQ(m.rates.size(), 4u);
    EXPECT_DOUBLE_EQ(m.rates[3], 50.0);
    EXPECT_TRUE(m.gpuTraced);
    // Four kernels launched in the steps (the warm-up kernel before them is not), 2 ms each.
    EXPECT_DOUBLE_EQ(m.kernelsPerIteration, 1.0);
    EXPECT_DOUBLE_EQ(m.kernelMsPerIteration, 2.0);
    ASSERT_EQ(m.kernels.size(), 2u);
    EXPECT_DOUBLE_EQ(m.kernels.at("volta_sgemm").launchesPerIteration, 0.5);
    EXPECT_FALSE(m.kernels.count("warmup_kernel"));
    // Busy: three kernels inside the 50 ms span, the fourth from 51 ms on lies outside it.
    EXPECT_NEAR(m.gpuBusyPercent, 100.0 * 6 / 50, 1e-9);
    EXPECT_DOUBLE_EQ(m.rangeMsPerIteration.at("forward"), 4.0);
}

TEST(Iterations, WithoutStepsTheRepeatingRangeWithTheMostTimeIsChosen)
{
    TraceModel model;
    ThreadTrack& thread = model.thread(7);
    thread.ranges.push_back(slice(model, "setup", 0, 100 * kMs)); // long, but only once
    for (int i = 0; i < 3; ++i) {
        const int64_t start = 100 * kMs + i * 30 * kMs;
        thread.ranges.push_back(slice(model, "train_step", start, start + 25 * kMs));
        thread.ranges.push_back(slice(model, "forward", start + kMs, start + 9 * kMs));
        thread.ranges.push_back(slice(model, "backward", start + 10 * kMs, start + 24 * kMs));
    }
    model.finalize();
    auto found = findIterations(model);
    ASSERT_TRUE(found) << found.status().message();
    EXPECT_EQ(found.value().marker, "train_step");
    EXPECT_EQ(found.value().windows.size(), 3u);
    EXPECT_NE(found.value().source.find("3 times"), std::string::npos);
    const IterationMetrics m = measureIterations(model, found.value());
    EXPECT_FALSE(m.gpuTraced);
    EXPECT_DOUBLE_EQ(m.perSecond, 3 / 0.085);
    EXPECT_DOUBLE_EQ(m.rangeMsPerIteration.at("backward"), 14.0);

    auto chosen = findIterations(model, "forward");
    ASSERT_TRUE(chosen);
    EXPECT_EQ(chosen.value().marker, "forward");
    EXPECT_EQ(chosen.value().windows.front().endNs, 109 * kMs);
}

TEST(Iterations, NothingRepeatingSaysHowToNameTheMarker)
{
    TraceModel model;
    ThreadTrack& thread = model.thread(7);
    thread.ranges.push_back(slice(model, "main", 0, 100 * kMs));
    model.finalize();
    auto found = findIterations(model);
    ASSERT_FALSE(found);
    EXPECT_EQ(found.status().code(), StatusCode::NotFound);
    EXPECT_NE(found.status().message().find("--iteration NAME"), std::string::npos);
    auto missing = findIterations(model, "step");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.status().message().find("'step'"), std::string::npos);
}

TEST(Iterations, NestedAndRepeatedMarkersCountOnce)
{
    TraceModel model;
    ThreadTrack& thread = model.thread(7);
    for (int i = 0; i < 2; ++i) {
        const int64_t start = i * 10 * kMs;
        thread.ranges.push_back(slice(model, "ProfilerStep#" + std::to_string(i), start, start + 10 * kMs));
        thread.operators.push_back(slice(model, "ProfilerStep#" + std::to_string(i), start, start + 10 * kMs));
        thread.ranges.push_back(slice(model, "ProfilerStep#9", start + kMs, start + 2 * kMs)); // inside: not another
    }
    model.finalize();
    EXPECT_EQ(findIterations(model).value().windows.size(), 2u);
}

TEST(KernelDiff, AppearedVanishedAndChangedByTheirChangeInTime)
{
    const std::map<std::string, KernelShare> base
        = { { "gemm", { 10, 5.0 } }, { "relu", { 10, 1.0 } }, { "old_copy", { 2, 0.5 } } };
    const std::map<std::string, KernelShare> with
        = { { "gemm", { 10, 2.0 } }, { "relu", { 10, 1.1 } }, { "fused_gemm_relu", { 5, 1.5 } } };
    const std::vector<KernelChange> diff = diffKernels(base, with);
    ASSERT_EQ(diff.size(), 4u);
    EXPECT_EQ(diff[0].name, "gemm");
    EXPECT_EQ(diff[0].change, "changed");
    EXPECT_DOUBLE_EQ(diff[0].deltaMs(), -3.0);
    EXPECT_EQ(diff[1].name, "fused_gemm_relu");
    EXPECT_EQ(diff[1].change, "appeared");
    EXPECT_EQ(diff[2].name, "old_copy");
    EXPECT_EQ(diff[2].change, "vanished");
    EXPECT_EQ(diffKernels(base, with, 2).size(), 2u);
}

} // namespace
} // namespace es::prof
