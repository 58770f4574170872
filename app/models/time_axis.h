// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>

namespace es::app {

/// The timeline's mapping between time (ns) and pixels: the time at the left edge and the ns one pixel covers. Zooms
/// keep the time under the cursor in place, as Perfetto and Tracy do; zoom is bounded between 1 ns per 100 px and a
/// whole day per pixel. Pure value type; any thread.
struct TimeAxis
{
    int64_t startNs = 0; ///< time at pixel 0
    double nsPerPixel = 1e6;

    static constexpr double kMinNsPerPixel = 0.01;
    static constexpr double kMaxNsPerPixel = 8.64e13;

    double toPixel(int64_t timeNs) const { return double(timeNs - startNs) / nsPerPixel; }
    int64_t toTime(double pixel) const { return startNs + int64_t(pixel * nsPerPixel); }
    /// Time at the right edge of a view `widthPx` wide.
    int64_t endNs(int widthPx) const { return toTime(double(widthPx)); }

    /// The axis that shows [fromNs, toNs) across `widthPx` pixels (a minimum span of 1 ns).
    static TimeAxis fit(int64_t fromNs, int64_t toNs, int widthPx);
    /// Zooms by `factor` (> 1 zooms in) around the pixel `anchorPx`: the time under it stays under it.
    void zoomAround(double anchorPx, double factor);
    /// Moves the view by `deltaPx` pixels (positive: later times come into view).
    void panPixels(double deltaPx) { startNs += int64_t(deltaPx * nsPerPixel); }
};

} // namespace es::app
