// SPDX-License-Identifier: Apache-2.0
// bench_overhead: what profiling costs, in one program run on the same frames: FPS of one step with --profile light
// and full divided by FPS with off (nothing recorded), interleaved rounds, best of each.
// Usage: bench_overhead [video=sample_videos/vtest_pedestrians.mp4] [step=2] [frames=16] [rounds=3]
#include "edgescope/engine/lab.h"
#include "es_config.h"

#include <cstdio>
#include <cstdlib>
#include <map>

using namespace es::engine;

int main(int argc, char** argv)
{
    LabOptions options;
    options.video = argc > 1 ? argv[1] : std::string(ES_SOURCE_DIR) + "/sample_videos/vtest_pedestrians.mp4";
    options.steps = { argc > 2 ? std::atoi(argv[2]) : 2 };
    options.frames = argc > 3 ? std::atoi(argv[3]) : 16;
    options.warmup = 2;
    options.measureDetectorOnly = false;
    const int rounds = argc > 4 ? std::atoi(argv[4]) : 3;
    std::map<std::string, double> best;
    for (int round = 0; round < rounds; ++round) {
        for (const char* profile : { "off", "light", "full" }) {
            options.profile = profile;
            auto result = runLab(options);
            if (!result) {
                std::fprintf(stderr, "bench_overhead: %s\n", result.status().message().c_str());
                return 1;
            }
            const double fps = result->steps.front().fps;
            best[profile] = std::max(best[profile], fps);
            std::printf("round %d, profile %-5s: %.3f FPS\n", round + 1, profile, fps);
        }
    }
    std::printf("step %d, %lld frames, best of %d: off %.3f, light %.3f, full %.3f FPS\n", options.steps.front(),
        static_cast<long long>(options.frames), rounds, best["off"], best["light"], best["full"]);
    std::printf("light/off %.3f (goal >= 0.98), full/off %.3f (goal >= 0.90)\n", best["light"] / best["off"],
        best["full"] / best["off"]);
    return 0;
}
