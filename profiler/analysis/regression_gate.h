// SPDX-License-Identifier: Apache-2.0
#pragma once

// The regression gate for CI on a board: the same steps (or bench models) of two sessions paired, and a verdict on
// each: slower beyond both the tolerance and the noise, or not.
#include "analysis/measurement_stats.h"
#include "base/status.h"
#include "store/session_store.h"

#include <string>
#include <vector>

namespace es::prof {

/// One step (or bench model) of the baseline paired with the same in the current session. FPS as the median batch
/// rate; `ratio` is current over baseline with its interval (ratioWithInterval of the batch rates).
struct GateRow
{
    std::string key; ///< "s2-device-pre-post fp32 batch 1", "bench-resnet18 fp16 batch 1"
    double baseFps = 0, currentFps = 0;
    Interval baseInterval, currentInterval;
    Estimate ratio;
    std::string change; ///< faster, slower, within noise, too few samples
    bool regressed = false; ///< slower beyond the tolerance, and its interval lies wholly below 1
    std::string currentVerdict; ///< the current run's own verdict (steady, disturbed), when it recorded one
};

/// The gate over two sessions: every pair, what had no partner, and whether it passes (no row regressed).
struct GateResult
{
    std::vector<GateRow> rows;
    std::vector<std::string> onlyInBase, onlyInCurrent;
    double tolerancePercent = 5;
    bool passed() const;
};

/// The default tolerance: 5 %, about the run-to-run spread of a quiet board's median FPS, so that a regression the
/// gate reports is one a user would notice, and noise it does not.
constexpr double kGateTolerancePercent = 5.0;

/// Pairs the complete runs of `base` and `current` by step (or bench model), precision and batch (the last run of
/// each when a session holds several), and judges each pair. A session with no run to pair fails with a Status.
Result<GateResult> gateSessions(
    const SessionStore& base, const SessionStore& current, double tolerancePercent = kGateTolerancePercent);

} // namespace es::prof
