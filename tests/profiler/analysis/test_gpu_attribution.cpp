// SPDX-License-Identifier: Apache-2.0
// GPU activity without CUDA: attribution of device work to stages and frames, slicing, thread ids, kernel names,
// and the round trip through the session's nsys-named tables and the gpu_* stats reports.
#include "analysis/gpu_attribution.h"
#include "base/sqlite_util.h"
#include "model/trace_model.h"
#include "reports/session_stats.h"
#include "store/session_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <unistd.h>

using namespace es;
using namespace es::prof;

namespace {

constexpr int64_t kTid = 1000;
constexpr uint32_t kPthread = 0xABCD1234;

/// One s0-like frame (batch 5): the detector launches two kernels, the postprocess makes three pageable
/// device-to-host copies, each followed by a stream synchronization; one kernel has no API call.
RunData s0LikeRun()
{
    auto& registry = RangeNameRegistry::instance();
    const RangeName frame = registry.intern("frame", 0xFF999999, 2);
    const RangeName detector = registry.intern("detector", 0xFF009E73, 1);
    const RangeName postprocess = registry.intern("postprocess", 0xFFD55E00, 1);
    RunData data;
    data.run.step = "s0-baseline";
    data.run.stepNumber = 0;
    data.run.frames = 1;
    data.run.startNs = 0;
    data.run.endNs = 1'000'000;
    data.threads.push_back({ 0, kTid, kPthread });
    data.ranges.push_back({ 0, 1'000'000, 5, frame.id, 0, 0 });
    data.ranges.push_back({ 100'000, 400'000, 5, detector.id, 0, 1 });
    data.ranges.push_back({ 400'000, 900'000, 5, postprocess.id, 0, 1 });
    data.frames.push_back({ 0, 5, 0, 1'000'000, 3, 100 });

    GpuActivity& gpu = data.gpu;
    gpu.clock = { 123, 40, 2, true };
    const uint32_t launch = gpu.intern("cudaLaunchKernel_v7000");
    const uint32_t memcpy = gpu.intern("cudaMemcpyAsync_v3020");
    const uint32_t synchronize = gpu.intern("cudaStreamSynchronize_v3020");
    const uint32_t conv = gpu.intern("_ZN2at6native18elementwise_kernelILi128ELi2EEEviPf");
    // Launches from the pthread id (as some CUPTI versions report), copies from the OS tid.
    gpu.apiCalls.push_back({ 150'000, 155'000, 1, kPthread, 1, 211, launch, 0, false });
    gpu.apiCalls.push_back({ 160'000, 165'000, 2, kPthread, 1, 211, launch, 0, false });
    gpu.kernels.push_back({ 200'000, 300'000, 0, 1, 7, 1, conv, 10, 1, 1, 256, 1, 1, 32, 0, 0, 1 });
    gpu.kernels.push_back({ 300'000, 380'000, 0, 1, 7, 2, conv, 10, 1, 1, 256, 1, 1, 32, 0, 0, 2 });
    for (int i = 0; i < 3; ++i) {
        const int64_t at = 450'000 + i * 100'000;
        const uint32_t copyId = uint32_t(3 + i), syncId = uint32_t(6 + i);
        gpu.apiCalls.push_back({ at, at + 2'000, copyId, uint32_t(kTid), 1, 41, memcpy, 0, false });
        gpu.copies.push_back({ at + 10'000, at + 15'000, 0, 1, 7, copyId, 8, 2, 2, 0 });
        gpu.apiCalls.push_back({ at + 3'000, at + 50'000, syncId, uint32_t(kTid), 1, 131, synchronize, 0, false });
        gpu.syncs.push_back({ at + 15'000, at + 50'000, 1, 7, syncId, 3, 0 });
    }
    gpu.kernels.push_back({ 950'000, 960'000, 0, 1, 7, 99, conv, 1, 1, 1, 32, 1, 1, 16, 0, 0, 3 });
    gpu.droppedRecords = 0;
    gpu.buffersCompleted = 1;
    data.gpuTracingState = "traced";
    return data;
}

void expectS0Attribution(const GpuAttribution& a)
{
    const GpuWorkSummary* detector = a.stage("detector");
    const GpuWorkSummary* postprocess = a.stage("postprocess");
    ASSERT_NE(detector, nullptr);
    ASSERT_NE(postprocess, nullptr);
    EXPECT_EQ(detector->kernels, 2);
    EXPECT_EQ(detector->kernelNs, 180'000);
    EXPECT_EQ(detector->busyNs, 180'000);
    EXPECT_EQ(detector->copyCount(), 0);
    EXPECT_EQ(detector->apiCalls, 2);
    EXPECT_EQ(detector->wallNs, 300'000);
    EXPECT_EQ(detector->gpuIdleNs, 120'000);
    EXPECT_EQ(detector->idleGaps, 2) << "100 us before the first kernel, 20 us after the last";
    EXPECT_EQ(detector->longestGapNs, 100'000);

    EXPECT_EQ(postprocess->kernels, 0);
    ASSERT_EQ(postprocess->copies.count("DtoH"), 1u);
    const CopyTotals& dtoh = postprocess->copies.at("DtoH");
    EXPECT_EQ(dtoh.count, 3);
    EXPECT_EQ(dtoh.bytes, 24);
    EXPECT_EQ(dtoh.ns, 15'000);
    EXPECT_EQ(dtoh.pageable, 3);
    EXPECT_EQ(dtoh.pinned, 0);
    EXPECT_EQ(postprocess->syncs, 3);
    EXPECT_EQ(postprocess->syncWaitNs, 105'000);
    EXPECT_EQ(postprocess->busyNs, 15'000);
    EXPECT_EQ(postprocess->gpuIdleNs, 500'000 - 15'000);

    const GpuWorkSummary* unattributed = a.stage("(unattributed)");
    ASSERT_NE(unattributed, nullptr);
    EXPECT_EQ(unattributed->kernels, 1);
    EXPECT_EQ(a.unattributedRecords, 1);
    EXPECT_EQ(a.attributedRecords, 8);

    ASSERT_EQ(a.byBatch.count(5), 1u);
    const GpuWorkSummary& batch = a.byBatch.at(5);
    EXPECT_EQ(batch.kernels, 2);
    EXPECT_EQ(batch.copies.at("DtoH").count, 3);
    EXPECT_EQ(batch.syncs, 3);
    EXPECT_EQ(batch.busyNs, 195'000);
    EXPECT_EQ(batch.wallNs, 1'000'000);
    EXPECT_EQ(batch.gpuIdleNs, 1'000'000 - 205'000) << "idle counts every device interval, attributed or not";
    EXPECT_EQ(a.total.kernels, 3);
    EXPECT_EQ(a.frames, 1);
    EXPECT_EQ(a.batches, 1);
}

std::string tempSession(const std::string& name)
{
    const std::string path = testing::TempDir() + "/es_gpu_" + std::to_string(getpid()) + "_" + name + ".sqlite";
    std::remove(path.c_str());
    return path;
}

} // namespace

TEST(GpuAttribution, TiesDeviceWorkToStagesAndFrames)
{
    expectS0Attribution(attributeGpuWork(buildModel(s0LikeRun())));
}

TEST(GpuAttribution, ThroughTheSessionAndTheStatsReports)
{
    const std::string path = tempSession("roundtrip");
    const RunData data = s0LikeRun();
    int64_t runId = 0;
    {
        auto store = SessionStore::openForWriting(path).value();
        auto written = store->writeRun(data);
        ASSERT_TRUE(written.isOk()) << written.status().message();
        runId = written.value();
    }
    auto store = SessionStore::openForReading(path).value();
    auto model = loadRun(*store, runId);
    ASSERT_TRUE(model.isOk()) << model.status().message();
    expectS0Attribution(attributeGpuWork(model.value()));

    // The rows are where nsys puts them: API calls on the OS thread, kernels named three ways.
    Statement tids(store->database(),
        "SELECT count(*) FROM CUPTI_ACTIVITY_KIND_RUNTIME WHERE globalTid % 16777216 = 1000 AND globalTid / "
        "16777216 % 16777216 = ?");
    tids.bind(1, int64_t(getpid() & 0xFFFFFF));
    ASSERT_EQ(tids.step(), SQLITE_ROW);
    EXPECT_EQ(tids.columnInt(0), 8) << "pthread ids resolve to the OS thread";
    Statement names(store->database(),
        "SELECT d.value, s.value, m.value FROM CUPTI_ACTIVITY_KIND_KERNEL k JOIN StringIds d ON d.id = "
        "k.demangledName JOIN StringIds s ON s.id = k.shortName JOIN StringIds m ON m.id = k.mangledName LIMIT 1");
    ASSERT_EQ(names.step(), SQLITE_ROW);
    EXPECT_EQ(names.columnText(0), "void at::native::elementwise_kernel<128, 2>(int, float*)");
    EXPECT_EQ(names.columnText(1), "elementwise_kernel");
    EXPECT_EQ(names.columnText(2), "_ZN2at6native18elementwise_kernelILi128ELi2EEEviPf");
    // nsys's own join of kernels to their launches works on the session.
    Statement join(store->database(),
        "SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL k JOIN CUPTI_ACTIVITY_KIND_RUNTIME r ON k.correlationId = "
        "r.correlationId AND k.globalPid = (r.globalTid & 0xFFFFFFFFFF000000)");
    ASSERT_EQ(join.step(), SQLITE_ROW);
    EXPECT_EQ(join.columnInt(0), 2);

    auto stages = computeReport(*store, "gpu_stage_sum", {});
    ASSERT_TRUE(stages.isOk()) << stages.status().message();
    bool sawPostprocess = false;
    for (const auto& row : stages.value().rows) {
        if (std::get<std::string>(row.back()) != "postprocess")
            continue;
        sawPostprocess = true;
        EXPECT_DOUBLE_EQ(std::get<double>(row[5]), 3.0) << "DtoH/frame";
        EXPECT_DOUBLE_EQ(std::get<double>(row[8]), 100.0) << "pageable %";
        EXPECT_DOUBLE_EQ(std::get<double>(row[10]), 3.0) << "syncs/frame";
        EXPECT_DOUBLE_EQ(std::get<double>(row[11]), 105.0) << "sync wait us/frame";
    }
    EXPECT_TRUE(sawPostprocess);
    auto frames = computeReport(*store, "gpu_frame_sum", {});
    ASSERT_TRUE(frames.isOk());
    ASSERT_EQ(frames.value().rows.size(), 1u);
    EXPECT_EQ(std::get<int64_t>(frames.value().rows[0][2]), 5) << "batch index";
    EXPECT_EQ(std::get<int64_t>(frames.value().rows[0][4]), 2) << "kernels";
    EXPECT_EQ(std::get<int64_t>(frames.value().rows[0][7]), 3) << "DtoH";
    auto trace = computeReport(*store, "gpu_trace", {});
    ASSERT_TRUE(trace.isOk());
    ASSERT_EQ(trace.value().rows.size(), 1u);
    EXPECT_EQ(std::get<std::string>(trace.value().rows[0][2]), "traced");
    EXPECT_EQ(std::get<int64_t>(trace.value().rows[0][3]), 3) << "kernels";
    EXPECT_EQ(std::get<int64_t>(trace.value().rows[0][4]), 3) << "copies";
    EXPECT_EQ(std::get<int64_t>(trace.value().rows[0][10]), 123) << "clock offset";
    auto kernels = computeReport(*store, "cuda_gpu_kern_sum", {});
    ASSERT_TRUE(kernels.isOk());
    ASSERT_EQ(kernels.value().rows.size(), 1u);
    EXPECT_EQ(std::get<int64_t>(kernels.value().rows[0][2]), 3);
    std::remove(path.c_str());
}

TEST(GpuAttribution, UnavailableTracingIsRecordedWithItsReason)
{
    const std::string path = tempSession("unavailable");
    RunData data = s0LikeRun();
    data.gpu = GpuActivity();
    data.gpuTracingState = "unavailable";
    data.gpuTracing = { false, "the NVIDIA driver reports no CUDA device", "check nvidia-smi" };
    {
        auto store = SessionStore::openForWriting(path).value();
        ASSERT_TRUE(store->writeRun(data).isOk());
    }
    auto store = SessionStore::openForReading(path).value();
    auto trace = computeReport(*store, "gpu_trace", {}).value();
    ASSERT_EQ(trace.rows.size(), 1u);
    EXPECT_EQ(std::get<std::string>(trace.rows[0][2]), "unavailable");
    EXPECT_NE(std::get<std::string>(trace.rows[0].back()).find("no CUDA device"), std::string::npos);
    EXPECT_TRUE(computeReport(*store, "gpu_stage_sum", {}).value().rows.empty());
    std::remove(path.c_str());
}

TEST(GpuAttribution, SchemaOneSessionsAreUpgradedForWriting)
{
    const std::string path = tempSession("upgrade");
    {
        auto store = SessionStore::openForWriting(path).value();
        ASSERT_TRUE(execute(store->database(),
            "DROP TABLE ES_GPU_TRACING; DROP TABLE ES_CUPTI_OVERHEAD; "
            "UPDATE ES_SESSION SET value = '1' WHERE key = 'schema_version'",
            path)
                        .isOk());
    }
    {
        auto reader = SessionStore::openForReading(path).value();
        EXPECT_EQ(reader->schemaVersion(), 1);
        auto trace = computeReport(*reader, "gpu_trace", {});
        ASSERT_TRUE(trace.isOk()) << "a schema 1 session still reads";
    }
    auto store = SessionStore::openForWriting(path).value();
    EXPECT_EQ(store->schemaVersion(), kSessionSchemaVersion);
    EXPECT_TRUE(store->writeRun(s0LikeRun()).isOk());
    std::remove(path.c_str());
}

TEST(GpuActivity, SliceKeepsDeviceWorkWithTheCallThatIssuedIt)
{
    const GpuActivity gpu = s0LikeRun().gpu;
    // The window of the postprocess: the copies' calls start inside it, the launches before it.
    const GpuActivity part = gpu.slice(400'000, 1'000'000);
    EXPECT_EQ(part.apiCalls.size(), 6u);
    EXPECT_EQ(part.copies.size(), 3u);
    EXPECT_EQ(part.syncs.size(), 3u);
    ASSERT_EQ(part.kernels.size(), 1u) << "the kernel without a call goes by its own start";
    EXPECT_EQ(part.kernels[0].correlationId, 99u);
    EXPECT_EQ(part.clock.offsetNs, 123);

    GpuActivity merged;
    merged.intern("something else first");
    GpuActivity copy = gpu;
    merged.append(std::move(copy));
    EXPECT_EQ(merged.kernels.size(), 3u);
    EXPECT_EQ(merged.name(merged.kernels[0].nameIndex), gpu.name(gpu.kernels[0].nameIndex));
    EXPECT_EQ(merged.name(merged.apiCalls[2].nameIndex), "cudaMemcpyAsync_v3020");
}

TEST(GpuActivity, ThreadIdsNamesAndMemoryKinds)
{
    const std::vector<KnownThread> known = { { 1000, 0xABCD1234 }, { 1001, 0x11 } };
    EXPECT_EQ(resolveOsThreadId(1000, known), 1000);
    EXPECT_EQ(resolveOsThreadId(0xABCD1234, known), 1000);
    EXPECT_EQ(resolveOsThreadId(0x11, known), 1001);
    EXPECT_EQ(resolveOsThreadId(77, known), 77);
    EXPECT_EQ(demangleKernelName("not_mangled"), "not_mangled");
    EXPECT_EQ(
        shortKernelName("void at::native::(anonymous namespace)::nms_kernel<float>(int, float const*)"), "nms_kernel");
    EXPECT_EQ(shortKernelName("gemm_kernel"), "gemm_kernel");
    EXPECT_EQ(nsysMemoryKind(1), 0) << "CUPTI pageable is nsys's 0";
    EXPECT_EQ(nsysMemoryKind(2), 1) << "pinned";
    EXPECT_EQ(nsysMemoryKind(3), 2) << "device";
    EXPECT_EQ(nsysMemoryKind(0), 7) << "unknown";
    EXPECT_STREQ(copyDirection(1), "HtoD");
    EXPECT_STREQ(copyDirection(2), "DtoH");
    EXPECT_STREQ(copyDirection(8), "DtoD");
    EXPECT_STREQ(copyDirection(13), "other");
}

TEST(GpuAttribution, SortsSpansInSortedRunsAndInAnyOrder)
{
    // A few sorted runs (each stream's kernels, then its copies) are merged; many runs, or none sorted, are sorted.
    for (const int runs : { 1, 2, 5, 40, 5000 }) {
        std::vector<std::pair<int64_t, int64_t>> spans;
        uint64_t state = 12345;
        for (int run = 0; run < runs; ++run) {
            int64_t start = int64_t(state % 1000);
            for (int i = 0; i < 5000 / runs + 3; ++i) {
                state = state * 6364136223846793005ULL + 1442695040888963407ULL;
                start += int64_t(state >> 60); // 0..15: ties among them
                spans.emplace_back(start, start + int64_t((state >> 40) % 50));
            }
        }
        std::vector<std::pair<int64_t, int64_t>> expected = spans;
        std::sort(expected.begin(), expected.end());
        es::prof::sortSpans(spans);
        EXPECT_EQ(spans, expected) << runs << " runs";
    }
    std::vector<std::pair<int64_t, int64_t>> none;
    es::prof::sortSpans(none);
    EXPECT_TRUE(none.empty());
    EXPECT_EQ(es::prof::unionLength({ { 10, 20 }, { 0, 5 }, { 15, 30 }, { 4, 6 }, { 40, 40 } }), 26);
}
