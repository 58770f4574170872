// SPDX-License-Identifier: Apache-2.0
// bench_profiler: the profiler core's costs on this machine, as Google Benchmark micro-benchmarks:
//   - the clocks: clock_gettime(CLOCK_MONOTONIC) and one read of the tick clock (cycle counter);
//   - the range recorder: ns per range (a ScopedRange with its NVTX calls and the in-process mirror), on one thread
//     and on two at once (goal <= 25 ns on one thread), and without the mirror;
//   - bytes per range event in memory (counter bytes_per_event) and on disk (disk_bytes_per_event);
//   - session store writes (items_per_second: range events per second, one transaction per run; goal >= 2 million);
//   - the trace model: load time and bytes per event in memory.
// Usage: bench_profiler [--ranges=2000000] [Google Benchmark flags, e.g. --benchmark_filter=Range]
#include "base/clock.h"
#include "collect/range_recorder.h"
#include "model/trace_model.h"
#include "store/session_store.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

using namespace es::prof;

namespace {

int64_t g_ranges = 2'000'000; ///< ranges per measurement (--ranges=N)

const RangeName& benchName()
{
    static const RangeName name = RangeNameRegistry::instance().intern("bench_range", 0xFF56B4E9, 1);
    return name;
}

double minimum(const std::vector<double>& values)
{
    double best = values.empty() ? 0.0 : values.front();
    for (double v : values)
        best = std::min(best, v);
    return best;
}

void BM_ClockMonotonic(benchmark::State& state)
{
    for (auto _ : state)
        benchmark::DoNotOptimize(nowNs());
}
BENCHMARK(BM_ClockMonotonic);

void BM_TickRead(benchmark::State& state)
{
    for (auto _ : state)
        benchmark::DoNotOptimize(TickClock::instance().now());
    state.SetLabel(TickClock::instance().usable() ? "cycle counter" : "clock_gettime: no constant-rate counter");
}
BENCHMARK(BM_TickRead);

/// NVTX push/pop and two ticks, with no mirror to record into.
void BM_RangeWithoutMirror(benchmark::State& state)
{
    int64_t i = 0;
    for (auto _ : state)
        ScopedRange range(nullptr, benchName(), i++);
}
BENCHMARK(BM_RangeWithoutMirror);

/// The recorder every thread of BM_RangeRecorder writes into; cleared by thread 0 before each measurement.
RangeRecorder& sharedRecorder()
{
    static RangeRecorder recorder;
    return recorder;
}

void BM_RangeRecorder(benchmark::State& state)
{
    RangeRecorder& recorder = sharedRecorder();
    if (state.thread_index() == 0)
        recorder.clear();
    int64_t i = 0;
    for (auto _ : state)
        ScopedRange range(&recorder, benchName(), i++);
    state.counters["bytes_per_event"] = benchmark::Counter(double(sizeof(RangeEvent)), benchmark::Counter::kAvgThreads);
    if (state.thread_index() == 0)
        state.counters["events_kept"] = double(recorder.size());
}
// Fixed iterations: the mirror keeps every range (32 bytes each), so an open-ended run would grow without bound.
BENCHMARK(BM_RangeRecorder)
    ->Iterations(2'000'000)
    ->Repetitions(3)
    ->ComputeStatistics("min", minimum)
    ->Threads(1)
    ->Threads(2);

/// A run of `g_ranges` recorded ranges, as the lab hands it to the store.
const RunData& recordedRun()
{
    static const RunData data = [] {
        RangeRecorder recorder;
        for (int64_t i = 0; i < g_ranges; ++i)
            ScopedRange range(&recorder, benchName(), i);
        RunData run;
        run.run.step = "bench";
        run.ranges = recorder.snapshot();
        run.threads = recorder.threads();
        return run;
    }();
    return data;
}

std::string scratchSession(const char* what)
{
    return "/tmp/es_bench_profiler_" + std::string(what) + "_" + std::to_string(getpid()) + ".sqlite";
}

off_t fileSize(const std::string& path)
{
    struct stat info;
    return stat(path.c_str(), &info) == 0 ? info.st_size : 0;
}

void BM_SessionWrite(benchmark::State& state)
{
    const RunData& data = recordedRun();
    const std::string path = scratchSession("write");
    double diskBytes = 0;
    for (auto _ : state) {
        state.PauseTiming();
        std::remove(path.c_str());
        auto store = SessionStore::openForWriting(path);
        if (!store) {
            state.SkipWithError(store.status().message().c_str());
            return;
        }
        const off_t before = fileSize(path);
        state.ResumeTiming();
        auto runId = store.value()->writeRun(data);
        state.PauseTiming();
        if (!runId) {
            state.SkipWithError(runId.status().message().c_str());
            return;
        }
        diskBytes = double(fileSize(path) - before);
        state.ResumeTiming();
    }
    std::remove(path.c_str());
    state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(data.ranges.size()));
    state.counters["disk_bytes_per_event"] = diskBytes / double(data.ranges.size());
}
BENCHMARK(BM_SessionWrite)->Unit(benchmark::kMillisecond)->Iterations(1)->Repetitions(3)->UseRealTime();

void BM_TraceModelLoad(benchmark::State& state)
{
    const std::string path = scratchSession("load");
    std::remove(path.c_str());
    auto store = SessionStore::openForWriting(path);
    auto runId = store ? store.value()->writeRun(recordedRun()) : es::Result<int64_t>(store.status());
    if (!runId) {
        state.SkipWithError(runId.status().message().c_str());
        return;
    }
    double bytesPerEvent = 0;
    int64_t events = 0;
    for (auto _ : state) {
        auto model = loadRun(*store.value(), runId.value());
        if (!model) {
            state.SkipWithError(model.status().message().c_str());
            break;
        }
        bytesPerEvent = model->bytesPerEvent();
        events = model->eventCount();
    }
    std::remove(path.c_str());
    state.SetItemsProcessed(int64_t(state.iterations()) * events);
    state.counters["bytes_per_event"] = bytesPerEvent;
}
BENCHMARK(BM_TraceModelLoad)->Unit(benchmark::kMillisecond)->Iterations(1)->Repetitions(3)->UseRealTime();

} // namespace

int main(int argc, char** argv)
{
    benchmark::Initialize(&argc, argv);
    for (int i = 1; i < argc; ++i) {
        if (std::strncmp(argv[i], "--ranges=", 9) == 0 && std::atoll(argv[i] + 9) > 0) {
            g_ranges = std::atoll(argv[i] + 9);
        } else {
            std::fprintf(stderr, "bench_profiler: unknown argument %s (--ranges=N or --benchmark_* flags)\n", argv[i]);
            return 2;
        }
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
