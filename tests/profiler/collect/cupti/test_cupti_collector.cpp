// SPDX-License-Identifier: Apache-2.0
// The CUPTI collector through its seam: decoding of every record kind as the real structs lay them out, the clock
// mapping, buffers and dropped records, and every reason CUPTI or the platform gives for not tracing.
#include "collect/cupti/cupti_collector.h"
#include "collect/cupti/fake_cupti.h"

#include <gtest/gtest.h>

#include <cstdlib>

using namespace es::prof;
using es::prof::testing::FakeCupti;
namespace r = es::prof::cupti_records;

namespace {

GpuProbe healthyGpu()
{
    GpuProbe probe;
    probe.driverLoaded = true;
    probe.driverInitResult = 0;
    probe.driverVersion = 13000;
    probe.devices.push_back({ 0, "Test GPU", 9, 0, int64_t(80) << 30 });
    probe.cuptiBuiltIn = true;
    probe.tracing.available = true;
    return probe;
}

struct Collector
{
    FakeCupti* fake;
    std::unique_ptr<CuptiCollector> collector;
};

Collector makeCollector(GpuProbe probe = healthyGpu(), GpuTracerOptions options = {})
{
    auto fake = std::make_unique<FakeCupti>();
    FakeCupti* raw = fake.get();
    return { raw, std::make_unique<CuptiCollector>(std::move(fake), "", options, std::move(probe)) };
}

} // namespace

