// SPDX-License-Identifier: Apache-2.0
// bench_exchange: export and import rates on a session of about one million events (stage ranges, operators, CUDA
// runtime calls, kernels, copies and synchronizations of a synthetic s0-like run), per format, as Google Benchmark
// benchmarks: items_per_second is events/s, bytes_per_second the file's MB/s. Goal: >= 1 million events/s for the
// NVTXT and Chrome exports. Usage: bench_exchange [--events=1000000] [--dir=/tmp] [--benchmark_* flags]
#include "base/clock.h"
#include "exchange/exchange.h"
#include "model/vocabulary.h"
#include "store/session_store.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
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
    data.rangeNames = { es::range::kFrame };
    for (const char* stage : es::stage::kAll)
        data.rangeNames.push_back(stage);
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
    data.gpuTracingState = es::gpu_tracing::kTraced;
    return data;
}

int64_t g_events = 1'000'000; ///< events in the synthetic session (--events=N)
std::string g_dir = "/tmp"; ///< where the session and the exported files go (--dir=PATH)

struct Format
{
    const char* name;
    ExportFormat format;
    const char* extension;
};
const Format kFormats[] = { { "nvtxt", ExportFormat::Nvtxt, ".nvtxt" }, { "chrome", ExportFormat::Chrome, ".json" },
    { "nsys-sqlite", ExportFormat::NsysSqlite, ".nsys.sqlite" }, { "csv", ExportFormat::Csv, ".csv" },
    { "html", ExportFormat::Html, ".html" } };
const char* const kImports[] = { ".json", ".nsys.sqlite", ".nvtxt" };

std::string stem()
{
    return g_dir + "/bench_exchange_" + std::to_string(getpid());
}

/// The synthetic session, written once per program run; empty string and a message when it could not be.
const std::string& session(std::string& error)
{
    static std::string why;
    static const std::string path = [] {
        const std::string file = stem() + ".sqlite";
        std::remove(file.c_str());
        auto store = SessionStore::openForWriting(file);
        if (!store) {
            why = store.status().message();
            return std::string();
        }
        auto written = store.value()->writeRun(syntheticRun(g_events));
        if (!written) {
            why = written.status().message();
            return std::string();
        }
        return file;
    }();
    error = why;
    return path;
}

void BM_Export(benchmark::State& state)
{
    const Format& f = kFormats[state.range(0)];
    state.SetLabel(f.name);
    std::string error;
    const std::string& path = session(error);
    if (path.empty()) {
        state.SkipWithError(error.c_str());
        return;
    }
    auto store = SessionStore::openForReading(path);
    if (!store) {
        state.SkipWithError(store.status().message().c_str());
        return;
    }
    ExchangeStats last;
    for (auto _ : state) {
        auto stats = exportRuns(*store.value(), {}, f.format, stem() + f.extension);
        if (!stats) {
            state.SkipWithError(stats.status().message().c_str());
            return;
        }
        last = stats.value();
    }
    state.SetItemsProcessed(int64_t(state.iterations()) * last.events);
    state.SetBytesProcessed(int64_t(state.iterations()) * last.bytes);
    state.counters["events"] = double(last.events);
}
BENCHMARK(BM_Export)->DenseRange(0, 4)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

void BM_Import(benchmark::State& state)
{
    const std::string file = stem() + kImports[state.range(0)];
    state.SetLabel(kImports[state.range(0)]);
    if (access(file.c_str(), R_OK) != 0) {
        state.SkipWithError(
            ("no " + file + ": run the exports first (no --benchmark_filter that leaves them out)").c_str());
        return;
    }
    ExchangeStats last;
    for (auto _ : state) {
        ExchangeStats stats;
        auto run = readTrace(file, &stats);
        if (!run) {
            state.SkipWithError(run.status().message().c_str());
            return;
        }
        last = stats;
    }
    state.SetItemsProcessed(int64_t(state.iterations()) * last.events);
    state.SetBytesProcessed(int64_t(state.iterations()) * last.bytes);
    state.counters["events"] = double(last.events);
}
BENCHMARK(BM_Import)->DenseRange(0, 2)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

} // namespace

int main(int argc, char** argv)
{
    benchmark::Initialize(&argc, argv);
    for (int i = 1; i < argc; ++i) {
        if (std::strncmp(argv[i], "--events=", 9) == 0 && std::atoll(argv[i] + 9) > 0) {
            g_events = std::atoll(argv[i] + 9);
        } else if (std::strncmp(argv[i], "--dir=", 6) == 0) {
            g_dir = argv[i] + 6;
        } else {
            std::fprintf(
                stderr, "bench_exchange: unknown argument %s (--events=N, --dir=PATH or --benchmark_*)\n", argv[i]);
            return 2;
        }
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    for (const char* extension : { ".sqlite", ".nvtxt", ".json", ".nsys.sqlite", ".csv", ".stages.csv", ".html" })
        std::remove((stem() + extension).c_str());
    return 0;
}
