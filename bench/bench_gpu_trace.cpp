// SPDX-License-Identifier: Apache-2.0
// bench_gpu_trace: what the GPU tracing path costs on the host, without a GPU. CUPTI records laid out as the real
// structs of this CUDA version (the tests' fake CUPTI) in the s0 mix (per NMS iteration: a kernel launch, a copy, a
// synchronization and their three runtime calls) go through the collector (buffer callbacks, drain thread, decoding),
// the attribution and the session store. s0 on a GPU makes a few hundred thousand records per second; each stage here
// must keep well ahead of that.
// Usage: bench_gpu_trace [iterations=200000]
#include "analysis/gpu_attribution.h"
#include "base/clock.h"
#include "collect/cupti/cupti_collector.h"
#include "collect/cupti/fake_cupti.h"
#include "model/trace_model.h"
#include "store/session_store.h"

#include <cstdio>
#include <cstdlib>
#include <unistd.h>

using namespace es::prof;
namespace r = es::prof::cupti_records;

int main(int argc, char** argv)
{
    const int iterations = argc > 1 ? std::atoi(argv[1]) : 200000;
    GpuProbe probe;
    probe.driverLoaded = true;
    probe.driverInitResult = 0;
    probe.driverVersion = 13000;
    probe.devices.push_back({ 0, "bench GPU", 9, 0, int64_t(80) << 30 });
    auto owned = std::make_unique<testing::FakeCupti>();
    testing::FakeCupti* fake = owned.get();
    CuptiCollector collector(std::move(owned), "", GpuTracerOptions {}, probe);
    if (!collector.start().isOk()) {
        std::fprintf(stderr, "bench_gpu_trace: %s\n", collector.status().reason.c_str());
        return 1;
    }
    const int64_t base = nowNs();
    uint32_t correlation = 1;
    for (int i = 0; i < iterations; ++i) {
        const int64_t t = base + int64_t(i) * 20000;
        auto& launch = fake->add<r::Api>(CUPTI_ACTIVITY_KIND_RUNTIME);
        launch.cbid = CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernel_v7000;
        launch.start = fake->at(t);
        launch.end = fake->at(t + 3000);
        launch.threadId = uint32_t(getpid());
        launch.correlationId = correlation;
        auto& kernel = fake->add<r::Kernel>(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL);
        kernel.start = fake->at(t + 4000);
        kernel.end = fake->at(t + 6000);
        kernel.correlationId = correlation++;
        kernel.name = "_ZN2at6native18elementwise_kernelILi128ELi2EEEviPf";
        auto& copyCall = fake->add<r::Api>(CUPTI_ACTIVITY_KIND_RUNTIME);
        copyCall.cbid = CUPTI_RUNTIME_TRACE_CBID_cudaMemcpyAsync_v3020;
        copyCall.start = fake->at(t + 7000);
        copyCall.end = fake->at(t + 8000);
        copyCall.threadId = uint32_t(getpid());
        copyCall.correlationId = correlation;
        auto& copy = fake->add<r::Memcpy>(CUPTI_ACTIVITY_KIND_MEMCPY);
        copy.copyKind = CUPTI_ACTIVITY_MEMCPY_KIND_DTOH;
        copy.srcKind = CUPTI_ACTIVITY_MEMORY_KIND_DEVICE;
        copy.dstKind = CUPTI_ACTIVITY_MEMORY_KIND_PAGEABLE;
        copy.bytes = 8;
        copy.start = fake->at(t + 8500);
        copy.end = fake->at(t + 9500);
        copy.correlationId = correlation++;
        auto& syncCall = fake->add<r::Api>(CUPTI_ACTIVITY_KIND_RUNTIME);
        syncCall.cbid = CUPTI_RUNTIME_TRACE_CBID_cudaStreamSynchronize_v3020;
        syncCall.start = fake->at(t + 8900);
        syncCall.end = fake->at(t + 10100);
        syncCall.threadId = uint32_t(getpid());
        syncCall.correlationId = correlation;
        auto& sync = fake->add<r::Synchronization>(CUPTI_ACTIVITY_KIND_SYNCHRONIZATION);
        sync.type = CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_STREAM_SYNCHRONIZE;
        sync.start = fake->at(t + 9000);
        sync.end = fake->at(t + 10000);
        sync.correlationId = correlation++;
    }
    const size_t records = fake->pending.size();
    const int64_t collectStart = nowNs();
    auto activity = collector.collect();
    const double collectSeconds = double(nowNs() - collectStart) / 1e9;
    collector.stop();
    if (!activity) {
        std::fprintf(stderr, "bench_gpu_trace: %s\n", activity.status().message().c_str());
        return 1;
    }
    std::printf("collector: %zu records (s0 mix) flushed, queued and decoded in %.3f s = %.1f ns per record "
                "(%.1f million records/s); %llu dropped, %llu buffers\n",
        records, collectSeconds, collectSeconds * 1e9 / double(records), double(records) / collectSeconds / 1e6,
        static_cast<unsigned long long>(activity->droppedRecords),
        static_cast<unsigned long long>(activity->buffersCompleted));

    RunData data;
    data.run.step = "s0-baseline";
    data.run.startNs = base;
    data.run.endNs = base + int64_t(iterations) * 20000;
    data.threads.push_back({ 0, int64_t(getpid()), 0 });
    const RangeName postprocess = RangeNameRegistry::instance().intern("postprocess", 0xFFD55E00, 1);
    data.ranges.push_back({ data.run.startNs, data.run.endNs, 0, postprocess.id, 0, 0 });
    data.frames.push_back({ 0, 0, data.run.startNs, data.run.endNs, 0, 0 });
    data.gpu = std::move(activity.value());
    data.gpuTracingState = "traced";
    const int64_t attributionStart = nowNs();
    const GpuAttribution attribution = attributeGpuWork(buildModel(data));
    const double attributionSeconds = double(nowNs() - attributionStart) / 1e9;
    std::printf("attribution (model build included): %.1f ns per record; postprocess DtoH %lld, syncs %lld\n",
        attributionSeconds * 1e9 / double(records),
        static_cast<long long>(attribution.stage("postprocess")->copies.at("DtoH").count),
        static_cast<long long>(attribution.stage("postprocess")->syncs));

    const std::string path = "/tmp/bench_gpu_trace_" + std::to_string(getpid()) + ".sqlite";
    std::remove(path.c_str());
    auto store = SessionStore::openForWriting(path);
    if (!store) {
        std::fprintf(stderr, "bench_gpu_trace: %s\n", store.status().message().c_str());
        return 1;
    }
    const int64_t writeStart = nowNs();
    auto written = store.value()->writeRun(data);
    const double writeSeconds = double(nowNs() - writeStart) / 1e9;
    if (!written) {
        std::fprintf(stderr, "bench_gpu_trace: %s\n", written.status().message().c_str());
        return 1;
    }
    std::printf("session store: %.2f s for the run's %zu GPU rows = %.2f million rows/s\n", writeSeconds, records,
        double(records) / writeSeconds / 1e6);
    std::remove(path.c_str());
    return 0;
}
