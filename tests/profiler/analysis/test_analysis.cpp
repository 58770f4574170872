// SPDX-License-Identifier: Apache-2.0
// The analysis on synthetic sessions with known answers: metrics, every rule, comparisons and predicted speedups.
#include "analysis/analysis.h"
#include "store/session_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <unistd.h>

using namespace es;
using namespace es::prof;

namespace {

std::string temp(const std::string& name)
{
    const std::string path = testing::TempDir() + "/es_analysis_" + std::to_string(getpid()) + "_" + name + ".sqlite";
    std::remove(path.c_str());
    return path;
}

/// One 100 ms frame on a GPU: preprocess 5 ms, detector 30 ms (one 25 ms kernel), postprocess 60 ms with
/// `copies` device-to-host copies of `copyUs` each, every one followed by a synchronization waiting `waitUs`.
RunData gpuRun(const std::string& step, int copies, double copyUs, double waitUs, double fps)
{
    RunData data;
    data.pid = 100;
    data.run.step = step;
    data.run.device = "cuda:0";
    data.run.precision = "fp32";
    data.run.frames = 1;
    data.run.fps = fps;
    data.run.startNs = 0;
    data.run.endNs = 100'000'000;
    data.rangeNames = { "frame", "preprocess", "detector", "postprocess" };
    data.threads.push_back({ 0, 101, 0 });
    const int64_t frameEnd = int64_t(1e9 / fps);
    data.ranges.push_back({ 0, frameEnd, 0, 0, 0, 0 });
    data.ranges.push_back({ 0, 5'000'000, 0, 1, 0, 1 });
    data.ranges.push_back({ 5'000'000, 35'000'000, 0, 2, 0, 1 });
    data.ranges.push_back({ 35'000'000, frameEnd - 5'000'000, 0, 3, 0, 1 });
    data.frames.push_back({ 0, 0, 0, frameEnd, 10, 1000 });
    GpuActivity& gpu = data.gpu;
    const uint32_t launch = gpu.intern("cudaLaunchKernel_v7000");
    const uint32_t memcpy = gpu.intern("cudaMemcpyAsync_v3020");
    const uint32_t sync = gpu.intern("cudaStreamSynchronize_v3020");
    const uint32_t kernel = gpu.intern("ssd_kernel");
    gpu.apiCalls.push_back({ 6'000'000, 6'010'000, 1, 101, 100, 211, launch, 0, false });
    gpu.kernels.push_back({ 6'020'000, 31'020'000, 0, 1, 7, 1, kernel, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1 });
    uint32_t correlation = 2;
    int64_t t = 36'000'000;
    for (int i = 0; i < copies; ++i) {
        const int64_t copyNs = int64_t(copyUs * 1000), waitNs = int64_t(waitUs * 1000);
        gpu.apiCalls.push_back({ t, t + 1'000, correlation, 101, 100, 41, memcpy, 0, false });
        gpu.copies.push_back({ t + 2'000, t + 2'000 + copyNs, 0, 1, 7, correlation++, 8, 2, 2, 0 });
        gpu.apiCalls.push_back({ t + 1'500, t + 1'500 + waitNs, correlation, 101, 100, 131, sync, 0, false });
        gpu.syncs.push_back({ t + 1'500, t + 1'500 + waitNs, 1, 7, correlation++, 3, 0 });
        t += 2'000 + waitNs + 10'000;
    }
    data.counters.push_back({ "cpu0 load", "%", "/proc/stat", { { 0, 40.0 }, { 50'000'000, 60.0 } } });
    data.counters.push_back({ "cpu1 load", "%", "/proc/stat", { { 0, 10.0 }, { 50'000'000, 30.0 } } });
    data.counters.push_back({ "power VDD_IN", "mW", "ina3221", { { 0, 5000.0 }, { 50'000'000, 5000.0 } } });
    data.gpuTracingState = "traced";
    return data;
}

int64_t write(const std::string& path, const RunData& data)
{
    auto store = SessionStore::openForWriting(path).value();
    return store->writeRun(data).value();
}

const Finding* find(const std::vector<Finding>& findings, const std::string& rule)
{
    for (const Finding& f : findings)
        if (f.rule == rule)
            return &f;
    return nullptr;
}

} // namespace

TEST(Analysis, TheItemPatternFiresOnS0AndIsGoneAtS1WithAPredictedSpeedup)
{
    const std::string path = temp("s0s1");
    // s0: 300 copies of 2 us, each waited 100 us: 30.6 ms of a 100 ms frame. s1: one copy of the outputs.
    write(path, gpuRun("s0-baseline", 300, 2, 100, 10.0));
    write(path, gpuRun("s1-cpu-postprocess", 1, 500, 600, 1000.0 / 70.0));
    auto store = SessionStore::openForReading(path).value();
    auto lab = analyzeSession(*store);
    ASSERT_TRUE(lab.isOk()) << lab.status().message();
    ASSERT_EQ(lab->runs.size(), 2u);
    const RunMetrics& s0 = lab->runs[0].metrics;
    EXPECT_TRUE(s0.gpuTraced);
    EXPECT_DOUBLE_EQ(s0.copiesPerFrame.at("DtoH").count, 300);
    EXPECT_DOUBLE_EQ(s0.copiesPerFrame.at("DtoH").pageablePercent, 100);
    EXPECT_DOUBLE_EQ(s0.syncsPerFrame, 300);
    EXPECT_NEAR(s0.syncWaitMsPerFrame, 30.0, 1e-9);
    EXPECT_DOUBLE_EQ(s0.kernelsPerFrame, 1);
    EXPECT_NEAR(s0.kernelMsPerFrame, 25.0, 1e-9);
    EXPECT_NEAR(s0.frameMs, 100.0, 1e-9);
    EXPECT_NEAR(s0.stageMs.at("postprocess"), 60.0, 1e-9);
    EXPECT_NEAR(s0.latencyP50Ms, 100.0, 1e-9);
    EXPECT_NEAR(*s0.cpuLoadMeanPercent, 35.0, 1e-9) << "mean of the cores' means (50 and 20)";
    EXPECT_NEAR(s0.cpuLoadPercent.at("cpu0"), 50.0, 1e-9);
    EXPECT_NEAR(*s0.powerW, 5.0, 1e-9);
    EXPECT_NEAR(*s0.energyPerFrameJ, 0.5, 1e-9);
    EXPECT_NEAR(*s0.fpsPerWatt, 2.0, 1e-9);

    const Finding* loop = find(lab->runs[0].findings, "sync-copy-in-loop");
    ASSERT_NE(loop, nullptr) << "the .item() pattern fires on s0";
    EXPECT_EQ(loop->stage, "postprocess");
    EXPECT_DOUBLE_EQ(loop->count, 300);
    EXPECT_NEAR(loop->shareOfFrame, 0.306, 1e-9) << "(300 x 100 us waited + 300 x 2 us copied) / 100 ms";
    const double predicted = 100.0 / (100.0 - 30.6 * (1 - 1.0 / 300));
    EXPECT_NEAR(loop->expectedSpeedup, predicted, 1e-9);
    EXPECT_EQ(find(lab->runs[1].findings, "sync-copy-in-loop"), nullptr) << "gone at s1";

    ASSERT_EQ(lab->steps.size(), 1u);
    const Comparison& step = lab->steps[0];
    EXPECT_NEAR(step.measuredSpeedup, 100.0 / 70.0, 1e-9);
    // The gone findings' savings: per stage the largest, summed over stages, off the 100 ms frame.
    std::map<std::string, double> saved;
    for (const Finding& gone : step.disappeared)
        saved[gone.stage] = std::max(saved[gone.stage], 100.0 * (1 - 1 / gone.expectedSpeedup));
    double total = 0;
    for (const auto& [stage, ms] : saved)
        total += ms;
    EXPECT_NEAR(step.predictedSpeedup, 100.0 / (100.0 - total), 1e-9);
    EXPECT_GE(step.predictedSpeedup, predicted - 1e-9);
    std::printf("s0 -> s1: predicted %.3fx (the .item() finding alone: %.3fx), measured %.3fx\n", step.predictedSpeedup,
        predicted, step.measuredSpeedup);
    bool sawGone = false;
    for (const Finding& f : step.disappeared)
        sawGone = sawGone || f.rule == "sync-copy-in-loop";
    EXPECT_TRUE(sawGone);
    bool fps = false;
    for (const MetricChange& change : step.metrics)
        if (change.name == "FPS") {
            fps = true;
            EXPECT_DOUBLE_EQ(*change.base, 10.0);
            EXPECT_NEAR(*change.with, 1000.0 / 70.0, 1e-9);
        }
    EXPECT_TRUE(fps);
}

TEST(Analysis, GpuRulesPageableExplicitSyncIdleAndLaunchBound)
{
    const std::string path = temp("gpu-rules");
    RunData data = gpuRun("s2-device-pre-post", 2, 400, 2000, 10.0);
    // Two big pageable copies (0.8 ms per frame), but six synchronizations of 2 ms: four are not needed by a copy.
    uint32_t correlation = 1000;
    for (int i = 0; i < 4; ++i) {
        const int64_t t = 80'000'000 + i * 2'100'000;
        data.gpu.apiCalls.push_back({ t, t + 2'000'000, correlation, 101, 100, 131, 3, 0, false });
        data.gpu.syncs.push_back({ t, t + 2'000'000, 1, 7, correlation++, 4, 0 });
    }
    // 150 kernels of 3 us in the detector: launch-bound.
    for (int i = 0; i < 150; ++i) {
        const int64_t t = 5'100'000 + i * 10'000;
        data.gpu.apiCalls.push_back({ t, t + 2'000, correlation, 101, 100, 211, 1, 0, false });
        data.gpu.kernels.push_back({ t + 3'000, t + 6'000, 0, 1, 7, correlation++, 4, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1 });
    }
    const int64_t run = write(path, data);
    auto store = SessionStore::openForReading(path).value();
    auto analysis = analyzeRun(*store, run);
    ASSERT_TRUE(analysis.isOk());
    const auto& findings = analysis->findings;
    const Finding* pageable = find(findings, "pageable-copies");
    ASSERT_NE(pageable, nullptr);
    EXPECT_DOUBLE_EQ(pageable->count, 2);
    const Finding* sync = find(findings, "explicit-sync");
    ASSERT_NE(sync, nullptr);
    EXPECT_DOUBLE_EQ(sync->count, 4) << "six synchronizations, two of them for copies";
    const Finding* idle = find(findings, "gpu-idle");
    ASSERT_NE(idle, nullptr) << "busy " << analysis->metrics.gpuBusyPercent;
    EXPECT_LT(analysis->metrics.gpuBusyPercent, 50);
    const Finding* launch = find(findings, "launch-bound");
    ASSERT_NE(launch, nullptr);
    EXPECT_DOUBLE_EQ(launch->count, 151);
    EXPECT_NEAR(analysis->metrics.medianKernelUs, 3.0, 1e-9);
    EXPECT_EQ(find(findings, "sync-copy-in-loop"), nullptr) << "two copies are not a loop";
    for (size_t i = 1; i < findings.size(); ++i)
        EXPECT_GE(findings[i - 1].expectedSpeedup, findings[i].expectedSpeedup) << "ordered by expected gain";
}

TEST(Analysis, ScalarReadsPerFrameCountOnlyTheFramesWhoseOperatorsWereRecorded)
{
    // Four frames of 100 ms; --profile full recorded operators on frames 0 and 2 only (the operator schedule):
    // 10 reads in each. Per frame that is 10, not 20 / 4.
    RunData data = gpuRun("s0-baseline", 0, 0, 0, 10.0);
    data.gpu = GpuActivity();
    data.gpuTracingState = "off";
    data.run.device = "cpu";
    data.run.frames = 4;
    data.run.endNs = 400'000'000;
    data.frames.clear();
    for (int frame = 0; frame < 4; ++frame)
        data.frames.push_back({ frame, frame, frame * 100'000'000, (frame + 1) * 100'000'000, 10, 1000 });
    for (int frame : { 0, 2 })
        for (int i = 0; i < 10; ++i) {
            const int64_t t = frame * 100'000'000 + 40'000'000 + i * 100'000;
            data.operators.push_back({ t, t + 5'000, "aten::_local_scalar_dense", 101, 0 });
        }
    const std::string path = temp("schedule");
    write(path, data);
    auto store = SessionStore::openForReading(path).value();
    auto lab = analyzeSession(*store);
    ASSERT_TRUE(lab.isOk());
    EXPECT_DOUBLE_EQ(lab->runs[0].metrics.hostScalarReadsPerFrame, 10);
}

TEST(Analysis, HostRulesWithoutGpu)
{
    const std::string path = temp("host");
    RunData base = gpuRun("s3-batching", 0, 0, 0, 10.0);
    base.gpu = GpuActivity();
    base.gpuTracingState = "off";
    base.run.device = "cpu";
    base.run.batch = 1;
    // 40 scalar reads in the postprocess (.item() on a CPU), 60 ms of the 100 ms frame.
    for (int i = 0; i < 40; ++i)
        base.operators.push_back(
            { 36'000'000 + i * 100'000, 36'000'000 + i * 100'000 + 5'000, "aten::_local_scalar_dense", 101, 0 });
    base.run.resultJson = R"({"agreement": null})";
    write(path, base);
    RunData half = base;
    half.run.step = "s4-half-precision";
    half.run.precision = "bf16";
    half.run.fps = 10.5;
    half.run.resultJson
        = R"({"agreement": {"reference": "s3-batching", "identical_within_1e-4": false, "matched_share": 0.9}})";
    write(path, half);
    auto store = SessionStore::openForReading(path).value();
    auto lab = analyzeSession(*store);
    ASSERT_TRUE(lab.isOk());
    const auto& first = lab->runs[0];
    EXPECT_FALSE(first.metrics.gpuTraced);
    EXPECT_DOUBLE_EQ(first.metrics.hostScalarReadsPerFrame, 40);
    const Finding* reads = find(first.findings, "scalar-reads-in-loop");
    ASSERT_NE(reads, nullptr);
    EXPECT_EQ(reads->stage, "postprocess");
    EXPECT_DOUBLE_EQ(reads->count, 40);
    const Finding* host = find(first.findings, "host-stage");
    ASSERT_NE(host, nullptr);
    EXPECT_NEAR(host->shareOfFrame, 0.6, 1e-9);
    EXPECT_NEAR(host->expectedSpeedup, 100.0 / (100.0 - 48.0), 1e-9);
    const auto& second = lab->runs[1];
    const Finding* precision = find(second.findings, "precision-no-gain");
    ASSERT_NE(precision, nullptr);
    EXPECT_NE(precision->evidence.find("batch is small"), std::string::npos) << precision->evidence;
    const Finding* changed = find(second.findings, "detections-changed");
    ASSERT_NE(changed, nullptr);
    EXPECT_DOUBLE_EQ(changed->count, 0.9);
    EXPECT_EQ(find(first.findings, "precision-no-gain"), nullptr);
}
