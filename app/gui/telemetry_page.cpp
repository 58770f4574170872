// SPDX-License-Identifier: Apache-2.0
#include "telemetry_page.h"
#include "colors.h"

#include "base/clock.h"
#include "collect/system_sampler.h"

#include <QGridLayout>
#include <QLabel>
#include <QPainter>
#include <QPainterPath>
#include <QRegularExpression>
#include <QScrollArea>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

namespace es::app {

namespace {
constexpr int64_t kHistoryNs = 60'000'000'000;
}

Sparkline::Sparkline(QWidget* parent) : QWidget(parent)
{
    setMinimumSize(160, 30);
}

void Sparkline::setSamples(
    std::vector<std::pair<int64_t, double>> samples, int64_t nowNs, int64_t windowNs, bool percent)
{
    m_samples = std::move(samples);
    m_nowNs = nowNs;
    m_windowNs = windowNs;
    m_percent = percent;
    update();
}

void Sparkline::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    painter.fillRect(rect(), palette().alternateBase());
    if (m_samples.empty())
        return;
    double low = m_percent ? 0 : m_samples.front().second, high = m_percent ? 100 : low;
    for (const auto& sample : m_samples) {
        low = std::min(low, sample.second);
        high = std::max(high, sample.second);
    }
    if (high - low < 1e-9)
        high = low + 1;
    QPainterPath path;
    for (size_t i = 0; i < m_samples.size(); ++i) {
        const double x = width() * (1.0 - double(m_nowNs - m_samples[i].first) / double(m_windowNs));
        const double y = height() - 2 - (m_samples[i].second - low) / (high - low) * (height() - 4);
        if (i == 0)
            path.moveTo(x, y);
        else
            path.lineTo(x, y);
    }
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(QPen(QColor(0x00, 0x72, 0xB2), 1.5));
    painter.drawPath(path);
}

CoreBars::CoreBars(QWidget* parent) : QWidget(parent) { }

void CoreBars::setCores(std::vector<Core> cores)
{
    m_cores = std::move(cores);
    updateGeometry();
    update();
}

QSize CoreBars::sizeHint() const
{
    return { 400, std::max(20, int(m_cores.size()) * 20) };
}

void CoreBars::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    const int labelWidth = 60, valueWidth = 150;
    int y = 0;
    for (const Core& core : m_cores) {
        const int barSpace = width() - labelWidth - valueWidth;
        painter.setPen(palette().text().color());
        painter.drawText(QRect(0, y, labelWidth, 18), Qt::AlignVCenter | Qt::AlignLeft, core.name);
        painter.fillRect(QRect(labelWidth, y + 3, barSpace, 12), palette().alternateBase());
        const QColor color = core.loadPercent > 80 ? QColor(0xD5, 0x5E, 0x00) : QColor(0x00, 0x9E, 0x73);
        painter.fillRect(
            QRect(labelWidth, y + 3, int(barSpace * std::clamp(core.loadPercent, 0.0, 100.0) / 100), 12), color);
        QString value = QStringLiteral("%1 %").arg(core.loadPercent, 0, 'f', 0);
        if (core.frequencyMhz >= 0)
            value += QStringLiteral("  %1 MHz").arg(core.frequencyMhz, 0, 'f', 0);
        painter.drawText(QRect(labelWidth + barSpace + 6, y, valueWidth, 18), Qt::AlignVCenter | Qt::AlignLeft, value);
        y += 20;
    }
}

