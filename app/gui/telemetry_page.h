// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "store/session_store.h"

#include <QWidget>

#include <memory>
#include <vector>

class QLabel;
class QTimer;
class QGridLayout;

namespace es::prof {
class SystemSampler;
}

namespace es::app {

/// A minute of one counter as a line, with its latest value and unit, as jtop draws its history. GUI thread only.
class Sparkline : public QWidget
{
    Q_OBJECT
public:
    explicit Sparkline(QWidget* parent = nullptr);
    /// Samples (ns, value) of the last `windowNs`, ending at `nowNs`; percent counters use a 0..100 scale.
    void setSamples(std::vector<std::pair<int64_t, double>> samples, int64_t nowNs, int64_t windowNs, bool percent);
    QSize sizeHint() const override { return { 240, 34 }; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    std::vector<std::pair<int64_t, double>> m_samples;
    int64_t m_nowNs = 0;
    int64_t m_windowNs = 60'000'000'000;
    bool m_percent = false;
};

/// Per-core CPU load bars with each core's frequency. GUI thread only.
class CoreBars : public QWidget
{
    Q_OBJECT
public:
    struct Core
    {
        QString name;
        double loadPercent = 0;
        double frequencyMhz = -1;
    };
    explicit CoreBars(QWidget* parent = nullptr);
    void setCores(std::vector<Core> cores);
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    std::vector<Core> m_cores;
};

/// The Telemetry page: the machine as jtop shows it, from the profiler's system sampler running while the page
/// lives: CPU per core with frequency, GPU load and frequency, memory and swap, temperatures, power per rail, each
/// with a minute of history; the sampling rate; and sensors that are missing or need root, named with the fix.
/// GUI thread only (the sampler samples on its own thread).
class TelemetryPage : public QWidget
{
    Q_OBJECT
public:
    explicit TelemetryPage(QWidget* parent = nullptr, int periodMs = 500);
    ~TelemetryPage() override;
    /// Reads the sampler now (the page does it twice a second).
    void refresh();
    /// Counters shown (tests).
    QStringList counterNames() const;

private:
    std::unique_ptr<prof::SystemSampler> m_sampler;
    QTimer* m_timer;
    QLabel* m_header;
    QLabel* m_notes;
    CoreBars* m_cores;
    QGridLayout* m_grid;
    struct Row
    {
        QLabel* name;
        QLabel* value;
        Sparkline* line;
    };
    std::map<QString, Row> m_rows;
    int m_periodMs;
};

} // namespace es::app
