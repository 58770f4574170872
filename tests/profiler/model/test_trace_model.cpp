// SPDX-License-Identifier: Apache-2.0
#include "base/sqlite_util.h"
#include "model/trace_model.h"
#include "store/run_rows.h"

#include <gtest/gtest.h>

#include <unistd.h>

using namespace es;
using namespace es::prof;

TEST(TraceModel, FinalizeSortsTracksAndNestsRanges)
{
    TraceModel model;
    ThreadTrack& thread = model.thread(7);
    const StringId frame = model.strings.intern("frame"), detector = model.strings.intern("detector");
    // Given out of order: a frame [0, 100) holding detector [10, 60); a second frame [100, 200).
    thread.ranges.push_back({ 100, 200, 1, frame, 9, 0 });
    thread.ranges.push_back({ 10, 60, 0, detector, 9, 0 });
    thread.ranges.push_back({ 0, 100, 0, frame, 9, 0 });
    model.stream(0, 7).kernels.push_back({ 50, 60, 2, detector, 1, 1, 1, 32, 1, 1, 16 });
    model.stream(0, 7).kernels.push_back({ 20, 30, 1, detector, 1, 1, 1, 32, 1, 1, 16 });
    model.finalize();
    ASSERT_EQ(thread.ranges.size(), 3u);
    EXPECT_EQ(thread.ranges[0].startNs, 0);
    EXPECT_EQ(thread.ranges[0].depth, 0);
    EXPECT_EQ(thread.ranges[1].name, detector);
    EXPECT_EQ(thread.ranges[1].depth, 1);
    EXPECT_EQ(thread.ranges[2].depth, 0) << "a range starting where another ends is not inside it";
    EXPECT_EQ(model.streams[0].kernels[0].correlationId, 1u);
    EXPECT_EQ(model.eventCount(), 5);
    EXPECT_EQ(model.strings.get(frame), "frame");
    EXPECT_EQ(model.strings.intern("frame"), frame);
}

TEST(TraceModel, LoadsARunWithEveryKindOfEvent)
{
    const std::string path = testing::TempDir() + "/es_model_" + std::to_string(getpid()) + ".sqlite";
    std::remove(path.c_str());
    {
        auto& registry = RangeNameRegistry::instance();
        const RangeName frame = registry.intern("frame", 0xFF999999, 2);
        const RangeName detector = registry.intern("detector", 0xFF009E73, 1);
        RunData data;
        data.run.step = "s0-baseline";
        data.run.startNs = 0;
        data.run.endNs = 1000;
        data.threads = { { 0, 111 }, { 1, 222 } };
        for (int f = 0; f < 3; ++f) {
            data.ranges.push_back({ f * 300, f * 300 + 250, f, frame.id, 0, 0 });
            data.ranges.push_back({ f * 300 + 10, f * 300 + 200, f, detector.id, 0, 1 });
            data.ranges.push_back({ f * 300 + 20, f * 300 + 30, f, detector.id, 1, 0 }); // another thread
            data.frames.push_back({ f, f, f * 300, f * 300 + 250, 2, 10 });
        }
        data.operators.push_back({ 15, 100, "aten::conv2d", 111, 0 });
        data.counters.push_back({ "gpu load", "%", "test", { { 100, 10.0 }, { 200, 90.0 } } });
        auto store = SessionStore::openForWriting(path).value();
        const int64_t runId = store->writeRun(data).value();
        ASSERT_TRUE(execute(store->database(),
            "INSERT INTO StringIds(id, value) VALUES (5001, 'k'), (5002, 'cudaMemcpy_v3020');"
            "INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL(start, \"end\", deviceId, contextId, streamId, "
            "correlationId, demangledName, shortName, registersPerThread, gridX, gridY, gridZ, blockX, blockY, "
            "blockZ, staticSharedMemory, dynamicSharedMemory, localMemoryPerThread, localMemoryTotal, gridId, "
            "runId) VALUES (40, 90, 0, 1, 13, 3, 5001, 5001, 40, 8, 1, 1, 256, 1, 1, 0, 0, 0, 0, 1, "
                + std::to_string(runId)
                + ");"
                  "INSERT INTO CUPTI_ACTIVITY_KIND_MEMCPY(start, \"end\", deviceId, contextId, streamId, "
                  "correlationId, bytes, copyKind, srcKind, dstKind, runId) VALUES (95, 99, 0, 1, 13, 4, 8, 2, "
                  "2, 0, "
                + std::to_string(runId)
                + ");"
                  "INSERT INTO CUPTI_ACTIVITY_KIND_SYNCHRONIZATION(start, \"end\", deviceId, contextId, "
                  "streamId, correlationId, syncType, eventId, runId) VALUES (99, 120, 0, 1, 13, 5, 3, 0, "
                + std::to_string(runId)
                + ");"
                  "INSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME(start, \"end\", eventClass, globalTid, "
                  "correlationId, nameId, returnValue, runId) VALUES (94, 121, 0, 111, 4, 5002, 0, "
                + std::to_string(runId) + ");",
            path)
                        .isOk());
    }
    auto store = SessionStore::openForReading(path).value();
    auto loaded = loadRun(*store, 1);
    ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
    const TraceModel& model = loaded.value();
    ASSERT_EQ(model.threads.size(), 2u);
    const ThreadTrack& main = model.threads[0].osTid == 111 ? model.threads[0] : model.threads[1];
    ASSERT_EQ(main.ranges.size(), 6u);
    EXPECT_EQ(model.strings.get(main.ranges[0].name), "frame");
    EXPECT_EQ(main.ranges[1].depth, 1);
    EXPECT_EQ(main.ranges[1].payload, 0);
    EXPECT_EQ(main.operators.size(), 1u);
    ASSERT_EQ(main.apiCalls.size(), 1u);
    EXPECT_EQ(model.strings.get(main.apiCalls[0].name), "cudaMemcpy_v3020");
    ASSERT_EQ(model.streams.size(), 1u);
    EXPECT_EQ(model.streams[0].streamId, 13);
    EXPECT_EQ(model.streams[0].kernels[0].gridX, 8u);
    EXPECT_EQ(model.streams[0].copies[0].copyKind, 2);
    EXPECT_EQ(model.streams[0].syncs[0].syncType, 3u);
    ASSERT_EQ(model.counters.size(), 1u);
    EXPECT_EQ(model.counters[0].samples.size(), 2u);
    EXPECT_EQ(model.frames.size(), 3u);
    EXPECT_EQ(model.eventCount(), 9 + 1 + 1 + 3 + 2 + 3);
    EXPECT_GT(model.bytesPerEvent(), 15.0);
    EXPECT_LT(model.bytesPerEvent(), 64.0);
    EXPECT_FALSE(loadRun(*store, 99).isOk());
    std::remove(path.c_str());
}

