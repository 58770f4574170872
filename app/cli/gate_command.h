// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal to edgescope-cli: `gate BASELINE CURRENT`, the regression gate for CI (gate_command.cpp).
#include <CLI/CLI.hpp>

#include <iosfwd>
#include <string>

namespace es::cli {

struct GateArguments
{
    std::string baseline;
    std::string current;
    double tolerancePercent = 5.0;
    std::string junit; ///< write JUnit XML here too
    std::string format = "table"; ///< table or json
};

CLI::App* addGateCommand(CLI::App& app, GateArguments& arguments);
/// 0 when no step regressed, 1 when one did (or a session could not be read), 2 for a bad tolerance.
int gateCommand(const GateArguments& arguments, std::ostream& out, std::ostream& err);

} // namespace es::cli
