// SPDX-License-Identifier: Apache-2.0
// The compare command's output: per run its metrics and findings, per comparison every metric's change, the
// findings that appeared and disappeared, and the predicted speedup next to the measured one. Table or JSON.
#include "reports.h"

#include <cmath>
#include <cstdio>
#include <iomanip>
#include <sstream>

namespace es::cli {

namespace {

nlohmann::json optionalJson(const std::optional<double>& value)
{
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json findingToJson(const prof::Finding& f)
{
    return { { "rule", f.rule }, { "title", f.title }, { "stage", f.stage }, { "count_per_frame", f.count },
        { "share_of_frame", f.shareOfFrame }, { "expected_speedup", f.expectedSpeedup }, { "evidence", f.evidence },
        { "explanation", f.explanation }, { "events", f.events } };
}

std::string number(const std::optional<double>& value, int decimals = 2)
{
    if (!value)
        return "-";
    std::ostringstream out;
    out << std::fixed << std::setprecision(decimals) << *value;
    return out.str();
}

nlohmann::json iterationsToJson(const prof::RunMetrics& m)
{
    if (!m.iterations)
        return nullptr;
    const prof::IterationMetrics& it = *m.iterations;
    return { { "marker", it.marker }, { "source", it.source }, { "count", it.count },
        { "iterations_per_s", it.perSecond },
        { "iterations_per_s_interval",
            it.perSecondInterval ? nlohmann::json::array({ it.perSecondInterval->low, it.perSecondInterval->high })
                                 : nlohmann::json() },
        { "ms",
            { { "mean", it.meanMs }, { "median", it.medianMs }, { "p95", it.p95Ms }, { "min", it.minMs },
                { "max", it.maxMs } } },
        { "gpu_traced", it.gpuTraced }, { "gpu_busy_percent", it.gpuBusyPercent },
        { "kernels_per_iteration", it.kernelsPerIteration }, { "kernel_ms_per_iteration", it.kernelMsPerIteration },
        { "copies_per_iteration", it.copiesPerIteration }, { "copy_ms_per_iteration", it.copyMsPerIteration },
        { "syncs_per_iteration", it.syncsPerIteration }, { "sync_wait_ms_per_iteration", it.syncWaitMsPerIteration },
        { "ranges_ms_per_iteration", it.rangeMsPerIteration } };
}

/// Which run a comparison side is, with its rate: FPS for lab runs, iterations per second for imports.
nlohmann::json sideToJson(const prof::RunMetrics& m)
{
    nlohmann::json side = { { "run", m.runId }, { "step", m.step }, { "session", m.session } };
    if (m.iterations)
        side["iterations_per_s"] = m.iterations->perSecond;
    else
        side["fps"] = m.fps;
    return side;
}

void printFindings(const prof::RunAnalysis& run, std::ostream& out)
{
    if (run.findings.empty())
        out << "  no finding\n";
    for (const prof::Finding& f : run.findings)
        out << "  finding [" << f.rule << "] " << f.title << " (expected " << number(f.expectedSpeedup)
            << "x if fixed)\n"
            << "    evidence: " << f.evidence << "\n";
}

/// The kernels that changed most between two imports, per iteration.
void printKernelDiff(const std::vector<prof::KernelChange>& diff, std::ostream& out)
{
    if (diff.empty())
        return;
    out << "  kernels that changed most (ms per iteration, base -> with):\n";
    char line[512];
    for (size_t i = 0; i < diff.size() && i < 12; ++i) {
        const prof::KernelChange& k = diff[i];
        std::string name = k.name.size() > 70 ? k.name.substr(0, 67) + "..." : k.name;
        std::snprintf(line, sizeof line, "    %-9s %9s -> %9s  %s\n", k.change.c_str(),
            number(k.base.msPerIteration, 3).c_str(), number(k.with.msPerIteration, 3).c_str(), name.c_str());
        out << line;
    }
}

nlohmann::json kernelDiffToJson(const std::vector<prof::KernelChange>& diff)
{
    nlohmann::json items = nlohmann::json::array();
    auto share = [](const prof::KernelShare& k) {
        return nlohmann::json { { "launches_per_iteration", k.launchesPerIteration },
            { "ms_per_iteration", k.msPerIteration } };
    };
    for (const prof::KernelChange& change : diff)
        items.push_back({ { "name", change.name }, { "change", change.change }, { "base", share(change.base) },
            { "with", share(change.with) }, { "delta_ms_per_iteration", change.deltaMs() } });
    return items;
}

} // namespace

nlohmann::json runAnalysisToJson(const prof::RunAnalysis& run)
{
    const prof::RunMetrics& m = run.metrics;
    nlohmann::json copies = nlohmann::json::object();
    for (const auto& [direction, c] : m.copiesPerFrame)
        copies[direction]
            = { { "count", c.count }, { "bytes", c.bytes }, { "ms", c.ms }, { "pageable_percent", c.pageablePercent } };
    nlohmann::json findings = nlohmann::json::array();
    for (const prof::Finding& f : run.findings)
        findings.push_back(findingToJson(f));
    return { { "run", m.runId }, { "session", m.session }, { "step", m.step }, { "title", m.title },
        { "device", m.device }, { "device_name", m.deviceName }, { "precision", m.precision }, { "batch", m.batch },
        { "frames", m.frames }, { "fps", m.iterations ? nlohmann::json() : nlohmann::json(m.fps) }, { "unit", m.unit },
        { "iterations", iterationsToJson(m) },
        { "iterations_note", m.iterationsNote.empty() ? nlohmann::json() : nlohmann::json(m.iterationsNote) },
        { "fps_interval",
            m.fpsInterval ? nlohmann::json::array({ m.fpsInterval->low, m.fpsInterval->high }) : nlohmann::json() },
        { "verdict",
            m.verdict.empty() ? nlohmann::json()
                              : nlohmann::json { { "state", m.verdict }, { "reasons", m.verdictReasons } } },
        { "latency_ms", { { "p50", m.latencyP50Ms }, { "p95", m.latencyP95Ms }, { "p99", m.latencyP99Ms } } },
        { "stages_ms_per_frame", m.stageMs }, { "detector_only_fps", optionalJson(m.detectorOnlyFps) },
        { "pipeline_efficiency", optionalJson(m.pipelineEfficiency) },
        { "gpu",
            m.gpuTraced ? nlohmann::json { { "kernels_per_frame", m.kernelsPerFrame },
                { "kernel_ms_per_frame", m.kernelMsPerFrame }, { "median_kernel_us", m.medianKernelUs },
                { "copies_per_frame", copies }, { "syncs_per_frame", m.syncsPerFrame },
                { "sync_wait_ms_per_frame", m.syncWaitMsPerFrame }, { "busy_percent", m.gpuBusyPercent },
                { "idle_gaps_per_frame", m.idleGapsPerFrame }, { "gaps_500ms", m.longGaps } }
                        : nlohmann::json(nullptr) },
        { "host_scalar_reads_per_frame", m.hostScalarReadsPerFrame },
        { "cpu_load_percent", { { "mean", optionalJson(m.cpuLoadMeanPercent) }, { "per_core", m.cpuLoadPercent } } },
        { "memory_mb", { { "process_rss", optionalJson(m.rssMb) }, { "ram_used", optionalJson(m.ramUsedMb) } } },
        { "power_w", optionalJson(m.powerW) }, { "energy_per_frame_j", optionalJson(m.energyPerFrameJ) },
        { "fps_per_watt", optionalJson(m.fpsPerWatt) },
        { "agreement",
            { { "reference", m.agreementReference }, { "matched_share", optionalJson(m.agreementMatchedShare) },
                { "identical", m.detectionsIdentical ? nlohmann::json(*m.detectionsIdentical) : nlohmann::json() } } },
        { "findings", findings } };
}

nlohmann::json comparisonToJson(const prof::Comparison& c)
{
    nlohmann::json metrics = nlohmann::json::array();
    for (const prof::MetricChange& change : c.metrics) {
        nlohmann::json item = { { "name", change.name }, { "unit", change.unit }, { "base", optionalJson(change.base) },
            { "with", optionalJson(change.with) }, { "higher_is_better", change.higherIsBetter } };
        if (change.base && change.with) {
            item["change"] = *change.with - *change.base;
            item["relative"] = *change.base != 0 ? nlohmann::json(*change.with / *change.base - 1) : nlohmann::json();
        }
        metrics.push_back(item);
    }
    nlohmann::json appeared = nlohmann::json::array(), disappeared = nlohmann::json::array();
    for (const prof::Finding& f : c.appeared)
        appeared.push_back(findingToJson(f));
    for (const prof::Finding& f : c.disappeared)
        disappeared.push_back(findingToJson(f));
    return { { "base", sideToJson(c.base.metrics) }, { "with", sideToJson(c.with.metrics) },
        { "kernel_diff",
            c.base.metrics.iterations && c.with.metrics.iterations ? kernelDiffToJson(c.kernelDiff)
                                                                   : nlohmann::json() },
        { "measured_speedup", c.measuredSpeedup },
        { "speedup_interval",
            c.speedup ? nlohmann::json::array({ c.speedup->interval.low, c.speedup->interval.high })
                      : nlohmann::json() },
        { "speedup_verdict", c.speedupVerdict.empty() ? nlohmann::json() : nlohmann::json(c.speedupVerdict) },
        { "predicted_speedup", c.predictedSpeedup }, { "findings_appeared", appeared },
        { "findings_disappeared", disappeared }, { "metrics", metrics } };
}

/// An import's headline: its iterations, their rate and time, or why it has none.
void printIterations(const prof::RunMetrics& m, std::ostream& out)
{
    out << "run " << m.runId << " " << m.title << ": ";
    if (!m.iterations) {
        out << "no frames and no iterations: " << m.iterationsNote << "\n";
        return;
    }
    const prof::IterationMetrics& it = *m.iterations;
    out << it.count << (it.count == 1 ? " iteration (" : " iterations (") << it.source << "), " << number(it.perSecond)
        << " iterations/s, median " << number(it.medianMs, 1) << " ms (p95 " << number(it.p95Ms, 1) << ")";
    if (it.gpuTraced)
        out << ", GPU busy " << number(it.gpuBusyPercent, 0) << "%, " << number(it.kernelsPerIteration, 1)
            << " kernels and " << number(it.kernelMsPerIteration) << " ms of kernels per iteration";
    else
        out << ", no GPU activity in the trace";
    out << "\n";
}

void printRunAnalysis(const prof::RunAnalysis& run, std::ostream& out)
{
    const prof::RunMetrics& m = run.metrics;
    if (m.frames == 0 && m.fps <= 0) {
        printIterations(m, out);
        printFindings(run, out);
        return;
    }
    out << "run " << m.runId << " " << m.step << " (" << m.device << ", " << m.precision << ", batch " << m.batch
        << "): " << number(m.fps) << " FPS, p50 " << number(m.latencyP50Ms, 1) << " ms";
    if (m.pipelineEfficiency)
        out << ", efficiency " << number(m.pipelineEfficiency);
    if (m.gpuTraced)
        out << ", GPU busy " << number(m.gpuBusyPercent, 0) << "%";
    if (m.energyPerFrameJ)
        out << ", " << number(m.energyPerFrameJ, 3) << " J/frame";
    out << "\n";
    printFindings(run, out);
}

void printComparison(const prof::Comparison& c, std::ostream& out)
{
    const bool iterations = c.base.metrics.iterations && c.with.metrics.iterations;
    auto label = [](const prof::RunMetrics& m) { return m.step == "import" ? m.title : m.step; };
    out << "\n"
        << label(c.base.metrics) << " (run " << c.base.metrics.runId << ") -> " << label(c.with.metrics) << " (run "
        << c.with.metrics.runId << "): measured " << number(c.measuredSpeedup) << "x"
        << (iterations ? " in iterations per second" : "") << ", predicted " << number(c.predictedSpeedup)
        << "x from the findings that went away\n";
    const std::string& note
        = c.base.metrics.iterationsNote.empty() ? c.with.metrics.iterationsNote : c.base.metrics.iterationsNote;
    if (c.measuredSpeedup <= 0 && !note.empty())
        out << "  no measured speedup: " << note << "\n";
    if (c.speedup)
        out << "  measured speedup 95% interval " << number(c.speedup->interval.low) << "-"
            << number(c.speedup->interval.high) << ": " << c.speedupVerdict << "\n";
    for (const prof::RunAnalysis* run : { &c.base, &c.with }) {
        if (run->metrics.verdict == "disturbed")
            out << "  " << run->metrics.step << " was disturbed as it measured: "
                << (run->metrics.verdictReasons.empty() ? "" : run->metrics.verdictReasons.front()) << "\n";
    }
    char line[256];
    std::snprintf(line, sizeof line, "  %-30s %12s %12s %10s  %s\n", "metric", "base", "with", "change", "unit");
    out << line;
    for (const prof::MetricChange& change : c.metrics) {
        if (!change.base && !change.with)
            continue;
        std::string relative = "-";
        if (change.base && change.with && *change.base != 0) {
            std::ostringstream text;
            text << std::showpos << std::fixed << std::setprecision(1) << 100 * (*change.with / *change.base - 1)
                 << "%";
            relative = text.str();
        }
        std::snprintf(line, sizeof line, "  %-30s %12s %12s %10s  %s\n", change.name.c_str(),
            number(change.base).c_str(), number(change.with).c_str(), relative.c_str(), change.unit.c_str());
        out << line;
    }
    printKernelDiff(c.kernelDiff, out);
    for (const prof::Finding& f : c.disappeared)
        out << "  finding gone:     [" << f.rule << "] " << f.title << "\n";
    for (const prof::Finding& f : c.appeared)
        out << "  finding appeared: [" << f.rule << "] " << f.title << "\n";
}

} // namespace es::cli
