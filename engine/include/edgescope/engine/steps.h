// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "base/status.h"

#include <string>
#include <vector>

namespace es::engine {

/// One optimization step of the founding study: a named, documented variant of the one SSD300 pipeline.
struct StepInfo
{
    int number = 0; ///< 0..4
    const char* id = ""; ///< "s0-baseline", ...
    const char* title = ""; ///< a short human name
    const char* change = ""; ///< what the step changes, one sentence
};

/// s0-baseline, s1-cpu-postprocess, s2-device-pre-post, s3-batching, s4-half-precision, in order.
const std::vector<StepInfo>& allSteps();

/// Parses "all", or a comma-separated list of step numbers ("0,2,4"), ids ("s0-baseline") or short ids ("s3").
/// Returns step numbers in the order given, without duplicates; an unknown step or an empty list is an
/// InvalidArgument about the "steps" option.
Result<std::vector<int>> parseStepList(const std::string& text);

} // namespace es::engine
