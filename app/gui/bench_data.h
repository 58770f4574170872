// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "chart_data.h"

#include "reports/bench_tables.h"

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

/// One device's bench session for the Devices page: what it ran on and its runs.
struct DeviceBench
{
    QString name; ///< "Jetson Nano (MAXN)", "Raspberry Pi 4 Model B", from the session's facts
    QString path;
    std::map<std::string, std::string> environment;
    std::vector<prof::BenchRun> runs;
};

/// The device's name for a chart: its GPU or Jetson model where it has one, else its CPU, with the power mode.
QString deviceName(const std::map<std::string, std::string>& environment, const std::vector<prof::BenchRun>& runs);
/// The facts a reader compares devices by, as (label, value) rows: CPU, cores, GPU, memory, power mode, software.
std::vector<std::pair<QString, QString>> deviceFacts(const std::map<std::string, std::string>& environment);

/// FPS of each model (categories, "SSD300 fp32: 4.1x") on each device (series), the founding study's Figure 5: the
/// models and precisions every device measured, each label with the ratio of the last device to the first.
BarChartData deviceFpsData(const std::vector<DeviceBench>& devices);

} // namespace es::app
