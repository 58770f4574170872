// SPDX-License-Identifier: Apache-2.0
// bench_exchange: export and import rates on a session of about one million events (stage ranges, operators, CUDA
// runtime calls, kernels, copies and synchronizations of a synthetic s0-like run), per format: events/s and MB/s.
// Goal: >= 1 million events/s for the NVTXT and Chrome exports.
// Usage: bench_exchange [events=1000000] [dir=/tmp]
#include "clock.h"
#include "exchange.h"
#include "session_store.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

using namespace es::prof;

namespace {

RunData syntheticRun(int64_t events)
{
    RunData data;
    data.pid = 4242;
    data.run.step = "s0-baseline";
    data.run.stepNumber = 0;
    data.rangeNames = { "frame", "buffer_to_image_tensor", "preprocess", "detector", "postprocess" };
    data.threads.push_back({ 0, 4243, 0 });
    GpuActivity& gpu = data.gpu;
    const uint32_t launch = gpu.intern("cudaLaunchKernel_v7000");
    const uint32_t kernel = gpu.intern("_ZN2at6native18elementwise_kernelILi128ELi2EEEviPf");
    const uint32_t memcpy = gpu.intern("cudaMemcpyAsync_v3020");
    // Per iteration: 1 range, 1 operator, 3 runtime calls, 1 kernel, 1 copy, 1 sync = 8 events.
    const int64_t iterations = events / 8;
    uint32_t correlation = 1;
    for (int64_t i = 0; i < iterations; ++i) {
        const int64_t t = 1'000'000'000 + i * 10'000;
        data.ranges.push_back({ t, t + 9'000, i / 1000, uint32_t(1 + i % 4), 0, 0 });
        data.operators.push_back({ t + 100, t + 8'000, "aten::index_select", 4243, 0 });
        gpu.apiCalls.push_back({ t + 200, t + 1'000, correlation, 4243, 4242, 211, launch, 0, false });
        gpu.kernels.push_back(
            { t + 1'200, t + 3'000, 0, 1, 7, correlation++, kernel, 8, 1, 1, 128, 1, 1, 32, 0, 0, 1 });
        gpu.apiCalls.push_back({ t + 3'100, t + 3'500, correlation, 4243, 4242, 41, memcpy, 0, false });
        gpu.copies.push_back({ t + 3'600, t + 4'000, 0, 1, 7, correlation++, 8, 2, 2, 0 });
        gpu.apiCalls.push_back({ t + 3'700, t + 5'000, correlation, 4243, 4242, 131, memcpy, 0, false });
        gpu.syncs.push_back({ t + 4'000, t + 5'000, 1, 7, correlation++, 3, 0 });
    }
    data.run.startNs = 1'000'000'000;
    data.run.endNs = 1'000'000'000 + iterations * 10'000;
    data.run.frames = iterations / 1000;
    data.gpuTracingState = "traced";
    return data;
}

void report(const char* what, const ExchangeStats& stats, double seconds)
{
    std::printf("%-26s %9lld events %8.1f MB %7.2f s  %6.2f million events/s  %7.1f MB/s\n", what,
        static_cast<long long>(stats.events), double(stats.bytes) / 1e6, seconds, double(stats.events) / seconds / 1e6,
        double(stats.bytes) / seconds / 1e6);
}

} // namespace

int main(int argc, char** argv)
{
    const int64_t events = argc > 1 ? std::atoll(argv[1]) : 1'000'000;
    const std::string dir = argc > 2 ? argv[2] : "/tmp";
    const std::string stem = dir + "/bench_exchange_" + std::to_string(getpid());
    const std::string session = stem + ".sqlite";
    std::remove(session.c_str());
    {
        auto store = SessionStore::openForWriting(session);
        if (!store) {
            std::fprintf(stderr, "bench_exchange: %s\n", store.status().message().c_str());
            return 1;
        }
        const int64_t start = nowNs();
        auto written = store.value()->writeRun(syntheticRun(events));
        if (!written) {
            std::fprintf(stderr, "bench_exchange: %s\n", written.status().message().c_str());
            return 1;
        }
        std::printf("session of %lld events written in %.2f s\n", static_cast<long long>(events),
            double(nowNs() - start) / 1e9);
    }
    auto store = SessionStore::openForReading(session).value();
    const struct
    {
        const char* name;
        ExportFormat format;
        const char* extension;
    } formats[] = { { "nvtxt", ExportFormat::Nvtxt, ".nvtxt" }, { "chrome", ExportFormat::Chrome, ".json" },
        { "nsys-sqlite", ExportFormat::NsysSqlite, ".nsys.sqlite" }, { "csv", ExportFormat::Csv, ".csv" },
        { "html", ExportFormat::Html, ".html" } };
    for (const auto& f : formats) {
        const int64_t start = nowNs();
        auto stats = exportRuns(*store, {}, f.format, stem + f.extension);
        if (!stats) {
            std::fprintf(stderr, "bench_exchange: %s\n", stats.status().message().c_str());
            return 1;
        }
        report((std::string("export ") + f.name).c_str(), stats.value(), double(nowNs() - start) / 1e9);
    }
    for (const char* extension : { ".json", ".nsys.sqlite", ".nvtxt" }) {
        ExchangeStats stats;
        const int64_t start = nowNs();
        auto run = readTrace(stem + extension, &stats);
        if (!run) {
            std::fprintf(stderr, "bench_exchange: %s\n", run.status().message().c_str());
            return 1;
        }
        report((std::string("import ") + extension).c_str(), stats, double(nowNs() - start) / 1e9);
    }
    for (const char* extension : { ".sqlite", ".nvtxt", ".json", ".nsys.sqlite", ".csv", ".stages.csv", ".html" })
        std::remove((stem + extension).c_str());
    return 0;
}
