// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal to edgescope-cli: the weights command (weights_command.cpp): list, fetch, verify and path over the
// published weights EdgeScope knows (edgescope/engine/weights_cache.h).
#include <CLI/CLI.hpp>

#include <functional>
#include <iosfwd>
#include <utility>

namespace es::cli {

/// Adds `weights` and its subcommands to the command line. Returns the command and what runs it once parsed (it
/// owns the parsed arguments), for runCli's table of commands; results go to `out`, messages and progress to `err`.
std::pair<CLI::App*, std::function<int()>> addWeightsCommand(CLI::App& app, std::ostream& out, std::ostream& err);

} // namespace es::cli
