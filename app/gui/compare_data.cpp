// SPDX-License-Identifier: Apache-2.0
#include "compare_data.h"

#include "colors.h"
#include "item_models.h"

#include "model/vocabulary.h"

#include "model/gpu_activity.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace es::app {

namespace {

/// "s2" for a lab step (its colour and the legend name the rest), else the run's step or title.
QString shortStep(const prof::RunMetrics& metrics)
{
    const QString step = QString::fromStdString(metrics.step);
    return step.size() > 2 && step[0] == 's' && step[1].isDigit() && step[2] == '-' ? step.left(2) : step;
}

QString shortName(const prof::RunMetrics& metrics)
{
    return QStringLiteral("#%1 %2").arg(metrics.runId).arg(shortStep(metrics));
}

int stepNumberOf(const prof::RunMetrics& metrics)
{
    return metrics.step.size() > 1 && metrics.step[0] == 's' ? metrics.step[1] - '0' : int(metrics.runId % 7);
}

/// The run's rate interval as (low, high): FPS for a lab run, iterations per second for an import; (0, 0) when the
/// run has none (one batch, or an older session).
QPointF intervalOf(const prof::RunMetrics& metrics)
{
    const std::optional<prof::Interval>& interval
        = metrics.iterations ? metrics.iterations->perSecondInterval : metrics.fpsInterval;
    return interval ? QPointF(interval->low, interval->high) : QPointF(0, 0);
}

/// An import in which no iterations were found: it has no rate at all (not a rate of 0).
bool hasNoRate(const prof::RunMetrics& metrics)
{
    return !metrics.iterations && metrics.frames == 0;
}

/// "it/s" where both runs are imports with iterations, "FPS" where both are lab runs, else "per s".
QString rateUnit(const prof::RunMetrics& base, const prof::RunMetrics& with)
{
    if (base.iterations && with.iterations)
        return QStringLiteral("it/s");
    return !base.iterations && !with.iterations ? QStringLiteral("FPS") : QStringLiteral("per s");
}

/// A chart with nothing to draw and a title that says why.
BarChartData emptyChart(
    const QString& title, const QString& unit, const prof::RunMetrics& base, const prof::RunMetrics& with)
{
    BarChartData data;
    data.title = title;
    data.unit = unit;
    data.categories = { shortName(base), shortName(with) };
    return data;
}

/// "#2 has no iterations: <what to do>", for the first of the two runs without a rate.
QString noRateReason(const prof::RunMetrics& base, const prof::RunMetrics& with)
{
    const prof::RunMetrics& missing = hasNoRate(base) ? base : with;
    return QObject::tr("%1 has no iterations (%2)")
        .arg(shortName(missing),
            missing.iterationsNote.empty() ? QObject::tr("no range or ProfilerStep marks them")
                                           : QString::fromStdString(missing.iterationsNote));
}

/// A horizontal chart of named rows, one bar per run in each: empties `data`'s categories and gives the two series
/// their runs' names and colours (told apart where the runs share a colour).
void startSideBySide(BarChartData& data, const prof::RunMetrics& base, const prof::RunMetrics& with,
    BarChartData::Series& before, BarChartData::Series& after)
{
    data.categories.clear();
    data.horizontal = true;
    before = { shortName(base), stepColor(stepNumberOf(base)), {} };
    after = { shortName(with), stepColor(stepNumberOf(with)), {} };
    if (before.color == after.color)
        after.color = after.color.darker(160);
}

BarChartData pairData(const QString& title, const QString& unit, const prof::RunMetrics& base,
    const prof::RunMetrics& with, double baseValue, double withValue)
{
    BarChartData data;
    data.title = title;
    data.unit = unit;
    data.categories = { shortName(base) + ": " + QString::number(baseValue, 'g', 3) + " " + unit,
        shortName(with) + ": " + QString::number(withValue, 'g', 3) + " " + unit + " ("
            + relativeChange(baseValue, withValue) + ")" };
    data.series.push_back({ shortName(base), stepColor(stepNumberOf(base)), { baseValue, 0 } });
    data.series.push_back({ shortName(with), stepColor(stepNumberOf(with)), { 0, withValue } });
    data.stacked = true; // one coloured bar per run
    data.labels = false;
    return data;
}

} // namespace

