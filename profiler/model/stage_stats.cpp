// SPDX-License-Identifier: Apache-2.0
#include "model/stage_stats.h"

#include <algorithm>
#include <cmath>

namespace es::prof {

std::map<std::string, RangeTotals> summarizeRanges(const std::vector<RangeEvent>& events, int64_t fromNs, int64_t toNs)
{
    std::map<uint32_t, RangeTotals> byId;
    for (const RangeEvent& event : events) {
        if (event.startNs < fromNs || event.startNs >= toNs)
            continue;
        RangeTotals& totals = byId[event.nameId];
        const int64_t durationNs = event.endNs - event.startNs;
        totals.minNs = totals.count ? std::min(totals.minNs, durationNs) : durationNs;
        totals.maxNs = totals.count ? std::max(totals.maxNs, durationNs) : durationNs;
        totals.totalNs += durationNs;
        ++totals.count;
    }
    std::map<std::string, RangeTotals> byName;
    for (const auto& [id, totals] : byId)
        byName[RangeNameRegistry::instance().name(id)] = totals;
    return byName;
}

double quantile(std::vector<double> values, double q)
{
    if (values.empty())
        return 0.0;
    std::sort(values.begin(), values.end());
    const double position = std::clamp(q, 0.0, 1.0) * double(values.size() - 1);
    const size_t lower = size_t(std::floor(position));
    const size_t upper = std::min(lower + 1, values.size() - 1);
    const double fraction = position - double(lower);
    return values[lower] + (values[upper] - values[lower]) * fraction;
}

} // namespace es::prof
