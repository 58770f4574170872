// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "chart_data.h"

#include "reports/bench_tables.h"
#include "reports/device_sessions.h"

#include <map>
#include <string>
#include <vector>

namespace es::app {

// The figures of the Bench and Devices pages' charts, from the bench runs of sessions (pure; any thread). The runs
// are the latest of each model and precision (prof::latestBenchRuns), in the order the bench ran them.

/// "99.1 % top-1 agreement", "mIoU 0.97", "1.3 px keypoint distance", "98 % matched detections" against fp32; empty
/// for fp32 itself or where the bench could not compare.
QString agreementText(const prof::BenchRun& run);

/// Images per second of every model (categories) in every precision (series), the founding study's Figure 4: each
/// category names the model and, for half precision, how far its outputs agree with fp32.
BarChartData benchFpsData(const std::vector<prof::BenchRun>& runs);
/// GFLOP/s each model achieves in each precision; the title gives each precision's measured peak and the labels
/// the share of it.
BarChartData benchGflopsData(const std::vector<prof::BenchRun>& runs);
/// Weights (MB) and peak memory (MB) of each model in each precision.
BarChartData benchMemoryData(const std::vector<prof::BenchRun>& runs);

/// FPS of each model (categories, "SSD300 fp32: 4.1x") on each device (series), the founding study's Figure 5: the
/// models and precisions every device measured, each label with the ratio of the last device to the first.
BarChartData deviceFpsData(const std::vector<prof::DeviceSession>& devices);

} // namespace es::app
