// SPDX-License-Identifier: Apache-2.0
// Fuzz target: what edgescope-cli parses from its command line besides file names: step lists, frame sizes,
// durations and export formats through EdgeScope's parsers, and the numbers of its options through CLI11 with the
// same option types as the CLI (int64 frames and batch, int threads and sampler period, uint64 seed, double
// seconds). CLI11 reports bad values as CLI::ParseError, which the CLI catches; anything else escaping is a bug.
#include "cli_support.h"
#include "edgescope/engine/frame_source.h"
#include "edgescope/engine/steps.h"
#include "exchange/exchange.h"

#include <CLI/CLI.hpp>

#include <sstream>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string text(reinterpret_cast<const char*>(data), size);
    (void)es::engine::parseStepList(text);
    (void)es::engine::parseFrameSize(text);
    (void)es::cli::parseDurationSeconds(text);
    (void)es::prof::parseExportFormat(text);

    std::vector<std::string> tokens;
    std::istringstream words(text);
    for (std::string word; words >> word && tokens.size() < 32;)
        tokens.push_back(word);
    CLI::App app { "fuzz" };
    int64_t frames = 0, batch = 0;
    int threads = 0, period = 0;
    uint64_t seed = 0;
    double seconds = 0;
    std::string steps;
    app.add_option("--frames", frames);
    app.add_option("--batch", batch);
    app.add_option("--threads", threads);
    app.add_option("--sample-period", period);
    app.add_option("--seed", seed);
    app.add_option("--min-time", seconds);
    app.add_option("--steps", steps);
    app.allow_extras();
    std::vector<std::string> reversed(tokens.rbegin(), tokens.rend()); // CLI11 takes argv reversed
    try {
        app.parse(reversed);
    } catch (const CLI::ParseError&) { }
    return 0;
}
