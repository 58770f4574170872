// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal to edgescope-cli: the soak command (soak_command.cpp).
#include "edgescope/engine/lab.h"

#include <CLI/CLI.hpp>

#include <iosfwd>
#include <string>

namespace es::cli {

/// The soak command's arguments as CLI11 fills them.
struct SoakArguments
{
    engine::LabOptions lab;
    std::string video;
    std::string synthetic;
    std::string step = "2";
    std::string duration = "30m";
    std::string reportEvery = "60s";
    double maxRssGrowthPercent = -1; ///< fail (exit 1) above this; < 0: report only
    bool json = false;
    bool quiet = false;
};

/// Adds `soak` to the command line, filling `arguments`.
CLI::App* addSoakCommand(CLI::App& app, SoakArguments& arguments);
/// Runs it: a line per report on `out` (or one JSON object at the end), messages on `err`; returns the exit code.
int soakCommand(SoakArguments& arguments, std::ostream& out, std::ostream& err);

} // namespace es::cli
