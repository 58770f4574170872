// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "collect/range_recorder.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace es::prof {

/// Totals of the ranges of one name. Times in ns.
struct RangeTotals
{
    int64_t count = 0;
    int64_t totalNs = 0;
    int64_t minNs = 0;
    int64_t maxNs = 0;
    double meanNs() const { return count ? double(totalNs) / double(count) : 0.0; }
};

/// Sums ranges by name over the events that start within [fromNs, toNs). Pure function; any thread.
std::map<std::string, RangeTotals> summarizeRanges(
    const std::vector<RangeEvent>& events, int64_t fromNs = INT64_MIN, int64_t toNs = INT64_MAX);

/// The q-quantile (0..1) of the values with linear interpolation between closest ranks (numpy's default);
/// 0 for an empty input. Pure function; any thread.
double quantile(std::vector<double> values, double q);

} // namespace es::prof
