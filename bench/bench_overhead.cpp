// SPDX-License-Identifier: Apache-2.0
// bench_overhead: what profiling costs, per step, in one program run on the same frames: each step's FPS with
// --profile off, light, full (operators on one batch in LabOptions::kDefaultOperatorStride) and full on every batch
// (--operator-stride 1, how full recorded before the schedule), measured in interleaved rounds (the four profiles,
// rotated each round), and each against off as a ratio of the batch rates with its 95 % interval (Hodges-Lehmann,
// Mann-Whitney).
// Usage: bench_overhead [video=sample_videos/vtest_pedestrians.mp4] [steps=0,1,2,3,4] [frames=8] [rounds=3]
#include "analysis/measurement_stats.h"
#include "edgescope/engine/lab.h"
#include "edgescope/engine/steps.h"
#include "es_config.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

using namespace es::engine;

namespace {

/// One way of profiling a run: the --profile level and the operator stride.
struct ProfileChoice
{
    const char* name;
    const char* level;
    int operatorStride;
};

const std::array<ProfileChoice, 4> kChoices = { { { "off", "off", LabOptions::kDefaultOperatorStride },
    { "light", "light", LabOptions::kDefaultOperatorStride }, { "full", "full", LabOptions::kDefaultOperatorStride },
    { "full-every", "full", 1 } } };

std::string ratioText(const std::vector<double>& with, const std::vector<double>& off)
{
    const es::prof::Estimate ratio = es::prof::ratioWithInterval(with, off);
    char text[64];
    std::snprintf(text, sizeof text, "%.3f [%.3f, %.3f]", ratio.value, ratio.interval.low, ratio.interval.high);
    return text;
}

} // namespace

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
    std::printf("%-20s %8s %8s %8s %8s %22s %22s %22s\n", "step", "off FPS", "light", "full", "full-1",
        "light/off (95%)", "full/off (95%)", "full-every/off (95%)");
    for (int number : steps.value()) {
        options.steps = { number };
        std::map<std::string, std::vector<double>> rates; // batch rates by choice, all rounds
        for (int round = 0; round < rounds; ++round) {
            for (size_t k = 0; k < kChoices.size(); ++k) {
                const ProfileChoice& choice = kChoices[(k + size_t(round)) % kChoices.size()];
                options.profile = choice.level;
                options.operatorStride = choice.operatorStride;
                auto result = runLab(options);
                if (!result) {
                    std::fprintf(stderr, "bench_overhead: %s\n", result.status().message().c_str());
                    return 1;
                }
                const auto& batch = result->steps.front().batchFps;
                rates[choice.name].insert(rates[choice.name].end(), batch.begin(), batch.end());
            }
        }
        const auto median = [&](const char* name) { return es::prof::medianWithInterval(rates[name]).value; };
        std::printf("%-20s %8.3f %8.3f %8.3f %8.3f %22s %22s %22s\n", allSteps()[size_t(number)].id, median("off"),
            median("light"), median("full"), median("full-every"), ratioText(rates["light"], rates["off"]).c_str(),
            ratioText(rates["full"], rates["off"]).c_str(), ratioText(rates["full-every"], rates["off"]).c_str());
        std::fflush(stdout);
    }
    std::printf("goals: light/off >= 0.98, full/off >= 0.90 (median batch rates, %d interleaved rounds of %lld "
                "frames; full records operators on 1 batch in %d, full-every on every batch)\n",
        rounds, static_cast<long long>(options.frames), LabOptions::kDefaultOperatorStride);
    return 0;
}
