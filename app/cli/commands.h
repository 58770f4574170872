// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <iosfwd>

namespace es::cli {

/// Exit codes of edgescope-cli: 0 success, 1 the work failed (bad video, weights, device; gate: a step regressed),
/// 2 bad command line, 3 `run --strict` measured, but a step was disturbed (its figures are not to be trusted).
constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitDisturbed = 3;

/// Parses the command line and runs one command, writing results to `out` and messages to `err`. Never throws.
int runCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

} // namespace es::cli