TEST(CuptiCollector, DecodesEveryKindOntoTheProfilerClock)
{
    auto [fake, collector] = makeCollector();
    ASSERT_TRUE(collector->start().isOk()) << collector->status().reason;
    EXPECT_TRUE(collector->status().available);
    for (CUpti_ActivityKind kind : { CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL, CUPTI_ACTIVITY_KIND_MEMCPY,
             CUPTI_ACTIVITY_KIND_MEMSET, CUPTI_ACTIVITY_KIND_SYNCHRONIZATION, CUPTI_ACTIVITY_KIND_RUNTIME,
             CUPTI_ACTIVITY_KIND_MARKER, CUPTI_ACTIVITY_KIND_MARKER_DATA, CUPTI_ACTIVITY_KIND_OVERHEAD })
        EXPECT_NE(std::find(fake->enabled.begin(), fake->enabled.end(), kind), fake->enabled.end()) << int(kind);
    EXPECT_EQ(std::find(fake->enabled.begin(), fake->enabled.end(), CUPTI_ACTIVITY_KIND_DRIVER), fake->enabled.end());

    const int64_t t0 = 5'000'000'000;
    auto& api = fake->add<r::Api>(CUPTI_ACTIVITY_KIND_RUNTIME);
    api.cbid = CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernel_v7000;
    api.start = fake->at(t0);
    api.end = fake->at(t0 + 4000);
    api.processId = 42;
    api.threadId = 4242;
    api.correlationId = 7;
    auto& kernel = fake->add<r::Kernel>(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL);
    kernel.start = fake->at(t0 + 10000);
    kernel.end = fake->at(t0 + 35000);
    kernel.deviceId = 0;
    kernel.contextId = 1;
    kernel.streamId = 7;
    kernel.correlationId = 7;
    kernel.gridX = 120;
    kernel.gridY = 2;
    kernel.gridZ = 1;
    kernel.blockX = 256;
    kernel.blockY = 1;
    kernel.blockZ = 1;
    kernel.registersPerThread = 32;
    kernel.staticSharedMemory = 1024;
    kernel.dynamicSharedMemory = 2048;
    kernel.name = "_ZN2at6native18elementwise_kernelILi128ELi2EEEviPf";
    auto& copy = fake->add<r::Memcpy>(CUPTI_ACTIVITY_KIND_MEMCPY);
    copy.copyKind = CUPTI_ACTIVITY_MEMCPY_KIND_DTOH;
    copy.srcKind = CUPTI_ACTIVITY_MEMORY_KIND_DEVICE;
    copy.dstKind = CUPTI_ACTIVITY_MEMORY_KIND_PAGEABLE;
    copy.bytes = 8;
    copy.start = fake->at(t0 + 40000);
    copy.end = fake->at(t0 + 42000);
    copy.streamId = 7;
    copy.correlationId = 8;
    auto& memset = fake->add<r::Memset>(CUPTI_ACTIVITY_KIND_MEMSET);
    memset.value = 0;
    memset.bytes = 4096;
    memset.start = fake->at(t0 + 50000);
    memset.end = fake->at(t0 + 51000);
    memset.correlationId = 9;
#if ES_CUPTI_MEMSET_HAS_MEMORY_KIND
    memset.memoryKind = CUPTI_ACTIVITY_MEMORY_KIND_DEVICE;
#endif
    auto& sync = fake->add<r::Synchronization>(CUPTI_ACTIVITY_KIND_SYNCHRONIZATION);
    sync.type = CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_STREAM_SYNCHRONIZE;
    sync.start = fake->at(t0 + 42500);
    sync.end = fake->at(t0 + 60000);
    sync.contextId = 1;
    sync.streamId = 7;
    sync.correlationId = 10;
    auto& marker = fake->add<r::Marker>(CUPTI_ACTIVITY_KIND_MARKER);
    marker.flags = CUPTI_ACTIVITY_FLAG_MARKER_START;
    marker.timestamp = fake->at(t0 - 1000);
    marker.id = 3;
    marker.objectKind = CUPTI_ACTIVITY_OBJECT_THREAD;
    marker.objectId.pt.threadId = 4242;
    marker.name = "detector";
    marker.domain = "edgescope";
    auto& data = fake->add<r::MarkerData>(CUPTI_ACTIVITY_KIND_MARKER_DATA);
    data.id = 3;
    data.color = 0xFF56B4E9;
    data.category = 1;
    auto& end = fake->add<r::Marker>(CUPTI_ACTIVITY_KIND_MARKER);
    end.flags = CUPTI_ACTIVITY_FLAG_MARKER_END;
    end.timestamp = fake->at(t0 + 70000);
    end.id = 3;
    auto& overhead = fake->add<r::Overhead>(CUPTI_ACTIVITY_KIND_OVERHEAD);
    overhead.overheadKind = CUPTI_ACTIVITY_OVERHEAD_CUPTI_BUFFER_FLUSH;
    overhead.objectKind = CUPTI_ACTIVITY_OBJECT_THREAD;
    overhead.objectId.pt.threadId = 4242;
    overhead.start = fake->at(t0 + 80000);
    overhead.end = fake->at(t0 + 83000);
    fake->add<CUpti_ActivityName>(CUPTI_ACTIVITY_KIND_NAME); // a kind the collector does not decode

    auto taken = collector->collect();
    ASSERT_TRUE(taken.isOk()) << taken.status().message();
    const GpuActivity& gpu = taken.value();
    ASSERT_TRUE(gpu.clock.measured);
    // The mapping is measured (back-to-back clock reads), so it is right within its stated uncertainty.
    const double tolerance = double(gpu.clock.uncertaintyNs);
    EXPECT_GE(gpu.clock.uncertaintyNs, 1);
    EXPECT_LT(gpu.clock.uncertaintyNs, 1'000'000);
    EXPECT_NEAR(double(gpu.clock.offsetNs), double(fake->clockOffsetNs), tolerance);
    EXPECT_EQ(gpu.unknownRecords, 1u);
    EXPECT_EQ(gpu.droppedRecords, 0u);
    EXPECT_GE(gpu.buffersCompleted, 1u);

    ASSERT_EQ(gpu.apiCalls.size(), 1u);
    EXPECT_NEAR(double(gpu.apiCalls[0].startNs), double(t0), tolerance);
    EXPECT_NEAR(double(gpu.apiCalls[0].endNs), double(t0 + 4000), tolerance);
    EXPECT_EQ(gpu.apiCalls[0].threadId, 4242u);
    EXPECT_EQ(gpu.apiCalls[0].processId, 42u);
    EXPECT_FALSE(gpu.apiCalls[0].driver);
    EXPECT_EQ(gpu.name(gpu.apiCalls[0].nameIndex), "cudaLaunchKernel_v7000");

    ASSERT_EQ(gpu.kernels.size(), 1u);
    const GpuKernel& k = gpu.kernels[0];
    EXPECT_NEAR(double(k.startNs), double(t0 + 10000), tolerance);
    EXPECT_NEAR(double(k.endNs), double(t0 + 35000), tolerance);
    EXPECT_EQ(k.streamId, 7u);
    EXPECT_EQ(k.correlationId, 7u);
    EXPECT_EQ(k.gridX, 120);
    EXPECT_EQ(k.gridY, 2);
    EXPECT_EQ(k.blockX, 256);
    EXPECT_EQ(k.registersPerThread, 32);
    EXPECT_EQ(k.staticSharedMemory, 1024);
    EXPECT_EQ(k.dynamicSharedMemory, 2048);
    EXPECT_EQ(gpu.name(k.nameIndex), "_ZN2at6native18elementwise_kernelILi128ELi2EEEviPf");
    EXPECT_EQ(demangleKernelName(gpu.name(k.nameIndex)), "void at::native::elementwise_kernel<128, 2>(int, float*)");
    EXPECT_EQ(shortKernelName(demangleKernelName(gpu.name(k.nameIndex))), "elementwise_kernel");

    ASSERT_EQ(gpu.copies.size(), 1u);
    EXPECT_EQ(gpu.copies[0].copyKind, 2); // nsys's DTOH
    EXPECT_EQ(gpu.copies[0].srcKind, 2); // nsys's Device
    EXPECT_EQ(gpu.copies[0].dstKind, 0); // nsys's Pageable
    EXPECT_EQ(gpu.copies[0].bytes, 8u);
    EXPECT_EQ(gpu.copies[0].endNs - gpu.copies[0].startNs, 2000);
    ASSERT_EQ(gpu.memsets.size(), 1u);
    EXPECT_EQ(gpu.memsets[0].bytes, 4096u);
#if ES_CUPTI_MEMSET_HAS_MEMORY_KIND
    EXPECT_EQ(gpu.memsets[0].memoryKind, 2);
#endif
    ASSERT_EQ(gpu.syncs.size(), 1u);
    EXPECT_EQ(gpu.syncs[0].syncType, 3u);
    EXPECT_EQ(gpu.syncs[0].endNs - gpu.syncs[0].startNs, 17500);
    EXPECT_EQ(gpu.syncs[0].correlationId, 10u);

    ASSERT_EQ(gpu.markers.size(), 2u);
    EXPECT_EQ(gpu.name(gpu.markers[0].nameIndex), "detector");
    EXPECT_EQ(gpu.name(gpu.markers[0].domainIndex), "edgescope");
    EXPECT_EQ(gpu.markers[0].threadId, 4242u);
    EXPECT_EQ(gpu.markers[0].color, 0xFF56B4E9u) << "MARKER_DATA joins its marker by id";
    EXPECT_EQ(gpu.markers[0].category, 1u);
    EXPECT_EQ(gpu.markers[1].flags, uint32_t(CUPTI_ACTIVITY_FLAG_MARKER_END));
    EXPECT_NEAR(double(gpu.markers[1].timeNs), double(t0 + 70000), tolerance);
    ASSERT_EQ(gpu.overheads.size(), 1u);
    EXPECT_EQ(gpu.overheads[0].endNs - gpu.overheads[0].startNs, 3000);
    EXPECT_EQ(gpu.overheads[0].threadId, 4242u);

    // A second collect returns only what came after the first.
    auto again = collector->collect();
    ASSERT_TRUE(again.isOk());
    EXPECT_TRUE(again.value().empty());
    collector->stop();
    EXPECT_TRUE(fake->enabled.empty()) << "stop disables every kind it enabled";
}