double rateOf(const prof::RunMetrics& metrics)
{
    return metrics.iterations ? metrics.iterations->perSecond : metrics.fps;
}

QString rateLabel(const prof::RunMetrics& metrics)
{
    if (metrics.iterations)
        return QStringLiteral("%1 it/s").arg(metrics.iterations->perSecond, 0, 'g', 4);
    if (hasNoRate(metrics))
        return QObject::tr("no iterations found");
    return QStringLiteral("%1 FPS").arg(metrics.fps, 0, 'f', 2);
}

QString iterationsSentence(const prof::RunMetrics& metrics)
{
    const QString run = shortName(metrics);
    if (!metrics.iterations)
        return hasNoRate(metrics)
            ? QObject::tr("%1: no iterations found: %2").arg(run, QString::fromStdString(metrics.iterationsNote))
            : QString();
    const prof::IterationMetrics& it = *metrics.iterations;
    return QObject::tr("%1: %2 marked by \"%3\" (%4); %5 it/s, median %6 ms (p95 %7 ms)")
        .arg(run)
        .arg(it.count == 1 ? QObject::tr("1 iteration") : QObject::tr("%1 iterations").arg(it.count))
        .arg(QString::fromStdString(it.marker), QString::fromStdString(it.source))
        .arg(it.perSecond, 0, 'g', 4)
        .arg(it.medianMs, 0, 'g', 4)
        .arg(it.p95Ms, 0, 'g', 4);
}

QString runCaption(const prof::RunMetrics& metrics)
{
    if (metrics.frames == 0)
        return QStringLiteral("%1 on %2")
            .arg(QString::fromStdString(metrics.title.empty() ? metrics.step : metrics.title))
            .arg(QString::fromStdString(metrics.deviceName.empty() ? metrics.device : metrics.deviceName));
    return QStringLiteral("%1 on %2 · %3 · batch %4")
        .arg(QString::fromStdString(metrics.step))
        .arg(QString::fromStdString(metrics.deviceName.empty() ? metrics.device : metrics.deviceName))
        .arg(QString::fromStdString(metrics.precision))
        .arg(metrics.batch);
}

QString speedupSentence(const prof::Comparison& comparison)
{
    const prof::RunMetrics& base = comparison.base.metrics;
    const prof::RunMetrics& with = comparison.with.metrics;
    if (hasNoRate(base) || hasNoRate(with))
        return QObject::tr("No speedup: %1").arg(noRateReason(base, with));
    if (!comparison.speedup || comparison.speedup->interval.samples == 0)
        return QObject::tr("Measured speedup %1x (no %2 rates to give it an interval)")
            .arg(comparison.measuredSpeedup, 0, 'f', 2)
            .arg(base.iterations || with.iterations ? QObject::tr("iteration") : QObject::tr("batch"));
    const prof::Estimate& speedup = *comparison.speedup;
    return QObject::tr("Measured speedup %1x (%2% interval %3-%4x): %5")
        .arg(speedup.value, 0, 'f', 2)
        .arg(int(speedup.interval.confidence * 100 + 0.5))
        .arg(speedup.interval.low, 0, 'f', 2)
        .arg(speedup.interval.high, 0, 'f', 2)
        .arg(QString::fromStdString(comparison.speedupVerdict));
}

QString verdictSentence(const prof::RunMetrics& metrics)
{
    const QString run = shortName(metrics);
    if (metrics.verdict.empty())
        return QObject::tr("%1: not judged (no lab verdict in this session)").arg(run);
    if (metrics.verdictReasons.empty())
        return QStringLiteral("%1: %2").arg(run, QString::fromStdString(metrics.verdict));
    QStringList reasons;
    for (const std::string& reason : metrics.verdictReasons)
        reasons << QString::fromStdString(reason);
    return QStringLiteral("%1: %2 (%3)").arg(run, QString::fromStdString(metrics.verdict), reasons.join("; "));
}