// A run whose GPU tables spread over two threads and two streams, written out of order: the parallel readers give
// every track its own events, sorted, without the first track's reservation left over, and the progress counts every
// row it expected.
TEST(TraceModel, LoadsGpuTablesOfSeveralTracksInParallelWithProgress)
{
    const std::string path = testing::TempDir() + "/es_model_tracks_" + std::to_string(getpid()) + ".sqlite";
    std::remove(path.c_str());
    int64_t runId = 0;
    {
        RunData data;
        data.pid = 500;
        data.run.step = "s0-baseline";
        data.run.startNs = 0;
        data.run.endNs = 1'000'000;
        data.threads = { { 0, 501 }, { 1, 502 } };
        GpuActivity& gpu = data.gpu;
        const uint32_t launch = gpu.intern("cudaLaunchKernel"), kernel = gpu.intern("k");
        for (uint32_t i = 0; i < 3000; ++i) {
            const int64_t start = int64_t(3000 - i) * 100; // newest first: the readers must not rely on the order
            const uint32_t thread = i % 10 == 0 ? 502 : 501; // one call in ten from the second thread
            GpuApiCall call;
            call.startNs = start;
            call.endNs = start + 20;
            call.correlationId = i + 1;
            call.threadId = thread;
            call.nameIndex = launch;
            gpu.apiCalls.push_back(call);
            GpuKernel k;
            k.startNs = start + 30;
            k.endNs = start + 80;
            k.streamId = i % 10 == 0 ? 14 : 7;
            k.correlationId = i + 1;
            k.nameIndex = kernel;
            gpu.kernels.push_back(k);
        }
        auto store = SessionStore::openForWriting(path).value();
        runId = store->writeRun(data).value();
    }
    auto store = SessionStore::openForReading(path).value();
    LoadProgress progress;
    auto loaded = loadRun(*store, runId, kLoadAll, &progress);
    ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
    const TraceModel& model = loaded.value();
    size_t calls = 0;
    for (const ThreadTrack& thread : model.threads) {
        if (thread.apiCalls.empty())
            continue;
        EXPECT_EQ(thread.apiCalls.size(), thread.osTid == 502 ? 300u : 2700u) << thread.osTid;
        EXPECT_LE(thread.apiCalls.capacity(), thread.apiCalls.size() + thread.apiCalls.size() / 4) << thread.osTid;
        for (size_t i = 1; i < thread.apiCalls.size(); ++i)
            ASSERT_LE(thread.apiCalls[i - 1].startNs, thread.apiCalls[i].startNs);
        calls += thread.apiCalls.size();
    }
    EXPECT_EQ(calls, 3000u);
    ASSERT_EQ(model.streams.size(), 2u);
    for (const StreamTrack& stream : model.streams) {
        EXPECT_EQ(stream.kernels.size(), stream.streamId == 14 ? 300u : 2700u);
        EXPECT_LE(stream.kernels.capacity(), stream.kernels.size() + stream.kernels.size() / 4);
    }
    EXPECT_EQ(progress.rowsExpected.load(), 6000);
    EXPECT_EQ(progress.rowsRead.load(), 6000);
    EXPECT_DOUBLE_EQ(progress.fraction(), 1.0);
    std::remove(path.c_str());
}

