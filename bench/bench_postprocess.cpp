// SPDX-License-Identifier: Apache-2.0
// bench_postprocess: the cost of SSD300's postprocess per frame, stock (NVIDIA's per-class loop with .item()) against
// the vectorized batched version of steps 2-4, at several candidate loads, on the host. Prints ms per frame and the
// ratio, measured in one run. Usage: bench_postprocess [repetitions=5] [batch=4]
#include "base/clock.h"
#include "ssd/postprocess.h"
#include "ssd/ssd300.h"

#include <cstdio>
#include <cstdlib>
#include <thread>

using namespace es::engine;

int main(int argc, char** argv)
{
    const int repetitions = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
    const int64_t batch = argc > 2 ? std::max(1, std::atoi(argv[2])) : 4;
    InferenceGuard guard;
    torch::set_num_threads(int(std::thread::hardware_concurrency())); // as the lab does
    torch::manual_seed(1);
    const torch::Tensor anchors = defaultBoxesXywh();
    const PostprocessConfig config;
    std::printf("threads %d, batch %lld, %d repetitions (best of)\n", torch::get_num_threads(),
        static_cast<long long>(batch), repetitions);
    std::printf("%12s %14s %16s %18s %8s\n", "bg prior", "cand/frame", "stock ms/frame", "vector ms/frame", "ratio");
    // Logits with std 5.5 like the seeded model's; a background bias from 0 (every class saturated) to 24 (sparse).
    for (double backgroundBias : { 0.0, 10.0, 16.0, 20.0, 24.0 }) {
        const torch::Tensor locations = torch::randn({ batch, 4, 8732 }) * 2.0;
        torch::Tensor logits = torch::randn({ batch, 81, 8732 }) * 5.5;
        logits.select(1, 0).add_(backgroundBias);
        double stockBest = 1e30, vectorBest = 1e30;
        std::vector<int64_t> candidates;
        for (int r = 0; r < repetitions; ++r) {
            int64_t start = es::prof::nowNs();
            const auto [boxes, scores] = decodeBatch(locations, logits, anchors);
            for (int64_t b = 0; b < batch; ++b)
                stockDecodeSingle(boxes[b], scores[b], config);
            stockBest = std::min(stockBest, double(es::prof::nowNs() - start) / 1e6 / double(batch));
            start = es::prof::nowNs();
            vectorizedPostprocess(locations, logits, anchors, config, &candidates);
            vectorBest = std::min(vectorBest, double(es::prof::nowNs() - start) / 1e6 / double(batch));
        }
        double meanCandidates = 0;
        for (int64_t c : candidates)
            meanCandidates += double(c) / double(batch);
        std::printf("%12.1f %14.0f %16.2f %18.2f %7.1fx\n", backgroundBias, meanCandidates, stockBest, vectorBest,
            stockBest / vectorBest);
    }
    return 0;
}