BarChartData waterfallData(const prof::LabAnalysis& analysis)
{
    BarChartData data;
    data.stacked = true;
    data.labels = false;
    QString device;
    bool allImports = true;
    for (size_t i = 0; i < analysis.runs.size(); ++i) {
        const prof::RunMetrics& metrics = analysis.runs[i].metrics;
        allImports = allImports && metrics.frames == 0;
        device = QString::fromStdString(metrics.deviceName.empty() ? metrics.device : metrics.deviceName);
        // A lab run's FPS as a bare number (the axis says FPS); an import's rate with its unit, or why it has none.
        QString label = QStringLiteral("%1: %2").arg(
            shortStep(metrics), metrics.frames > 0 ? QString::number(metrics.fps, 'f', 2) : rateLabel(metrics));
        const prof::RunMetrics* before = i > 0 ? &analysis.runs[i - 1].metrics : nullptr;
        if (before && !hasNoRate(*before) && !hasNoRate(metrics)
            && bool(before->iterations) == bool(metrics.iterations)) {
            QString change = relativeChange(rateOf(*before), rateOf(metrics));
            if (i - 1 < analysis.steps.size() && analysis.steps[i - 1].speedupVerdict == "within noise")
                change = QObject::tr("%1, within noise").arg(change);
            if (!change.isEmpty())
                label += " (" + change + ")";
        }
        if (metrics.verdict == "disturbed")
            label += QObject::tr(" · disturbed");
        data.categories << label;
        data.errorBars << intervalOf(metrics);
    }
    for (size_t i = 0; i < analysis.runs.size(); ++i) {
        const prof::RunMetrics& metrics = analysis.runs[i].metrics;
        BarChartData::Series series {
            QStringLiteral("#%1 %2").arg(metrics.runId).arg(QString::fromStdString(metrics.step)),
            stepColor(stepNumberOf(metrics)), {}
        };
        series.values.fill(0.0, int(analysis.runs.size()));
        series.values[int(i)] = rateOf(metrics);
        data.series.push_back(std::move(series));
    }
    data.unit = allImports ? QStringLiteral("it/s") : QStringLiteral("FPS");
    data.title = allImports ? QObject::tr("Iterations per second per imported run, each against the one before")
                            : QObject::tr("FPS per step, each against the one before · %1").arg(device);
    return data;
}

BarChartData fpsData(const prof::RunMetrics& base, const prof::RunMetrics& with)
{
    const QString unit = rateUnit(base, with);
    if (hasNoRate(base) || hasNoRate(with))
        return emptyChart(QObject::tr("Rate: %1").arg(noRateReason(base, with)), unit, base, with);
    const QString title = unit == "it/s" ? QObject::tr("Iterations per second (higher is better)")
        : unit == "FPS"                  ? QObject::tr("Frames per second (higher is better)")
                                         : QObject::tr("Frames or iterations per second (higher is better)");
    BarChartData data = pairData(title, unit, base, with, rateOf(base), rateOf(with));
    data.errorBars = { intervalOf(base), intervalOf(with) };
    return data;
}

BarChartData stageData(const prof::RunMetrics& base, const prof::RunMetrics& with)
{
    if (base.frames == 0 || with.frames == 0)
        return rangeData(base, with);
    BarChartData data;
    data.title = QObject::tr("Time per frame by stage (ms, lower is better)");
    data.unit = "ms per frame";
    data.categories = { shortName(base), shortName(with) };
    data.stacked = true;
    data.horizontal = true;
    data.labels = false;
    for (const char* stage : es::stage::kAll) {
        const auto value = [&](const prof::RunMetrics& metrics) {
            auto found = metrics.stageMs.find(stage);
            return found == metrics.stageMs.end() ? 0.0 : found->second;
        };
        data.series.push_back({ QString::fromLatin1(stage), stageColor(stage), { value(base), value(with) } });
    }
    return data;
}