TEST(CuptiCollector, CountsDroppedRecordsAndRefusedBuffers)
{
    GpuTracerOptions options;
    options.bufferBytes = 4096;
    options.maxBufferBytes = 4096; // one buffer in all
    auto [fake, collector] = makeCollector(healthyGpu(), options);
    ASSERT_TRUE(collector->start().isOk());
    fake->droppedPerBuffer = 3;
    // More records than one 4 KiB buffer holds: the collector lends its only buffer, CUPTI hands it back full,
    // and the drain thread returns it to the free list before the next request.
    for (int i = 0; i < 200; ++i) {
        auto& kernel = fake->add<r::Kernel>(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL);
        kernel.start = fake->at(1000 + i * 10);
        kernel.end = fake->at(1005 + i * 10);
        kernel.correlationId = uint32_t(i + 1);
        kernel.name = "k";
    }
    auto taken = collector->collect();
    ASSERT_TRUE(taken.isOk());
    const GpuActivity& gpu = taken.value();
    ASSERT_GE(gpu.buffersCompleted, 1u);
    // Every record is either decoded or counted as dropped (CUPTI's count, 3 per buffer here, plus the records of
    // buffers refused at the cap).
    EXPECT_EQ(gpu.kernels.size() + (gpu.droppedRecords - 3 * gpu.buffersCompleted), 200u);
    if (fake->version < 27) {
        // CUPTI before API 27 (CUDA 12.9) may crash on a refused buffer: there the collector allocates past its cap
        // and refuses none (this is what the CUDA 11.8 and 12.4 builds of scripts/cuda-headers-check.sh run).
        EXPECT_GT(collector->bufferCounts().allocated, 1u);
        EXPECT_EQ(collector->bufferCounts().refused, 0u);
        EXPECT_EQ(gpu.kernels.size(), 200u);
    } else {
        EXPECT_EQ(collector->bufferCounts().allocated, 1u);
        EXPECT_EQ(gpu.kernels.size() < 200, collector->bufferCounts().refused > 0);
    }
    collector->stop();
}