TelemetryPage::TelemetryPage(QWidget* parent, int periodMs)
    : QWidget(parent)
    , m_timer(new QTimer(this))
    , m_header(new QLabel)
    , m_notes(new QLabel)
    , m_cores(new CoreBars)
    , m_grid(new QGridLayout)
    , m_periodMs(periodMs)
{
    prof::SamplerOptions options;
    options.periodMs = periodMs;
    m_sampler = std::make_unique<prof::SystemSampler>(options);
    m_sampler->start();
    m_notes->setWordWrap(true);
    m_notes->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* content = new QWidget;
    auto* layout = new QVBoxLayout(content);
    layout->addWidget(m_header);
    layout->addWidget(new QLabel(tr("<b>CPU per core</b>")));
    layout->addWidget(m_cores);
    layout->addLayout(m_grid);
    layout->addWidget(m_notes);
    layout->addStretch(1);
    setScrollingContent(this, content);
    connect(m_timer, &QTimer::timeout, this, &TelemetryPage::refresh);
    m_timer->start(500);
}

TelemetryPage::~TelemetryPage()
{
    m_sampler->stop();
}

void TelemetryPage::refresh()
{
    const int64_t now = prof::nowNs();
    const std::vector<prof::CounterTrack> tracks = m_sampler->tracks(now - kHistoryNs, INT64_MAX);
    static const QRegularExpression corePattern(QStringLiteral("^cpu(\\d+) (load|freq)$"));
    std::map<int, CoreBars::Core> cores;
    int row = 0;
    for (const prof::CounterTrack& track : tracks) {
        if (track.samples.empty())
            continue;
        const QString name = QString::fromStdString(track.name);
        const double latest = track.samples.back().second;
        const auto match = corePattern.match(name);
        if (match.hasMatch()) {
            CoreBars::Core& core = cores[match.captured(1).toInt()];
            core.name = QStringLiteral("cpu%1").arg(match.captured(1));
            if (match.captured(2) == "load")
                core.loadPercent = latest;
            else
                core.frequencyMhz = latest;
            continue;
        }
        auto found = m_rows.find(name);
        if (found == m_rows.end()) {
            Row created { new QLabel(name), new QLabel, new Sparkline };
            created.name->setToolTip(QString::fromStdString(track.source));
            found = m_rows.emplace(name, created).first;
        }
        (void)row;
        found->second.value->setText(
            QStringLiteral("%1 %2").arg(latest, 0, 'f', latest < 10 ? 1 : 0).arg(QString::fromStdString(track.unit)));
        found->second.line->setSamples(track.samples, now, kHistoryNs, track.unit == "%");
    }
    int index = 0;
    for (auto& [name, entry] : m_rows) {
        m_grid->addWidget(entry.name, index, 0);
        m_grid->addWidget(entry.value, index, 1);
        m_grid->addWidget(entry.line, index, 2);
        ++index;
    }
    m_grid->setColumnStretch(2, 1);
    std::vector<CoreBars::Core> coreList;
    for (auto& [number, core] : cores)
        coreList.push_back(core);
    m_cores->setCores(std::move(coreList));
    m_header->setText(tr("Sampling every %1 ms (%2 Hz) · history: the last minute · %3 counters")
                          .arg(m_periodMs)
                          .arg(1000.0 / m_periodMs, 0, 'g', 3)
                          .arg(tracks.size()));
    QStringList notes;
    for (const std::string& note : m_sampler->notes())
        notes << QString::fromStdString(note).toHtmlEscaped();
    bool gpu = false, power = false;
    for (const prof::CounterTrack& track : tracks) {
        gpu = gpu || track.name.rfind("gpu", 0) == 0;
        power = power || track.unit == "mW";
    }
    // A sensor that is not there is said so, never drawn as 0 %.
    if (!gpu)
        notes << tr("GPU: no GPU sensor on this machine (no NVIDIA driver for NVML, no Jetson GPU load file)");
    if (!power)
        notes << tr("Power: no power sensor (a Jetson's INA3221 rails, or NVML on a discrete NVIDIA GPU)");
    m_notes->setText(notes.isEmpty()
            ? tr("Every sensor this machine has was readable.")
            : tr("<b>Sensors not shown</b> (missing here, or needing root):<br>%1").arg(notes.join("<br>")));
}

QStringList TelemetryPage::counterNames() const
{
    QStringList names;
    for (const auto& [name, row] : m_rows)
        names << name;
    return names;
}

} // namespace es::app
