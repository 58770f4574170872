// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal to edgescope-cli: what several commands share (failure messages, progress lines, the interrupt flag) and
// the parsing of values that CLI11 leaves to us (durations). Torch-free, so the fuzz targets build it alone.
#include "base/status.h"
#include "edgescope/engine/lab.h"

#include <atomic>
#include <functional>
#include <iosfwd>
#include <string>

namespace es::cli {

/// The flag that sets an engine option (Status::option(), a LabOptions or BenchOptions field): "frames" ->
/// "--frames"; most are "--" and the name.
std::string optionFlag(const std::string& option);

/// Prints "edgescope-cli: error: ..." and returns the exit code for it (2 for bad arguments, 1 otherwise). A status
/// about one option ends with the flag that sets it, "(option --frames)": `flag` where the command spells it
/// otherwise (soak's --step for the option "steps"), else optionFlag().
int reportFailure(const Status& status, std::ostream& err, const std::string& flag = {});

/// A progress callback that rewrites one line on a terminal and prints lines elsewhere; lines for which `keep`
/// says true stay on a terminal. Empty when `quiet`.
std::function<void(const std::string&)> progressPrinter(
    std::ostream& err, bool quiet, std::function<bool(const std::string&)> keep = {});

/// Sets the lab's input from --video or --synthetic WxH (parsed here).
Status applyFrameInput(engine::LabOptions& options, const std::string& video, const std::string& synthetic);

/// The weights file a run of `model` uses for the --weights value `value`: "seeded" -> empty (seeded weights); a
/// fetched name or a path -> the file (resolveWeights); empty -> the model's fetched file when it is in the cache,
/// else empty (seeded). A name not fetched yet says how to fetch it.
Result<std::string> weightsFileFor(const std::string& model, const std::string& value);

/// "90", "90s", "15m", "1.5h", "1h30m" -> seconds (positive, at most a year); a Status naming the text otherwise.
Result<double> parseDurationSeconds(const std::string& text);

/// While alive, SIGINT and SIGTERM set a flag instead of killing the process, so that a lab stops after its
/// current batch and closes its session; a second signal restores the default action and ends the process at once.
/// One at a time, created and destroyed on the main thread; the flag may be read from any thread.
class InterruptGuard
{
public:
    InterruptGuard();
    ~InterruptGuard();
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;

    const std::atomic<bool>* flag() const;
    /// The signal that set the flag (SIGINT or SIGTERM), 0 when none came.
    int signalNumber() const;
    /// The exit code for a run stopped by that signal: 128 + its number, as shells report it.
    int exitCode() const { return 128 + signalNumber(); }
};

/// After a run stopped by a signal: says so and how many runs the session kept, and returns the guard's exit code.
int reportInterrupted(const InterruptGuard& guard, const std::string& sessionPath, std::ostream& err);

} // namespace es::cli
