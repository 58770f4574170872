// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "analysis/analysis.h"
#include "reports/session_stats.h"
#include "store/session_store.h"
#include "timeline_layout.h"

#include <QAbstractTableModel>

#include <vector>

namespace es::app {

/// The runs of the session, one row each: step, status, device, precision, batch, frames, FPS, profile. The run id
/// is in Qt::UserRole of every cell. GUI thread only.
class RunListModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Id, Step, Status, Device, Precision, Batch, Frames, Fps, Verdict, Profile, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;

    void setRuns(std::vector<prof::RunSummary> runs);
    qint64 runIdAt(int row) const;
    int rowOfRun(qint64 runId) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::vector<prof::RunSummary> m_runs;
    std::vector<prof::StoredVerdict> m_verdicts; ///< one per run, read from its result when set
};

/// Findings of a run, or of a comparison with their change (appeared, gone, still there): rule, stage, title,
/// evidence and the speedup fixing it should bring; the explanation is the tooltip. GUI thread only.
class FindingsModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Change, Rule, Stage, Title, Evidence, ExpectedSpeedup, ColumnCount };
    struct Row
    {
        QString change; ///< "appeared", "gone", "still there" or empty
        prof::Finding finding;
    };
    using QAbstractTableModel::QAbstractTableModel;

    void setFindings(const std::vector<prof::Finding>& findings);
    void setComparison(const prof::Comparison& comparison);
    const Row* rowAt(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::vector<Row> m_rows;
};

/// Every metric of two runs side by side: name, base, with, and the change with its sign and unit ("+40.1 %"),
/// coloured by whether it is better. GUI thread only.
class MetricsModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Metric, Base, With, ChangeColumn, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;

    void setMetrics(std::vector<prof::MetricChange> metrics);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::vector<prof::MetricChange> m_metrics;
};

/// The statistics of a timeline selection: lane, name, count, time inside the selection and its share. GUI thread.
class SelectionStatsModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { LaneColumn, Name, Count, Time, Share, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;

    void setStats(std::vector<SelectionStat> stats, int64_t spanNs);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::vector<SelectionStat> m_stats;
    int64_t m_spanNs = 1;
};

/// Any of the reports' tables (prof::StatsTable: the model bench, device x model, ...) as a table: its columns, numbers
/// with up to four significant digits (Qt::UserRole holds the exact value, for sorting). GUI thread only.
class StatsTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    using QAbstractTableModel::QAbstractTableModel;

    void setTable(prof::StatsTable table);
    const prof::StatsTable& table() const { return m_table; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    prof::StatsTable m_table;
};

/// "12.4 FPS (+40 %)" style: a relative change with its sign, or empty when either side is missing or zero.
QString relativeChange(std::optional<double> base, std::optional<double> with);

} // namespace es::app