BarChartData rangeData(const prof::RunMetrics& base, const prof::RunMetrics& with)
{
    // An import's ranges are the program's own (they may nest): the eight that take the longest, side by side.
    std::map<std::string, double> longest;
    for (const prof::RunMetrics* metrics : { &base, &with })
        for (const auto& [range, ms] : metrics->stageMs)
            longest[range] = std::max(longest[range], ms);
    std::vector<std::pair<double, std::string>> order;
    for (const auto& [range, ms] : longest)
        order.emplace_back(-ms, range);
    std::sort(order.begin(), order.end());
    order.resize(std::min<size_t>(order.size(), 8));
    const QString per = base.iterations && with.iterations ? QObject::tr("iteration") : QObject::tr("frame");
    BarChartData data = emptyChart(order.empty()
            ? QObject::tr("Time per %1 by range: no ranges within the iterations (annotate the loop with "
                          "record_function or NVTX)")
                  .arg(per)
            : QObject::tr("Time per %1 by range (ms; ranges may nest)").arg(per),
        QStringLiteral("ms per %1").arg(per), base, with);
    if (order.empty())
        return data;
    BarChartData::Series before, after;
    startSideBySide(data, base, with, before, after);
    for (const auto& [negativeMs, range] : order) {
        data.categories << QString::fromStdString(range);
        const auto value = [&range = range](const prof::RunMetrics& metrics) {
            auto found = metrics.stageMs.find(range);
            return found == metrics.stageMs.end() ? 0.0 : found->second;
        };
        before.values << value(base);
        after.values << value(with);
    }
    data.series = { before, after };
    return data;
}

BarChartData kernelDiffData(const prof::Comparison& comparison)
{
    const prof::RunMetrics& base = comparison.base.metrics;
    const prof::RunMetrics& with = comparison.with.metrics;
    if (comparison.kernelDiff.empty())
        return emptyChart(base.iterations && with.iterations
                ? QObject::tr("Kernels per iteration: no GPU kernels in these traces")
                : QObject::tr("Kernel diff: for two imported traces with iterations"),
            QStringLiteral("ms per iteration"), base, with);
    BarChartData data = emptyChart(QObject::tr("Kernels that changed the most (ms per iteration, by name)"),
        QStringLiteral("ms per iteration"), base, with);
    BarChartData::Series before, after;
    startSideBySide(data, base, with, before, after);
    const size_t shown = std::min<size_t>(comparison.kernelDiff.size(), 10);
    for (size_t i = 0; i < shown; ++i) {
        const prof::KernelChange& change = comparison.kernelDiff[i];
        QString name = QString::fromStdString(prof::shortKernelName(change.name));
        if (name.size() > 40)
            name = name.left(39) + QChar(0x2026);
        data.categories << (change.change == "changed"
                ? name
                : QStringLiteral("%1 (%2)").arg(name, QString::fromStdString(change.change)));
        before.values << change.base.msPerIteration;
        after.values << change.with.msPerIteration;
    }
    data.series = { before, after };
    return data;
}

BarChartData copiesData(const prof::RunMetrics& base, const prof::RunMetrics& with)
{
    BarChartData data;
    data.title = base.gpuTraced || with.gpuTraced
        ? QObject::tr("Copies and synchronizations per frame (CUPTI)")
        : QObject::tr("Host scalar reads per frame (.item(), from the operators; no GPU trace in these runs)");
    data.unit = "per frame";
    if (base.iterations && with.iterations) {
        data.title.replace(QObject::tr("per frame"), QObject::tr("per iteration"));
        data.unit = "per iteration";
    }
    data.categories = { shortName(base), shortName(with) };
    const auto copies = [](const prof::RunMetrics& metrics, const char* direction) {
        auto found = metrics.copiesPerFrame.find(direction);
        return found == metrics.copiesPerFrame.end() ? 0.0 : found->second.count;
    };
    for (const char* direction : { "HtoD", "DtoH", "DtoD" })
        data.series.push_back({ QStringLiteral("%1 copies").arg(direction), copyColor(direction, false),
            { copies(base, direction), copies(with, direction) } });
    data.series.push_back({ QObject::tr("synchronizations"), syncColor(), { base.syncsPerFrame, with.syncsPerFrame } });
    data.series.push_back({ QObject::tr("host scalar reads"), QColor(0x88, 0x88, 0x88),
        { base.hostScalarReadsPerFrame, with.hostScalarReadsPerFrame } });
    return data;
}