TEST(CuptiCollector, SkipsTheRestOfACorruptBuffer)
{
    auto [fake, collector] = makeCollector();
    ASSERT_TRUE(collector->start().isOk());
    for (int i = 0; i < 5; ++i) {
        auto& copy = fake->add<r::Memcpy>(CUPTI_ACTIVITY_KIND_MEMCPY);
        copy.copyKind = CUPTI_ACTIVITY_MEMCPY_KIND_HTOD;
        copy.bytes = 100;
        copy.start = fake->at(100 * i);
        copy.end = fake->at(100 * i + 50);
    }
    fake->corruptAfter = CUPTI_ERROR_INVALID_KIND;
    fake->corruptIndex = 3;
    auto taken = collector->collect();
    ASSERT_TRUE(taken.isOk());
    EXPECT_EQ(taken.value().copies.size(), 3u);
    EXPECT_EQ(taken.value().unknownRecords, 1u);
    ASSERT_FALSE(taken.value().notes.empty());
    EXPECT_NE(taken.value().notes[0].find("CUPTI_ERROR_INVALID_KIND"), std::string::npos);
}

TEST(CuptiCollector, NoDriverRefusesWithoutTouchingCupti)
{
    GpuProbe probe;
    probe.tracing.reason = "no NVIDIA driver: libcuda.so.1 was not found";
    probe.tracing.fix = "install the NVIDIA driver";
    auto [fake, collector] = makeCollector(probe);
    const es::Status started = collector->start();
    EXPECT_EQ(started.code(), es::StatusCode::Unavailable);
    EXPECT_NE(started.message().find("GPU tracing unavailable: no NVIDIA driver"), std::string::npos);
    EXPECT_EQ(fake->enableCalls, 0);
    EXPECT_FALSE(collector->status().available);
    EXPECT_EQ(collector->collect().status().code(), es::StatusCode::Unavailable);
}

TEST(CuptiCollector, MissingLibraryNamesTheFix)
{
    CuptiCollector collector(nullptr, "libcupti could not be loaded (libcupti.so.13: cannot open shared object file)",
        GpuTracerOptions {}, healthyGpu());
    EXPECT_FALSE(collector.start().isOk());
    EXPECT_NE(collector.status().reason.find("libcupti.so.13"), std::string::npos);
    EXPECT_NE(collector.status().fix.find("EDGESCOPE_CUPTI_LIBRARY"), std::string::npos);
}

