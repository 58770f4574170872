// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "bench_data.h"

#include <QWidget>

#include <vector>

class QGridLayout;
class QLabel;
class QListWidget;
class QTableView;
class QStandardItemModel;

namespace es::app {

class ChartCard;
class StatsTableModel;

/// The Devices page: the bench sessions of two or more devices (a Jetson Nano's and a Raspberry Pi's, say) side by
/// side, the founding study's Figure 5: images per second of each model on each device with the ratio of the last to
/// the first, each device's facts (CPU, cores, GPU, clocks, power mode, software) and the device x model table. The
/// chart exports as PNG and SVG. Sessions are read when added (their bench runs are a few rows). GUI thread only.
class DevicesPage : public QWidget
{
    Q_OBJECT
public:
    explicit DevicesPage(QWidget* parent = nullptr);

    /// Adds a device's bench session; false with `error` naming the file and the fix when it cannot be read or has
    /// no bench runs.
    bool addSession(const QString& path, QString* error = nullptr);
    void clear();
    const std::vector<DeviceBench>& devices() const { return m_devices; }
    const std::vector<ChartCard*>& cards() const { return m_cards; }
    StatsTableModel* ratioModel() const { return m_ratios; }
    QStandardItemModel* factsModel() const { return m_facts; }
    int exportCharts(const QString& folder, QString* error = nullptr) const;

signals:
    /// A session could not be added: the message names the file and the fix.
    void failed(const QString& message);

private:
    void refresh();

    std::vector<DeviceBench> m_devices;
    QListWidget* m_list;
    QLabel* m_hint;
    QGridLayout* m_charts;
    QTableView* m_factsView;
    QStandardItemModel* m_facts;
    QTableView* m_ratiosView;
    StatsTableModel* m_ratios;
    std::vector<ChartCard*> m_cards;
};

} // namespace es::app
