// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal to edgescope-cli: the commands that read files rather than run the engine (session_commands.cpp):
// stats, export, import, compare and tegrastats. Each has its arguments as CLI11 fills them, an addXCommand that
// declares it on the command line, and an xCommand that runs it and returns the exit code.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace es::cli {

struct StatsArguments
{
    std::string session;
    std::string run;
    std::string step;
    std::string report = "all";
    std::string format = "table";
};

CLI::App* addStatsCommand(CLI::App& app, StatsArguments& arguments);
int statsCommand(const StatsArguments& arguments, std::ostream& out, std::ostream& err);

/// The arguments of export (input: the session) and import (input: the trace).
struct ExchangeArguments
{
    std::string input;
    std::string output;
    std::string run;
    std::string step;
    std::string format;
};

CLI::App* addExportCommand(CLI::App& app, ExchangeArguments& arguments);
int exportCommand(const ExchangeArguments& arguments, std::ostream& err);
CLI::App* addImportCommand(CLI::App& app, ExchangeArguments& arguments);
int importCommand(const ExchangeArguments& arguments, std::ostream& out, std::ostream& err);

struct CompareArguments
{
    std::vector<std::string> sessions;
    int64_t base = -1;
    int64_t with = -1;
    std::string format = "table";
    std::string iteration; ///< the range that marks one iteration of an imported trace (empty: found)
    std::string output; ///< --format html: the device comparison report's file
};

CLI::App* addCompareCommand(CLI::App& app, CompareArguments& arguments);
int compareCommand(const CompareArguments& arguments, std::ostream& out, std::ostream& err);

struct TegrastatsArguments
{
    std::string log;
    bool json = false;
};

CLI::App* addTegrastatsCommand(CLI::App& app, TegrastatsArguments& arguments);
int tegrastatsCommand(const TegrastatsArguments& arguments, std::ostream& out, std::ostream& err);

} // namespace es::cli
