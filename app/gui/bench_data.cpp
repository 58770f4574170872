// SPDX-License-Identifier: Apache-2.0
#include "bench_data.h"

#include "colors.h"

#include <QObject>

#include <algorithm>

namespace es::app {

namespace {

/// The precisions of `runs` in the bench's order (fp32, fp16, bf16, then any other).
std::vector<std::string> precisionsOf(const std::vector<prof::BenchRun>& runs)
{
    static const std::vector<std::string> known = { "fp32", "fp16", "bf16" };
    std::vector<std::string> found;
    for (const std::string& precision : known)
        if (std::any_of(
                runs.begin(), runs.end(), [&](const prof::BenchRun& run) { return run.precision == precision; }))
            found.push_back(precision);
    for (const prof::BenchRun& run : runs)
        if (std::find(found.begin(), found.end(), run.precision) == found.end())
            found.push_back(run.precision);
    return found;
}

/// The models of `runs` in the order they first appear: (id, name).
std::vector<std::pair<std::string, std::string>> modelsOf(const std::vector<prof::BenchRun>& runs)
{
    std::vector<std::pair<std::string, std::string>> models;
    for (const prof::BenchRun& run : runs)
        if (std::none_of(models.begin(), models.end(), [&](const auto& model) { return model.first == run.model; }))
            models.emplace_back(run.model, run.name.empty() ? run.model : run.name);
    return models;
}

QColor precisionColor(const std::string& precision)
{
    if (precision == "fp32")
        return QColor(0x00, 0x72, 0xB2); // blue
    if (precision == "fp16")
        return QColor(0xE6, 0x9F, 0x00); // orange
    if (precision == "bf16")
        return QColor(0xCC, 0x79, 0xA7); // reddish purple
    return hashedColor(QString::fromStdString(precision));
}

/// Categories of models, one series per precision with `value` of each run (0 where a model lacks that precision).
template<typename Value>
BarChartData byModelAndPrecision(
    const std::vector<prof::BenchRun>& runs, const QString& title, const QString& unit, Value value)
{
    BarChartData data;
    data.title = title;
    data.unit = unit;
    data.horizontal = true; // the labels carry agreement and shares: horizontal bars keep them whole
    const auto models = modelsOf(runs);
    for (const auto& model : models)
        data.categories << QString::fromStdString(model.second);
    for (const std::string& precision : precisionsOf(runs)) {
        BarChartData::Series series { QString::fromStdString(precision), precisionColor(precision), {} };
        for (const auto& model : models) {
            const prof::BenchRun* run = prof::findBenchRun(runs, model.first, precision);
            series.values << (run ? value(*run) : 0.0);
        }
        data.series.push_back(std::move(series));
    }
    return data;
}

} // namespace

QString agreementText(const prof::BenchRun& run)
{
    if (!run.agreement || run.precision == "fp32")
        return QString();
    const double value = *run.agreement;
    if (run.agreementMetric == "top1_agreement")
        return QObject::tr("%1 % top-1 agreement").arg(100.0 * value, 0, 'f', 1);
    if (run.agreementMetric == "mask_miou")
        return QObject::tr("mIoU %1").arg(value, 0, 'f', 3);
    if (run.agreementMetric == "keypoint_distance_px")
        return QObject::tr("%1 px keypoint distance").arg(value, 0, 'f', 2);
    if (run.agreementMetric == "matched_detections")
        return QObject::tr("%1 % detections matched").arg(100.0 * value, 0, 'f', 1);
    return QStringLiteral("%1 %2").arg(QString::fromStdString(run.agreementMetric)).arg(value, 0, 'g', 3);
}

BarChartData benchFpsData(const std::vector<prof::BenchRun>& runs)
{
    BarChartData data
        = byModelAndPrecision(runs, QObject::tr("Images per second by model and precision (higher is better)"),
            QStringLiteral("FPS"), [](const prof::BenchRun& run) { return run.fps; });
    if (runs.empty()) {
        data.title = QObject::tr("No bench runs in this session: run the bench above, or open a session that has them");
        return data;
    }
    // Each model's label says how far half precision moved its outputs: a faster model that answers differently is
    // not the same model.
    const auto models = modelsOf(runs);
    for (size_t m = 0; m < models.size(); ++m) {
        QStringList agreements;
        for (const std::string& precision : precisionsOf(runs)) {
            const prof::BenchRun* run = prof::findBenchRun(runs, models[m].first, precision);
            const QString text = run ? agreementText(*run) : QString();
            if (!text.isEmpty())
                agreements << QStringLiteral("%1: %2").arg(QString::fromStdString(precision), text);
        }
        if (!agreements.isEmpty())
            data.categories[int(m)] += QStringLiteral(" · ") + agreements.join(QStringLiteral(" · "));
    }
    const prof::BenchRun& first = runs.front();
    data.title += QObject::tr(" · %1, batch %2")
                      .arg(QString::fromStdString(first.deviceName.empty() ? first.device : first.deviceName))
                      .arg(first.batch);
    return data;
}

BarChartData benchGflopsData(const std::vector<prof::BenchRun>& runs)
{
    BarChartData data = byModelAndPrecision(
        runs, QString(), QStringLiteral("GFLOP/s"), [](const prof::BenchRun& run) { return run.achievedGflops; });
    QStringList peaks;
    for (const std::string& precision : precisionsOf(runs)) {
        double peak = 0;
        for (const prof::BenchRun& run : runs)
            if (run.precision == precision)
                peak = std::max(peak, run.peakGflops);
        if (peak > 0)
            peaks << QObject::tr("%1 peak %2").arg(QString::fromStdString(precision)).arg(peak, 0, 'f', 0);
    }
    data.title = peaks.isEmpty()
        ? QObject::tr("GFLOP/s achieved by each model (no peak measured)")
        : QObject::tr("GFLOP/s achieved against the measured peak (%1 GFLOP/s)").arg(peaks.join(", "));
    const auto models = modelsOf(runs);
    for (size_t m = 0; m < models.size(); ++m) {
        QStringList shares;
        for (const std::string& precision : precisionsOf(runs)) {
            const prof::BenchRun* run = prof::findBenchRun(runs, models[m].first, precision);
            if (run && run->peakShare > 0)
                shares << QStringLiteral("%1 %2 %")
                              .arg(QString::fromStdString(precision))
                              .arg(100.0 * run->peakShare, 0, 'f', 1);
        }
        if (!shares.isEmpty())
            data.categories[int(m)] += QObject::tr(" · of peak: %1").arg(shares.join(", "));
    }
    return data;
}

BarChartData benchMemoryData(const std::vector<prof::BenchRun>& runs)
{
    const bool anyPeak
        = std::any_of(runs.begin(), runs.end(), [](const prof::BenchRun& run) { return bool(run.peakMemoryMb); });
    BarChartData data = byModelAndPrecision(runs,
        anyPeak ? QObject::tr("Weights and peak memory by model (MB; bars: weights, labels: peak memory)")
                : QObject::tr("Weights by model (MB; the bench could not read the peak memory here)"),
        QStringLiteral("MB"), [](const prof::BenchRun& run) { return run.weightsMb; });
    if (!anyPeak)
        return data;
    const auto models = modelsOf(runs);
    for (size_t m = 0; m < models.size(); ++m) {
        QStringList peaks;
        for (const std::string& precision : precisionsOf(runs)) {
            const prof::BenchRun* run = prof::findBenchRun(runs, models[m].first, precision);
            if (run && run->peakMemoryMb)
                peaks << QStringLiteral("%1 %2")
                             .arg(QString::fromStdString(precision))
                             .arg(*run->peakMemoryMb, 0, 'f', 0);
        }
        if (!peaks.isEmpty())
            data.categories[int(m)] += QObject::tr(" · peak MB: %1").arg(peaks.join(", "));
    }
    return data;
}

BarChartData deviceFpsData(const std::vector<prof::DeviceSession>& devices)
{
    BarChartData data;
    data.unit = QStringLiteral("FPS");
    if (devices.size() < 2) {
        data.title = QObject::tr("Open the bench sessions of two or more devices to compare them");
        return data;
    }
    QStringList names;
    for (const prof::DeviceSession& device : devices)
        names << QString::fromStdString(device.name);
    data.title = QObject::tr("Images per second by model on each device (%1; ratio: last against first)")
                     .arg(names.join(QObject::tr(" vs ")));
    const std::vector<const prof::BenchRun*> shared = prof::benchRunsEveryDeviceMeasured(devices);
    if (shared.empty()) {
        data.title = QObject::tr("These devices measured no model in the same precision: run the bench with the same "
                                 "models and precisions on each");
        return data;
    }
    data.horizontal = true; // model, precision and ratio in each label: kept whole
    for (size_t d = 0; d < devices.size(); ++d)
        data.series.push_back({ QString::fromStdString(devices[d].name), stepColor(int(d)), {} });
    for (const prof::BenchRun* run : shared) {
        const prof::BenchRun* first = run;
        const prof::BenchRun* last = prof::findBenchRun(devices.back().runs, run->model, run->precision);
        QString label = QStringLiteral("%1 %2").arg(
            QString::fromStdString(run->name.empty() ? run->model : run->name), QString::fromStdString(run->precision));
        if (first->fps > 0)
            label += QStringLiteral(": %1x").arg(last->fps / first->fps, 0, 'f', 2);
        data.categories << label;
        for (size_t d = 0; d < devices.size(); ++d)
            data.series[d].values << prof::findBenchRun(devices[d].runs, run->model, run->precision)->fps;
    }
    return data;
}

} // namespace es::app