TEST(TraceModel, EachRunsRowsAreFoundByTheirRecordedSpan)
{
    const std::string path = testing::TempDir() + "/es_model_spans_" + std::to_string(getpid()) + ".sqlite";
    std::remove(path.c_str());
    const auto runWith = [](uint32_t kernels) {
        RunData data;
        data.pid = 600;
        data.run.step = "s0-baseline";
        data.run.startNs = 0;
        data.run.endNs = 10'000'000;
        data.threads = { { 0, 601 } };
        const uint32_t launch = data.gpu.intern("cudaLaunchKernel"), kernel = data.gpu.intern("k");
        for (uint32_t i = 0; i < kernels; ++i) {
            GpuApiCall call;
            call.startNs = int64_t(i) * 100;
            call.endNs = call.startNs + 20;
            call.correlationId = i + 1;
            call.threadId = 601;
            call.nameIndex = launch;
            data.gpu.apiCalls.push_back(call);
            GpuKernel k;
            k.startNs = call.startNs + 30;
            k.endNs = call.startNs + 80;
            k.streamId = 7;
            k.correlationId = i + 1;
            k.nameIndex = kernel;
            data.gpu.kernels.push_back(k);
        }
        return data;
    };
    {
        auto store = SessionStore::openForWriting(path).value();
        for (const uint32_t kernels : { 1000u, 2000u, 3000u })
            ASSERT_TRUE(store->writeRun(runWith(kernels)).isOk());
    }
    const auto kernelsOf = [&path](int64_t runId, LoadProgress* progress = nullptr) -> size_t {
        auto store = SessionStore::openForReading(path).value();
        auto loaded = loadRun(*store, runId, kLoadAll, progress);
        EXPECT_TRUE(loaded.isOk()) << loaded.status().message();
        return loaded && loaded.value().streams.size() == 1 ? loaded.value().streams[0].kernels.size() : 0;
    };
    {
        // The second run's kernels are rowids 1001..3000 of the table; read by that span, counted without a scan.
        auto store = SessionStore::openForReading(path).value();
        const auto span = runRowSpan(store->database(), 2, "CUPTI_ACTIVITY_KIND_KERNEL");
        ASSERT_TRUE(span.has_value());
        EXPECT_EQ(span->firstRowid, 1001);
        EXPECT_EQ(span->lastRowid, 3000);
        EXPECT_EQ(span->rows, 2000);
        const auto none = runRowSpan(store->database(), 2, "CUPTI_ACTIVITY_KIND_MEMCPY");
        ASSERT_TRUE(none.has_value());
        EXPECT_EQ(none->rows, 0);
    }
    LoadProgress progress;
    EXPECT_EQ(kernelsOf(2, &progress), 2000u);
    EXPECT_EQ(progress.rowsRead.load(), progress.rowsExpected.load());
    EXPECT_EQ(kernelsOf(3), 3000u);
    // A row appended for run 2 by something other than writeRun is still read (the table is then read by runId).
    {
        auto store = SessionStore::openForWriting(path).value();
        ASSERT_TRUE(execute(store->database(),
            "INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL(start, \"end\", deviceId, contextId, streamId, correlationId, "
            "demangledName, shortName, registersPerThread, gridX, gridY, gridZ, blockX, blockY, blockZ, "
            "staticSharedMemory, dynamicSharedMemory, localMemoryPerThread, localMemoryTotal, gridId, runId) "
            "SELECT start, \"end\", deviceId, contextId, streamId, correlationId, demangledName, shortName, "
            "registersPerThread, gridX, gridY, gridZ, blockX, blockY, blockZ, staticSharedMemory, "
            "dynamicSharedMemory, localMemoryPerThread, localMemoryTotal, gridId, runId "
            "FROM CUPTI_ACTIVITY_KIND_KERNEL WHERE rowid = 1001",
            path)
                        .isOk());
    }
    EXPECT_EQ(kernelsOf(2), 2001u);
    // Sessions written before the spans were recorded are read by runId.
    {
        auto store = SessionStore::openForWriting(path).value();
        ASSERT_TRUE(execute(store->database(), "DROP TABLE ES_RUN_ROWS", path).isOk());
    }
    EXPECT_EQ(kernelsOf(1), 1000u);
    EXPECT_EQ(kernelsOf(3), 3000u);
    std::remove(path.c_str());
}
