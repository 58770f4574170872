// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "analysis/analysis.h"
#include "chart_data.h"
#include "timeline_layout.h"

namespace es::app {

// The figures of the Compare page's charts, computed from the analysis (pure; any thread). Each title says what the
// chart measures and on what: device, precision, weights where known.

/// FPS of every run of the lab, each bar in its step's colour, its relative change against the run before in the
/// category label ("s1: 1.53 (+40 %)"; the legend names each step in full).
BarChartData waterfallData(const prof::LabAnalysis& analysis);
/// The two runs' rates with their intervals: FPS, or iterations per second for imports; empty with the reason where a
/// run has no rate.
BarChartData fpsData(const prof::RunMetrics& base, const prof::RunMetrics& with);
/// Time per frame by stage, stacked, one bar per run (rangeData for imports).
BarChartData stageData(const prof::RunMetrics& base, const prof::RunMetrics& with);
/// Imports (and any run without the lab's stages): the ranges that take the longest per iteration, side by side.
BarChartData rangeData(const prof::RunMetrics& base, const prof::RunMetrics& with);
/// Imports: the kernels that appeared, vanished or changed time the most, ms per iteration before and after.
BarChartData kernelDiffData(const prof::Comparison& comparison);
/// Copies by direction, synchronizations and host scalar reads per frame.
BarChartData copiesData(const prof::RunMetrics& base, const prof::RunMetrics& with);
BarChartData gpuBusyData(const prof::RunMetrics& base, const prof::RunMetrics& with);
/// Energy per frame (J) where a power sensor was read; empty series when neither run measured it.
BarChartData energyData(const prof::RunMetrics& base, const prof::RunMetrics& with);
/// CPU (and GPU where sampled) load over the run, seconds from each run's start.
LineChartData utilizationData(
    const TimelineLayout* base, const TimelineLayout* with, const QString& baseName, const QString& withName);
/// "Measured speedup 1.42x (95% interval 1.30-1.55): faster", or "... within noise" where the interval holds 1; the
/// ratio of FPS alone where the runs carry no batch rates.
QString speedupSentence(const prof::Comparison& comparison);
/// "#3 s2: steady", "#3 s2: disturbed (other processes used 54% ...; ...)", or "#3 s2: not judged" for runs of an
/// older session or an import.
QString verdictSentence(const prof::RunMetrics& metrics);

/// A run's rate: FPS for a lab run, iterations per second for an import (0 for an import without iterations).
double rateOf(const prof::RunMetrics& metrics);
/// "12.30 FPS", "5.72 it/s" or "no iterations found".
QString rateLabel(const prof::RunMetrics& metrics);
/// An import's iterations: how many, what marks them and how it was chosen, rate and time; why there are none; empty
/// for a lab run.
QString iterationsSentence(const prof::RunMetrics& metrics);

/// "SSD300 on <device> · <precision> · batch N": what a pair of runs ran on, for captions.
QString runCaption(const prof::RunMetrics& metrics);

} // namespace es::app
