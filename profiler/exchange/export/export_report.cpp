// SPDX-License-Identifier: Apache-2.0
// Tabular and teaching exports of lab runs: CSV (per frame, and per stage beside it) and a self-contained HTML report
// with inline SVG charts (no script, no network).
#include "analysis/analysis.h"
#include "analysis/gpu_attribution.h"
#include "analysis/measurement_stats.h"
#include "base/sqlite_util.h"
#include "exchange/export/export_internal.h"
#include "exchange/export/html_parts.h"
#include "model/vocabulary.h"
#include "reports/bench_tables.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>
#include <map>

namespace es::prof {

namespace {

/// One colour per stage of es::stage::kAll, in its order.
const char* const kStageColors[] = { "#E69F00", "#56B4E9", "#009E73", "#D55E00" };
static_assert(std::size(kStageColors) == es::stage::kAll.size());

/// Per-run figures shared by the CSV and the HTML report.
struct RunFigures
{
    std::map<std::string, int64_t> stageNs; ///< total per stage over the measured frames
    std::map<std::string, int64_t> stageCount;
    std::map<int64_t, std::map<std::string, int64_t>> stageNsByBatch;
    GpuAttribution gpu;
    double framesMeasured = 1;
    std::vector<double> batchFps; ///< the samples of the intervals
    Estimate fps; ///< median batch rate with its 95 % interval
    StoredVerdict verdict;
};

RunFigures figuresOf(const ExportRun& run)
{
    RunFigures f;
    for (const ThreadTrack& thread : run.model.threads) {
        for (const SliceEvent& range : thread.ranges) {
            const std::string& name = run.model.strings.get(range.name);
            f.stageNs[name] += range.endNs - range.startNs;
            f.stageCount[name] += 1;
            if (range.payload >= 0)
                f.stageNsByBatch[range.payload][name] += range.endNs - range.startNs;
        }
    }
    f.gpu = attributeGpuWork(run.model);
    f.framesMeasured = double(std::max<size_t>(1, run.model.frames.size()));
    f.batchFps = batchRates(run.model);
    f.fps = medianWithInterval(f.batchFps);
    f.verdict = storedVerdict(run.summary.record.resultJson);
    return f;
}

std::string jsonField(const std::string& json, const std::string& key)
{
    const std::string needle = "\"" + key + "\":";
    size_t at = json.find(needle);
    if (at == std::string::npos)
        return "";
    at += needle.size();
    while (at < json.size() && json[at] == ' ')
        ++at;
    if (at < json.size() && json[at] == '"') {
        const size_t end = json.find('"', at + 1);
        return end == std::string::npos ? "" : json.substr(at + 1, end - at - 1);
    }
    const size_t end = json.find_first_of(",}", at);
    return json.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

} // namespace

Result<int64_t> writeCsv(const SessionStore&, const std::vector<ExportRun>& runs, TextWriter& out)
{
    int64_t rows = 0;
    out << "run,step,frame,batch,start_ns,end_ns,latency_ms,detections,candidates";
    for (const char* stage : es::stage::kAll)
        out << ',' << std::string_view(stage) << "_ms";
    out << ",gpu_kernels,gpu_htod,gpu_dtoh,gpu_syncs,gpu_sync_wait_ms,gpu_busy_ms\n";
    for (const ExportRun& run : runs) {
        const RunFigures f = figuresOf(run);
        std::map<int64_t, int64_t> framesInBatch;
        for (const FrameEvent& frame : run.model.frames)
            ++framesInBatch[frame.batchIndex];
        for (const FrameEvent& frame : run.model.frames) {
            const double share = 1.0 / double(std::max<int64_t>(1, framesInBatch[frame.batchIndex]));
            out << run.summary.runId << ',' << std::string_view(run.summary.record.step) << ',' << frame.frameIndex
                << ',' << int64_t(frame.batchIndex) << ',' << frame.startNs << ',' << frame.endNs << ',';
            out.number(double(frame.endNs - frame.startNs) / 1e6, 3)
                << ',' << int64_t(frame.detections) << ',' << frame.candidates;
            auto batch = f.stageNsByBatch.find(frame.batchIndex);
            for (const char* stage : es::stage::kAll) {
                double ns = 0;
                if (batch != f.stageNsByBatch.end() && batch->second.count(stage))
                    ns = double(batch->second.at(stage));
                out << ',';
                out.number(ns * share / 1e6, 3);
            }
            auto gpu = f.gpu.byBatch.find(frame.batchIndex);
            const GpuWorkSummary empty;
            const GpuWorkSummary& g = gpu == f.gpu.byBatch.end() ? empty : gpu->second;
            out << ',';
            out.number(double(g.kernels) * share, 2) << ',';
            out.number(double(g.copiesIn("HtoD").count) * share, 2) << ',';
            out.number(double(g.copiesIn("DtoH").count) * share, 2) << ',';
            out.number(double(g.syncs) * share, 2) << ',';
            out.number(double(g.syncWaitNs) * share / 1e6, 3) << ',';
            out.number(double(g.busyNs) * share / 1e6, 3) << '\n';
            ++rows;
        }
    }
    return rows;
}

Result<int64_t> writeStageCsv(const std::vector<ExportRun>& runs, TextWriter& out)
{
    int64_t rows = 0;
    out << "run,step,stage,instances,total_ms,mean_ms,ms_per_frame,gpu_kernels_per_frame,gpu_htod_per_frame,"
           "gpu_dtoh_per_frame,gpu_syncs_per_frame,gpu_sync_wait_ms_per_frame,gpu_busy_ms_per_frame,gpu_idle_percent\n";
    for (const ExportRun& run : runs) {
        const RunFigures f = figuresOf(run);
        for (const auto& [stage, ns] : f.stageNs) {
            const int64_t count = f.stageCount.at(stage);
            const GpuWorkSummary* g = f.gpu.stage(stage);
            const GpuWorkSummary empty;
            const GpuWorkSummary& s = g ? *g : empty;
            out << run.summary.runId << ',' << std::string_view(run.summary.record.step) << ','
                << std::string_view(stage) << ',' << count << ',';
            out.number(double(ns) / 1e6, 3) << ',';
            out.number(double(ns) / 1e6 / double(count), 3) << ',';
            out.number(double(ns) / 1e6 / f.framesMeasured, 3) << ',';
            out.number(double(s.kernels) / f.framesMeasured, 2) << ',';
            out.number(double(s.copiesIn("HtoD").count) / f.framesMeasured, 2) << ',';
            out.number(double(s.copiesIn("DtoH").count) / f.framesMeasured, 2) << ',';
            out.number(double(s.syncs) / f.framesMeasured, 2) << ',';
            out.number(double(s.syncWaitNs) / 1e6 / f.framesMeasured, 3) << ',';
            out.number(double(s.busyNs) / 1e6 / f.framesMeasured, 3) << ',';
            out.number(s.wallNs > 0 ? 100.0 * double(s.gpuIdleNs) / double(s.wallNs) : 0.0, 1) << '\n';
            ++rows;
        }
    }
    return rows;
}

namespace {

/// A vertical bar chart frame: title, axis and labels; returns the plot's inner geometry.
struct Plot
{
    double left = 60, top = 30, width = 560, height = 220;
};

/// A vertical whisker from `low` to `high` (already in SVG y) at x, capped at both ends.
void svgWhisker(TextWriter& out, double x, double low, double high)
{
    for (const auto& [x1, y1, x2, y2] : { std::array<double, 4> { x, low, x, high },
             std::array<double, 4> { x - 5, low, x + 5, low }, std::array<double, 4> { x - 5, high, x + 5, high } }) {
        out << "<line x1=\"";
        out.number(x1, 1) << "\" y1=\"";
        out.number(y1, 1) << "\" x2=\"";
        out.number(x2, 1) << "\" y2=\"";
        out.number(y2, 1) << "\" stroke=\"#222\" stroke-width=\"1.5\"/>";
    }
}

void fpsWaterfall(TextWriter& out, const std::vector<ExportRun>& runs, const std::vector<RunFigures>& figures)
{
    svgOpen(out, "FPS, step by step (each bar starts where the previous step ended; whiskers: 95% interval)");
    const Plot p;
    double top = 0;
    for (size_t i = 0; i < runs.size(); ++i)
        top = std::max({ top, runs[i].summary.record.fps, figures[i].fps.interval.high });
    top = top > 0 ? top * 1.15 : 1;
    const double slot = p.width / double(runs.size());
    double previous = 0;
    for (size_t i = 0; i < runs.size(); ++i) {
        const double fps = runs[i].summary.record.fps;
        const double from = i == 0 ? 0 : previous;
        const double low = std::min(from, fps), high = std::max(from, fps);
        const double y = p.top + p.height * (1 - high / top);
        const char* colour = i == 0 ? "#999999" : fps >= from ? "#009E73" : "#D55E00";
        svgRect(out, p.left + slot * double(i) + slot * 0.15, y, slot * 0.7, p.height * (high - low) / top, colour,
            runs[i].summary.record.step + ": " + fixed(fps, 2) + " FPS");
        const Interval& interval = figures[i].fps.interval;
        const double labelY = interval.samples > 1 ? p.top + p.height * (1 - interval.high / top) : y;
        if (interval.samples > 1)
            svgWhisker(out, p.left + slot * (double(i) + 0.5), p.top + p.height * (1 - interval.low / top), labelY);
        svgText(out, p.left + slot * (double(i) + 0.5), labelY - 4, fixed(fps, 2));
        svgText(
            out, p.left + slot * (double(i) + 0.5), p.top + p.height + 14, runs[i].summary.record.step.substr(0, 2));
        previous = fps;
    }
    out << "<line x1=\"60\" y1=\"250\" x2=\"620\" y2=\"250\" stroke=\"#333\"/></svg>\n";
}

void stackedStages(TextWriter& out, const std::vector<ExportRun>& runs, const std::vector<RunFigures>& figures)
{
    svgOpen(out, "Stage times per frame (ms, host-side ranges)");
    const Plot p;
    double top = 0;
    for (const RunFigures& f : figures) {
        double sum = 0;
        for (const char* stage : es::stage::kAll)
            sum += f.stageNs.count(stage) ? double(f.stageNs.at(stage)) / 1e6 / f.framesMeasured : 0;
        top = std::max(top, sum);
    }
    top = top > 0 ? top * 1.1 : 1;
    const double slot = p.width / double(runs.size());
    for (size_t i = 0; i < runs.size(); ++i) {
        double base = 0;
        for (size_t s = 0; s < es::stage::kAll.size(); ++s) {
            const double ms = figures[i].stageNs.count(es::stage::kAll[s])
                ? double(figures[i].stageNs.at(es::stage::kAll[s])) / 1e6 / figures[i].framesMeasured
                : 0;
            svgRect(out, p.left + slot * double(i) + slot * 0.2, p.top + p.height * (1 - (base + ms) / top), slot * 0.6,
                p.height * ms / top, kStageColors[s],
                runs[i].summary.record.step + " " + es::stage::kAll[s] + ": " + fixed(ms, 2) + " ms/frame");
            base += ms;
        }
        svgText(out, p.left + slot * (double(i) + 0.5), p.top + p.height * (1 - base / top) - 4, fixed(base, 1));
        svgText(
            out, p.left + slot * (double(i) + 0.5), p.top + p.height + 14, runs[i].summary.record.step.substr(0, 2));
    }
    for (size_t s = 0; s < es::stage::kAll.size(); ++s) {
        svgRect(out, 630, 40 + 18 * double(s), 10, 10, kStageColors[s], es::stage::kAll[s]);
        svgText(out, 644, 49 + 18 * double(s), std::string(es::stage::kAll[s]).substr(0, 10), "start");
    }
    out << "</svg>\n";
}

void copiesPerFrame(TextWriter& out, const std::vector<ExportRun>& runs, const std::vector<RunFigures>& figures)
{
    svgOpen(out, "GPU copies and synchronizations per frame (log scale; empty where the GPU was not traced)");
    const Plot p;
    const char* names[] = { "HtoD", "DtoH", "syncs" };
    const char* colours[] = { "#56B4E9", "#D55E00", "#CC79A7" };
    double top = 1;
    for (const RunFigures& f : figures)
        top = std::max({ top, double(f.gpu.total.copiesIn("DtoH").count) / f.framesMeasured,
            double(f.gpu.total.copiesIn("HtoD").count) / f.framesMeasured,
            double(f.gpu.total.syncs) / f.framesMeasured });
    const double logTop = std::log10(top + 1) * 1.1;
    const double slot = p.width / double(runs.size());
    for (size_t i = 0; i < runs.size(); ++i) {
        const RunFigures& f = figures[i];
        const double values[] = { double(f.gpu.total.copiesIn("HtoD").count) / f.framesMeasured,
            double(f.gpu.total.copiesIn("DtoH").count) / f.framesMeasured,
            double(f.gpu.total.syncs) / f.framesMeasured };
        for (int k = 0; k < 3; ++k) {
            const double h = p.height * std::log10(values[k] + 1) / logTop;
            svgRect(out, p.left + slot * double(i) + slot * (0.15 + 0.23 * k), p.top + p.height - h, slot * 0.2, h,
                colours[k], runs[i].summary.record.step + " " + names[k] + ": " + fixed(values[k], 1) + " per frame");
        }
        svgText(
            out, p.left + slot * (double(i) + 0.5), p.top + p.height + 14, runs[i].summary.record.step.substr(0, 2));
    }
    for (int k = 0; k < 3; ++k) {
        svgRect(out, 630, 40 + 18 * k, 10, 10, colours[k], names[k]);
        svgText(out, 644, 49 + 18 * k, names[k], "start");
    }
    out << "</svg>\n";
}

void utilization(TextWriter& out, const std::vector<ExportRun>& runs)
{
    svgOpen(out, "Utilization over time (% ; CPU = mean of the cores, GPU where sampled)", 700, 260);
    const Plot p { 60, 30, 560, 180 };
    int64_t first = INT64_MAX, last = INT64_MIN;
    for (const ExportRun& run : runs) {
        first = std::min(first, run.model.startNs);
        last = std::max(last, run.model.endNs);
    }
    const double span = double(std::max<int64_t>(1, last - first));
    for (const char* kind : { "cpu", "gpu" }) {
        for (const ExportRun& run : runs) {
            std::map<int64_t, std::pair<double, int>> points; // time -> (sum, n)
            for (const CounterTrackModel& counter : run.model.counters) {
                const std::string& name = run.model.strings.get(counter.name);
                const bool cpu = name.rfind("cpu", 0) == 0 && name.find("load") != std::string::npos;
                const bool gpu = name.find("gpu") != std::string::npos && name.find("load") != std::string::npos;
                if ((std::string(kind) == "cpu" && !cpu) || (std::string(kind) == "gpu" && !gpu))
                    continue;
                for (const CounterSample& sample : counter.samples) {
                    auto& point = points[sample.timeNs / 1000000];
                    point.first += sample.value;
                    point.second += 1;
                }
            }
            if (points.empty())
                continue;
            out << "<polyline fill=\"none\" stroke=\"" << (std::string(kind) == "cpu" ? "#0072B2" : "#009E73")
                << "\" points=\"";
            for (const auto& [ms, value] : points) {
                out.number(p.left + p.width * double(ms * 1000000 - first) / span, 1) << ',';
                out.number(p.top + p.height * (1 - std::min(100.0, value.first / value.second) / 100.0), 1) << ' ';
            }
            out << "\"/>";
        }
    }
    for (const ExportRun& run : runs)
        svgText(out, p.left + p.width * double(run.model.startNs - first) / span, p.top + p.height + 14,
            run.summary.record.step.substr(0, 2), "start");
    out << "<line x1=\"60\" y1=\"210\" x2=\"620\" y2=\"210\" stroke=\"#333\"/>";
    svgText(out, 640, 60, "CPU", "start");
    svgText(out, 640, 78, "GPU", "start");
    out << "</svg>\n";
}

/// The model bench's model x precision table for the exported bench runs, if any.
void benchSection(const SessionStore& store, const std::vector<ExportRun>& runs, TextWriter& out)
{
    auto bench = readBenchRuns(store);
    if (!bench)
        return;
    std::vector<BenchRun> selected;
    for (BenchRun& run : bench.value())
        for (const ExportRun& exported : runs)
            if (exported.summary.runId == run.runId)
                selected.push_back(run);
    if (selected.empty())
        return;
    out << "<h2>Model bench</h2><p>Latency per batch; FLOPs are 2 x the multiply-accumulates of the convolutions and "
           "matrix products that ran; Peak (%) is the share of the device's measured peak in the same precision; "
           "the agreement compares each precision's outputs with fp32's on the same images.</p>\n";
    htmlTable(out, modelPrecisionTable(selected));
}

/// The page's head (title, style) and the session line.
void writeHtmlHead(const SessionStore& store, const std::vector<ExportRun>& runs, TextWriter& out)
{
    htmlHead(out, "EdgeScope lab report");
    out << "<p>Session ";
    out.html(store.path()) << ", " << int64_t(runs.size()) << " run(s).</p>\n";
}

/// What a reader must know before trusting a number: weights, backend, precision fallbacks, GPU tracing state.
void writeCaveats(const SessionStore& store, const std::vector<ExportRun>& runs, TextWriter& out)
{
    const RunRecord& r0 = runs.front().summary.record;
    out << "<div class=\"caveat\"><h2>Caveats</h2><ul><li>Weights: ";
    out.html(r0.weights) << "</li><li>Backend: ";
    out.html(r0.device + (r0.deviceName.empty() ? "" : " (" + r0.deviceName + ")")) << "</li>";
    for (const ExportRun& run : runs) {
        const std::string reason = jsonField(run.summary.record.resultJson, "precision_reason");
        if (!reason.empty() && run.summary.record.precision != "fp32") {
            out << "<li>" << std::string_view(run.summary.record.step) << " precision ";
            out.html(run.summary.record.precision + ": " + reason) << "</li>";
        }
    }
    Statement tracing(store.database(),
        "SELECT runId, state, coalesce(reason, '') FROM ES_GPU_TRACING WHERE state != 'traced' LIMIT 1");
    if (tracing.ok() && tracing.step() == SQLITE_ROW)
        out << "<li>GPU activity was not traced (" << std::string_view(tracing.columnText(1))
            << (tracing.columnText(2).empty() ? "" : ": ") << std::string_view(tracing.columnText(2))
            << "): the copy and synchronization chart is empty.</li>";
    out << "<li>FPS excludes video decoding; stage times are host-side NVTX ranges (on a GPU, work launched in one "
           "stage "
           "may be waited for in a later one).</li></ul></div>\n";
}

/// "1.50-1.62" with the unit after each bound, or "-" where one batch gives no interval.
void writeInterval(const Interval& interval, const char* unit, TextWriter& out)
{
    if (interval.samples < 2) {
        out << "-";
        return;
    }
    out.number(interval.low, 2) << std::string_view(unit) << "-";
    out.number(interval.high, 2) << std::string_view(unit);
}

/// "steady", or "disturbed" with its reasons; "not judged" for runs the lab did not judge.
void writeVerdict(const StoredVerdict& verdict, TextWriter& out)
{
    if (verdict.state.empty()) {
        out << "not judged";
        return;
    }
    out << "<span class=\"" << std::string_view(verdict.state == "disturbed" ? "bad" : "good") << "\">";
    out.html(verdict.state) << "</span>";
    for (const std::string& reason : verdict.reasons) {
        out << "<br><small>";
        out.html(reason) << "</small>";
    }
}

/// One row per run: FPS with its interval against the first step, the verdict, stage times and copies per frame.
void writeStepsTable(const std::vector<ExportRun>& runs, const std::vector<RunFigures>& figures, TextWriter& out)
{
    out << "<h2>Steps</h2><table><tr><th class=\"l\">step</th><th>batch</th><th>precision</th><th>frames</th>"
           "<th>FPS</th><th>95% interval</th><th>vs first</th><th>its interval</th><th>verdict</th>"
           "<th>detector-only FPS</th><th>efficiency</th>";
    for (const char* stage : es::stage::kAll)
        out << "<th>" << std::string_view(stage) << " ms</th>";
    out << "<th>DtoH/frame</th><th>syncs/frame</th></tr>\n";
    for (size_t i = 0; i < runs.size(); ++i) {
        const RunRecord& r = runs[i].summary.record;
        out << "<tr><td class=\"l\">";
        out.html(r.step + " " + r.title) << "</td><td>" << r.batch << "</td><td>";
        out.html(r.precision) << "</td><td>" << r.frames << "</td><td>";
        out.number(r.fps, 2) << "</td><td>";
        writeInterval(figures[i].fps.interval, "", out);
        out << "</td><td>";
        out.number(runs[0].summary.record.fps > 0 ? r.fps / runs[0].summary.record.fps : 0, 2) << "x</td><td>";
        const Estimate speedup = ratioWithInterval(figures[i].batchFps, figures[0].batchFps);
        if (i > 0) {
            writeInterval(speedup.interval, "x", out);
            out << " ";
            out.html(ratioVerdict(speedup));
        }
        out << "</td><td class=\"l\">";
        writeVerdict(figures[i].verdict, out);
        out << "</td><td>";
        out.number(r.detectorOnlyFps, 2) << "</td><td>";
        out.number(r.detectorOnlyFps > 0 ? r.fps / r.detectorOnlyFps : 0, 2) << "</td>";
        for (const char* stage : es::stage::kAll) {
            out << "<td>";
            out.number(figures[i].stageNs.count(stage)
                    ? double(figures[i].stageNs.at(stage)) / 1e6 / figures[i].framesMeasured
                    : 0,
                2)
                << "</td>";
        }
        out << "<td>";
        out.number(double(figures[i].gpu.total.copiesIn("DtoH").count) / figures[i].framesMeasured, 1) << "</td><td>";
        out.number(double(figures[i].gpu.total.syncs) / figures[i].framesMeasured, 1) << "</td></tr>\n";
    }
    out << "</table>\n";
}

/// What each step spends its time on, and what changed from the step before (the analysis of the compare command);
/// nothing when the analysis fails.
void writeFindings(const SessionStore& store, const std::vector<ExportRun>& runs, TextWriter& out)
{
    std::vector<int64_t> ids;
    for (const ExportRun& run : runs)
        ids.push_back(run.summary.runId);
    auto analysis = analyzeSession(store, ids);
    if (!analysis)
        return;
    out << "<h2>Findings</h2>\n";
    for (size_t i = 0; i < analysis->runs.size(); ++i) {
        const RunAnalysis& run = analysis->runs[i];
        out << "<h3>";
        out.html(run.metrics.step) << "</h3>";
        if (i > 0) {
            const Comparison& step = analysis->steps[i - 1];
            out << "<p>Against ";
            out.html(step.base.metrics.step) << ": measured ";
            out.number(step.measuredSpeedup, 2) << "x, predicted ";
            out.number(step.predictedSpeedup, 2) << "x from the findings that went away.</p>";
        }
        if (run.findings.empty())
            out << "<p>No finding.</p>";
        out << "<ul>";
        for (const Finding& f : run.findings) {
            out << "<li><b>";
            out.html(f.title) << "</b> (expected ";
            out.number(f.expectedSpeedup, 2) << "x if fixed). ";
            out.html(f.evidence) << ".<br><small>";
            out.html(f.explanation) << "</small></li>";
        }
        out << "</ul>\n";
    }
}

void writeCharts(const std::vector<ExportRun>& runs, const std::vector<RunFigures>& figures, TextWriter& out)
{
    out << "<h2>Charts</h2>\n";
    fpsWaterfall(out, runs, figures);
    stackedStages(out, runs, figures);
    copiesPerFrame(out, runs, figures);
    utilization(out, runs);
}

/// The session's environment table (empty when it cannot be read) and the page's end.
void writeEnvironmentAndEnd(const SessionStore& store, TextWriter& out)
{
    out << "<h2>Environment</h2><table>";
    auto environment = store.environment();
    if (environment) {
        for (const auto& [key, value] : environment.value()) {
            out << "<tr><th class=\"l\">";
            out.html(key) << "</th><td class=\"l\">";
            out.html(value) << "</td></tr>";
        }
    }
    out << "</table>\n<p>Written by EdgeScope. Every chart is inline SVG; the file needs no "
           "network.</p></body></html>\n";
}

} // namespace

Result<int64_t> writeHtml(const SessionStore& store, const std::vector<ExportRun>& runs, TextWriter& out)
{
    std::vector<RunFigures> figures;
    for (const ExportRun& run : runs)
        figures.push_back(figuresOf(run));
    writeHtmlHead(store, runs, out);
    writeCaveats(store, runs, out); // caveats first
    writeStepsTable(runs, figures, out);
    benchSection(store, runs, out);
    writeFindings(store, runs, out);
    writeCharts(runs, figures, out);
    writeEnvironmentAndEnd(store, out);
    return int64_t(runs.size());
}

} // namespace es::prof
