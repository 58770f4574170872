// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "reports/bench_tables.h"

#include <QWidget>

#include <vector>

class QCheckBox;
class QComboBox;
class QGridLayout;
class QLabel;
class QListWidget;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableView;

namespace es::app {

class BenchController;
class ChartCard;
class SessionDocument;
class StatsTableModel;

/// The Bench page: the founding study's model bench in the application. Choose models, precisions, batch and device
/// and run it on a worker thread (progress line, Cancel); each model and precision becomes a run of the open session
/// (a new one when none is open). Then, from the session's bench runs: images per second by model and precision with
/// each half precision's agreement with fp32 (the study's Figure 4), GFLOP/s against the device's measured peak, and
/// weights and peak memory, as charts that export as PNG and SVG, and the model x precision table. GUI thread only.
class BenchPage : public QWidget
{
    Q_OBJECT
public:
    explicit BenchPage(SessionDocument* document, QWidget* parent = nullptr);

    /// Starts the bench as the controls say; false (said on the status line) when one runs or nothing is chosen.
    bool runBench();
    void cancelBench();
    /// Chooses what runBench() measures (for the command line and tests): model ids, precisions, batch, device.
    void choose(const QStringList& models, const QStringList& precisions, int batch, const QString& device);
    BenchController* controller() const { return m_controller; }
    const std::vector<ChartCard*>& cards() const { return m_cards; }
    StatsTableModel* tableModel() const { return m_table; }
    QString statusText() const;
    /// Writes every chart as PNG and SVG into `folder`; the number written, or -1 with `error` set.
    int exportCharts(const QString& folder, QString* error = nullptr) const;

signals:
    /// A bench ended (the session is being reloaded with its runs).
    void benchFinished(bool ok, bool cancelled);

private:
    void refresh();
    void benchEnded(bool ok, bool cancelled, const QString& message);

    SessionDocument* m_document;
    BenchController* m_controller;
    QListWidget* m_models;
    std::vector<QCheckBox*> m_precisions;
    QSpinBox* m_batch;
    QComboBox* m_device;
    QPushButton* m_run;
    QPushButton* m_cancel;
    QProgressBar* m_busy;
    QLabel* m_status;
    QGridLayout* m_charts;
    QTableView* m_tableView;
    StatsTableModel* m_table;
    std::vector<ChartCard*> m_cards;
};

} // namespace es::app
