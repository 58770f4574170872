// SPDX-License-Identifier: Apache-2.0
// bench_operator_recorder: what recording LibTorch operators costs per operator, on the kind of operator that
// dominates the host-side NMS of steps s0 and s1 (select, item, index on small tensors: a few microseconds each).
//   - Off: no RecordFunction callback anywhere (the floor);
//   - EmptyCallback: a global callback that does nothing (what RecordFunction itself costs once anyone listens);
//   - Recorder: the lab's OperatorRecorder (--profile full), operators kept;
//   The recorder's operators are taken (as the lab does after each round) every 2500 iterations, outside the timing.
// Counters: ns_per_op (wall time per tiny operator, recorded or not) and ops_per_iteration.
// Usage: bench_operator_recorder [Google Benchmark flags, e.g. --benchmark_repetitions=5]
#include "lab/operator_recorder.h"

#include <ATen/record_function.h>
#include <benchmark/benchmark.h>
#include <torch/torch.h>

namespace {

constexpr int kOpsPerIteration = 4; ///< select + item, index, add: the NMS loop's pattern

/// One iteration of a host NMS-like loop body: the operators dispatched are counted in kOpsPerIteration (top level).
int64_t tinyOperators(const torch::Tensor& scores, int64_t i)
{
    const int64_t best = scores.select(0, i % scores.size(0)).item<int64_t>();
    const torch::Tensor shifted = scores.add(1);
    return best + shifted.size(0);
}

void runLoop(benchmark::State& state, const torch::Tensor& scores)
{
    int64_t i = 0;
    for (auto _ : state)
        benchmark::DoNotOptimize(tinyOperators(scores, i++));
    state.counters["ns_per_op"] = benchmark::Counter(
        double(state.iterations()) * kOpsPerIteration, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

torch::Tensor benchScores()
{
    return torch::arange(200, torch::kInt64);
}

void BM_Off(benchmark::State& state)
{
    at::set_num_threads(1);
    runLoop(state, benchScores());
}
BENCHMARK(BM_Off);

std::unique_ptr<at::ObserverContext> emptyStart(const at::RecordFunction&)
{
    return nullptr;
}
void emptyEnd(const at::RecordFunction&, at::ObserverContext*) { }

void BM_EmptyCallback(benchmark::State& state)
{
    at::set_num_threads(1);
    const torch::Tensor scores = benchScores();
    const auto handle = at::addGlobalCallback(at::RecordFunctionCallback(&emptyStart, &emptyEnd)
                                                  .scopes({ at::RecordScope::FUNCTION, at::RecordScope::USER_SCOPE }));
    runLoop(state, scores);
    at::removeCallback(handle);
}
BENCHMARK(BM_EmptyCallback);

void BM_Recorder(benchmark::State& state)
{
    at::set_num_threads(1);
    const torch::Tensor scores = benchScores();
    es::engine::OperatorRecorder recorder;
    recorder.start();
    int64_t i = 0, kept = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(tinyOperators(scores, i++));
        if (i % 2500 == 0) {
            state.PauseTiming();
            kept += int64_t(recorder.take().size());
            state.ResumeTiming();
        }
    }
    recorder.stop();
    kept += int64_t(recorder.take().size());
    state.counters["ns_per_op"] = benchmark::Counter(
        double(state.iterations()) * kOpsPerIteration, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    state.counters["records_per_op"] = double(kept) / (double(state.iterations()) * kOpsPerIteration);
}
BENCHMARK(BM_Recorder);

} // namespace

BENCHMARK_MAIN();
