// SPDX-License-Identifier: Apache-2.0
// bench_profiler: the profiler core's costs, measured in one run on this machine:
//   - range recorder: ns per range (a ScopedRange with NVTX calls and the in-process mirror), on one thread and on
//     several threads at once;
//   - bytes per range event in memory and on disk;
//   - session store write rate (range events per second, one transaction per run).
// Usage: bench_profiler [ranges=2000000] [threads=2]
#include "clock.h"
#include "range_recorder.h"
#include "session_store.h"
#include "trace_model.h"

#include <cstdio>
#include <cstdlib>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace es::prof;

namespace {

double nsPerRange(RangeRecorder& recorder, const RangeName& name, int64_t count)
{
    const int64_t start = nowNs();
    for (int64_t i = 0; i < count; ++i)
        ScopedRange range(&recorder, name, i);
    return double(nowNs() - start) / double(count);
}

} // namespace

int main(int argc, char** argv)
{
    const int64_t ranges = argc > 1 ? std::atoll(argv[1]) : 2000000;
    const int threads = argc > 2 ? std::atoi(argv[2]) : 2;
    const RangeName name = RangeNameRegistry::instance().intern("bench_range", 0xFF56B4E9, 1);

    int64_t clockStart = nowNs();
    volatile int64_t sink = 0;
    for (int i = 0; i < 1000000; ++i)
        sink = sink + nowNs();
    std::printf("clock_gettime(CLOCK_MONOTONIC): %.1f ns per call\n", double(nowNs() - clockStart) / 1e6);

    {
        const int64_t start = nowNs();
        for (int64_t i = 0; i < ranges; ++i)
            ScopedRange range(nullptr, name, i);
        std::printf("NVTX push/pop and two ticks without the mirror: %.1f ns per range\n",
            double(nowNs() - start) / double(ranges));
        volatile uint64_t ticks = 0;
        const int64_t tickStart = nowNs();
        for (int64_t i = 0; i < ranges; ++i)
            ticks = ticks + TickClock::instance().now();
        std::printf("one tick read: %.1f ns (%s)\n", double(nowNs() - tickStart) / double(ranges),
            TickClock::instance().usable() ? "cycle counter" : "clock_gettime: no constant-rate counter");
    }
    {
        RangeRecorder recorder;
        nsPerRange(recorder, name, ranges / 10); // warm-up: buffers grow
        recorder.clear();
        double best = 1e30;
        for (int round = 0; round < 3; ++round) {
            recorder.clear();
            best = std::min(best, nsPerRange(recorder, name, ranges));
        }
        std::printf("range recorder, 1 thread: %.1f ns per range (best of 3 x %lld; goal <= 25)\n", best,
            static_cast<long long>(ranges));
    }
    {
        RangeRecorder recorder;
        std::vector<std::thread> workers;
        std::vector<double> costs(static_cast<size_t>(threads));
        for (int t = 0; t < threads; ++t)
            workers.emplace_back([&, t] { costs[size_t(t)] = nsPerRange(recorder, name, ranges / threads); });
        for (auto& worker : workers)
            worker.join();
        double mean = 0;
        for (double c : costs)
            mean += c / threads;
        std::printf("range recorder, %d threads at once: %.1f ns per range per thread; %zu events kept\n", threads,
            mean, recorder.size());
    }
    std::printf("range event in memory: %zu bytes\n", sizeof(RangeEvent));

    RangeRecorder recorder;
    nsPerRange(recorder, name, ranges);
    RunData data;
    data.run.step = "bench";
    data.ranges = recorder.snapshot();
    data.threads = recorder.threads();
    const std::string path = "/tmp/es_bench_profiler_" + std::to_string(getpid()) + ".sqlite";
    std::remove(path.c_str());
    auto store = SessionStore::openForWriting(path);
    if (!store) {
        std::fprintf(stderr, "%s\n", store.status().message().c_str());
        return 1;
    }
    struct stat before;
    stat(path.c_str(), &before);
    const int64_t start = nowNs();
    auto runId = store.value()->writeRun(data);
    const double seconds = double(nowNs() - start) / 1e9;
    if (!runId) {
        std::fprintf(stderr, "%s\n", runId.status().message().c_str());
        return 1;
    }
    struct stat after;
    stat(path.c_str(), &after);
    std::printf("session store: %zu range events in %.2f s = %.2f million events/s (goal >= 2)\n", data.ranges.size(),
        seconds, double(data.ranges.size()) / seconds / 1e6);
    std::printf("range event on disk: %.1f bytes (NVTX_EVENTS row with its index)\n",
        double(after.st_size - before.st_size) / double(data.ranges.size()));
    const int64_t loadStart = nowNs();
    auto model = loadRun(*store.value(), runId.value());
    if (!model) {
        std::fprintf(stderr, "%s\n", model.status().message().c_str());
        return 1;
    }
    std::printf("trace model: %lld events loaded in %.2f s; %.1f bytes per event in memory\n",
        static_cast<long long>(model->eventCount()), double(nowNs() - loadStart) / 1e9, model->bytesPerEvent());
    std::remove(path.c_str());
    return 0;
}