TEST(CuptiCollector, InsufficientPrivilegesOnADesktopAndOnAJetson)
{
    {
        auto [fake, collector] = makeCollector();
        fake->enableResults[CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL] = CUPTI_ERROR_INSUFFICIENT_PRIVILEGES;
        EXPECT_FALSE(collector->start().isOk());
        EXPECT_NE(collector->status().reason.find("admin users"), std::string::npos);
        EXPECT_NE(collector->status().fix.find("NVreg_RestrictProfilingOnlyToAdminUsers=0"), std::string::npos);
        EXPECT_TRUE(fake->enabled.empty());
    }
    {
        GpuProbe jetson = healthyGpu();
        jetson.jetson = true;
        jetson.root = false;
        jetson.driverVersion = 12060;
        auto [fake, collector] = makeCollector(jetson);
        EXPECT_FALSE(collector->start().isOk());
        EXPECT_NE(collector->status().reason.find("only as root"), std::string::npos);
        EXPECT_NE(collector->status().fix.find("sudo"), std::string::npos);
        EXPECT_EQ(fake->enableCalls, 0) << "CUPTI is not tried where it cannot work (and may crash)";
    }
    {
        GpuProbe jetson = healthyGpu();
        jetson.jetson = true;
        jetson.driverVersion = 13000; // CUDA 13 traces without root where the device node allows it
        auto [fake, collector] = makeCollector(jetson);
        fake->enableResults[CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL] = CUPTI_ERROR_INSUFFICIENT_PRIVILEGES;
        EXPECT_FALSE(collector->start().isOk());
        EXPECT_NE(collector->status().reason.find("on a Jetson it traces as root"), std::string::npos);
    }
}

TEST(CuptiCollector, AnotherProfilerAttached)
{
    {
        auto [fake, collector] = makeCollector();
        fake->enableResults[CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL] = CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED;
        EXPECT_FALSE(collector->start().isOk());
        EXPECT_NE(collector->status().reason.find("another profiler"), std::string::npos);
        EXPECT_NE(collector->status().fix.find("NVTX ranges reach it"), std::string::npos);
    }
    {
        setenv("NSYS_PROFILING_SESSION_ID", "1", 1);
        auto [fake, collector] = makeCollector();
        EXPECT_FALSE(collector->start().isOk());
        unsetenv("NSYS_PROFILING_SESSION_ID");
        EXPECT_NE(collector->status().reason.find("Nsight Systems"), std::string::npos);
        EXPECT_EQ(fake->enableCalls, 0);
    }
}

TEST(CuptiCollector, MarkerDataRefusedGoesOnWithoutColours)
{
    auto [fake, collector] = makeCollector();
    fake->enableResults[CUPTI_ACTIVITY_KIND_MARKER_DATA] = CUPTI_ERROR_NOT_COMPATIBLE;
    ASSERT_TRUE(collector->start().isOk());
    auto taken = collector->collect();
    ASSERT_TRUE(taken.isOk());
    bool said = false;
    for (const std::string& note : taken.value().notes)
        said = said || note.find("without colours") != std::string::npos;
    EXPECT_TRUE(said);
    EXPECT_NE(std::find(fake->enabled.begin(), fake->enabled.end(), CUPTI_ACTIVITY_KIND_MARKER), fake->enabled.end());
}

TEST(CuptiCollector, RefusesAnOlderLibraryAndASecondCollector)
{
    {
        auto [fake, collector] = makeCollector();
        fake->version = 12;
        EXPECT_FALSE(collector->start().isOk());
        EXPECT_NE(collector->status().reason.find("older than the headers"), std::string::npos);
    }
    auto first = makeCollector();
    auto second = makeCollector();
    ASSERT_TRUE(first.collector->start().isOk());
    EXPECT_FALSE(second.collector->start().isOk());
    first.collector->stop();
    EXPECT_TRUE(second.collector->start().isOk());
}

TEST(CuptiCollector, UnknownCupti999WithADeviceIsReported)
{
    auto [fake, collector] = makeCollector();
    fake->enableResults[CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL] = CUPTI_ERROR_UNKNOWN;
    const es::Status started = collector->start();
    EXPECT_FALSE(started.isOk());
    EXPECT_NE(started.message().find("CUPTI_ERROR_UNKNOWN (999)"), std::string::npos);
}
