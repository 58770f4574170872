// SPDX-License-Identifier: Apache-2.0
// bench_overhead: what profiling costs, per step, in one program run on the same frames: each step's FPS with
// --profile off, light and full, measured in interleaved rounds (off light full, then rotated), and light/off and
// full/off as ratios of the batch rates with their 95 % intervals (Hodges-Lehmann, Mann-Whitney).
// Usage: bench_overhead [video=sample_videos/vtest_pedestrians.mp4] [steps=0,1,2,3,4] [frames=8] [rounds=3]
#include "analysis/measurement_stats.h"
#include "edgescope/engine/lab.h"
#include "edgescope/engine/steps.h"
#include "es_config.h"

#include <cstdio>
#include <cstdlib>
#include <map>

using namespace es::engine;

int main(int argc, char** argv)
{
    LabOptions options;
    options.video = argc > 1 ? argv[1] : std::string(ES_SOURCE_DIR) + "/sample_videos/vtest_pedestrians.mp4";
    auto steps = parseStepList(argc > 2 ? argv[2] : "all");
    if (!steps) {
        std::fprintf(stderr, "bench_overhead: %s\n", steps.status().message().c_str());
        return 2;
    }
    options.frames = argc > 3 ? std::atoi(argv[3]) : 8;
    options.warmup = 2;
    options.measureDetectorOnly = false;
    const int rounds = argc > 4 ? std::atoi(argv[4]) : 3;
    const char* profiles[] = { "off", "light", "full" };
    std::printf(
        "%-20s %9s %9s %9s %22s %22s\n", "step", "off FPS", "light", "full", "light/off (95%)", "full/off (95%)");
    for (int number : steps.value()) {
        options.steps = { number };
        std::map<std::string, std::vector<double>> rates; // batch rates by profile, all rounds
        for (int round = 0; round < rounds; ++round) {
            for (int k = 0; k < 3; ++k) {
                options.profile = profiles[(k + round) % 3];
                auto result = runLab(options);
                if (!result) {
                    std::fprintf(stderr, "bench_overhead: %s\n", result.status().message().c_str());
                    return 1;
                }
                const auto& batch = result->steps.front().batchFps;
                rates[options.profile].insert(rates[options.profile].end(), batch.begin(), batch.end());
            }
        }
        const auto light = es::prof::ratioWithInterval(rates["light"], rates["off"]);
        const auto full = es::prof::ratioWithInterval(rates["full"], rates["off"]);
        char lightText[64], fullText[64];
        std::snprintf(
            lightText, sizeof lightText, "%.3f [%.3f, %.3f]", light.value, light.interval.low, light.interval.high);
        std::snprintf(
            fullText, sizeof fullText, "%.3f [%.3f, %.3f]", full.value, full.interval.low, full.interval.high);
        std::printf("%-20s %9.3f %9.3f %9.3f %22s %22s\n", allSteps()[size_t(number)].id,
            es::prof::medianWithInterval(rates["off"]).value, es::prof::medianWithInterval(rates["light"]).value,
            es::prof::medianWithInterval(rates["full"]).value, lightText, fullText);
    }
    std::printf("goals: light/off >= 0.98, full/off >= 0.90 (median batch rates, %d interleaved rounds of %lld "
                "frames)\n",
        rounds, static_cast<long long>(options.frames));
    return 0;
}
