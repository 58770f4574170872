// SPDX-License-Identifier: Apache-2.0
#include "time_axis.h"

#include <algorithm>

namespace es::app {

TimeAxis TimeAxis::fit(int64_t fromNs, int64_t toNs, int widthPx)
{
    TimeAxis axis;
    axis.startNs = fromNs;
    const double span = double(std::max<int64_t>(1, toNs - fromNs));
    axis.nsPerPixel = std::clamp(span / double(std::max(1, widthPx)), kMinNsPerPixel, kMaxNsPerPixel);
    return axis;
}

void TimeAxis::zoomAround(double anchorPx, double factor)
{
    if (!(factor > 0))
        return;
    const double anchorTime = double(startNs) + anchorPx * nsPerPixel;
    nsPerPixel = std::clamp(nsPerPixel / factor, kMinNsPerPixel, kMaxNsPerPixel);
    startNs = int64_t(anchorTime - anchorPx * nsPerPixel);
}

} // namespace es::app
