// SPDX-License-Identifier: Apache-2.0
#pragma once

// Runs edgescope-cli's command line in this process, for the CLI tests.
#include "commands.h"

#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace es::test_support {

/// The exit code and what the command wrote: stdout into `stdoutText` when given, stderr returned (with stdout in
/// front of it when `stdoutText` is null).
inline std::pair<int, std::string> runCliInProcess(
    std::vector<std::string> arguments, std::string* stdoutText = nullptr)
{
    arguments.insert(arguments.begin(), "edgescope-cli");
    std::vector<const char*> argv;
    for (const auto& argument : arguments)
        argv.push_back(argument.c_str());
    std::ostringstream out, err;
    const int code = cli::runCli(int(argv.size()), argv.data(), out, err);
    if (stdoutText) {
        *stdoutText = out.str();
        return { code, err.str() };
    }
    return { code, out.str() + err.str() };
}

} // namespace es::test_support