BarChartData gpuBusyData(const prof::RunMetrics& base, const prof::RunMetrics& with)
{
    BarChartData data = pairData(
        QObject::tr("GPU busy (% of the measured time)"), "%", base, with, base.gpuBusyPercent, with.gpuBusyPercent);
    if (!base.gpuTraced && !with.gpuTraced)
        data.title = QObject::tr("GPU busy: not traced in these runs (run with --profile full on a GPU)");
    return data;
}

BarChartData energyData(const prof::RunMetrics& base, const prof::RunMetrics& with)
{
    if (!base.energyPerFrameJ && !with.energyPerFrameJ) {
        BarChartData data;
        data.title = QObject::tr("Energy per frame: no power sensor was read in these runs (a Jetson's INA3221 "
                                 "rails or NVML on a discrete GPU)");
        data.unit = "J per frame";
        data.categories = { shortName(base), shortName(with) };
        return data;
    }
    return pairData(QObject::tr("Energy per frame (J, lower is better)"), "J", base, with,
        base.energyPerFrameJ.value_or(0), with.energyPerFrameJ.value_or(0));
}

LineChartData utilizationData(
    const TimelineLayout* base, const TimelineLayout* with, const QString& baseName, const QString& withName)
{
    LineChartData data;
    data.title = QObject::tr("Utilization over each run (%)");
    data.xUnit = QObject::tr("s from the run's start");
    data.yUnit = "%";
    const auto add = [&](const TimelineLayout* layout, const QString& name, Qt::PenStyle) {
        if (!layout)
            return;
        const prof::TraceModel& model = layout->model();
        std::vector<const prof::CounterTrackModel*> cores;
        for (const prof::CounterTrackModel& counter : model.counters) {
            const std::string& counterName = model.strings.get(counter.name);
            const bool core = counterName.size() > 8 && counterName.rfind("cpu", 0) == 0
                && std::isdigit(static_cast<unsigned char>(counterName[3]))
                && counterName.compare(counterName.size() - 5, 5, " load") == 0;
            const bool gpu = counterName.rfind("gpu", 0) == 0 && counterName.find("load") != std::string::npos
                && counterName.find("memory") == std::string::npos;
            if (core)
                cores.push_back(&counter);
            if (!gpu)
                continue;
            LineChartData::Series series { name + " GPU", QColor(0x00, 0x9E, 0x73), {} };
            for (const prof::CounterSample& sample : counter.samples)
                series.points << QPointF(double(sample.timeNs - model.startNs) / 1e9, sample.value);
            data.series.push_back(std::move(series));
        }
        if (cores.empty())
            return;
        // The sampler reads every core at the same instants: average them sample by sample.
        size_t samples = cores.front()->samples.size();
        for (const prof::CounterTrackModel* core : cores)
            samples = std::min(samples, core->samples.size());
        LineChartData::Series series { name + QObject::tr(" CPU (mean of %1 cores)").arg(cores.size()),
            data.series.empty() ? QColor(0x00, 0x72, 0xB2) : QColor(0xD5, 0x5E, 0x00), {} };
        for (size_t i = 0; i < samples; ++i) {
            double sum = 0;
            for (const prof::CounterTrackModel* core : cores)
                sum += core->samples[i].value;
            series.points << QPointF(
                double(cores.front()->samples[i].timeNs - model.startNs) / 1e9, sum / double(cores.size()));
        }
        data.series.push_back(std::move(series));
    };
    add(base, baseName, Qt::SolidLine);
    add(with, withName, Qt::DashLine);
    if (base && with && data.series.empty())
        data.title = QObject::tr("Utilization: no CPU or GPU load was sampled in these runs (an imported trace "
                                 "carries none)");
    return data;
}

} // namespace es::app
