// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "bench_data.h"

#include <QWidget>

#include <vector>

class QGridLayout;
class QLabel;
class QListWidget;
class QTableView;

namespace es::app {

class ChartCard;
class StatsTableModel;

/// The Devices page: the bench sessions of two or more devices (a Jetson Nano's and a Raspberry Pi's, say) side by
/// side, the founding study's Figure 5: images per second of each model on each device with the ratio of the last to
/// the first, each device's facts (CPU, cores, GPU, clocks, power mode, software) and the device x model table. The
/// chart exports as PNG and SVG, the whole comparison as an HTML or PDF report. Sessions are read when added (their
/// bench runs are a few rows). GUI thread only.
class DevicesPage : public QWidget
{
    Q_OBJECT
public:
    explicit DevicesPage(QWidget* parent = nullptr);

    /// Adds a device's bench session; false with `error` naming the file and the fix when it cannot be read or has
    /// no bench runs.
    bool addSession(const QString& path, QString* error = nullptr);
    void clear();
    const std::vector<prof::DeviceSession>& devices() const { return m_devices; }
    const std::vector<ChartCard*>& cards() const { return m_cards; }
    StatsTableModel* ratioModel() const { return m_ratios; }
    StatsTableModel* factsModel() const { return m_facts; }
    int exportCharts(const QString& folder, QString* error = nullptr) const;
    /// Writes the device comparison report (prof::writeDeviceReport) to `path`: HTML, or PDF where `path` ends in
    /// ".pdf"; false with `error` naming the file when there is no device or the file cannot be written.
    bool exportReport(const QString& path, QString* error = nullptr) const;

signals:
    /// A session could not be added: the message names the file and the fix.
    void failed(const QString& message);

private:
    void refresh();

    std::vector<prof::DeviceSession> m_devices;
    QListWidget* m_list;
    QLabel* m_hint;
    QGridLayout* m_charts;
    QTableView* m_factsView;
    StatsTableModel* m_facts;
    QTableView* m_ratiosView;
    StatsTableModel* m_ratios;
    std::vector<ChartCard*> m_cards;
};

} // namespace es::app
