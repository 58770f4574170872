// SPDX-License-Identifier: Apache-2.0
#include "item_models.h"

#include "time_format.h"

#include <QBrush>
#include <QColor>

#include <cmath>

namespace es::app {

QString relativeChange(std::optional<double> base, std::optional<double> with)
{
    if (!base || !with || *base == 0)
        return {};
    const double percent = (*with / *base - 1.0) * 100.0;
    return QStringLiteral("%1%2 %").arg(percent >= 0 ? "+" : "").arg(percent, 0, 'f', std::fabs(percent) < 10 ? 1 : 0);
}

// --- RunListModel -------------------------------------------------------------------------------------------------

void RunListModel::setRuns(std::vector<prof::RunSummary> runs)
{
    beginResetModel();
    m_runs = std::move(runs);
    m_verdicts.clear();
    for (const prof::RunSummary& run : m_runs)
        m_verdicts.push_back(prof::storedVerdict(run.record.resultJson));
    endResetModel();
}

qint64 RunListModel::runIdAt(int row) const
{
    return row >= 0 && row < int(m_runs.size()) ? m_runs[size_t(row)].runId : -1;
}

int RunListModel::rowOfRun(qint64 runId) const
{
    for (size_t i = 0; i < m_runs.size(); ++i) {
        if (m_runs[i].runId == runId)
            return int(i);
    }
    return -1;
}

int RunListModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_runs.size());
}

int RunListModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunListModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const prof::RunSummary& summary = m_runs[size_t(index.row())];
    const prof::RunRecord& run = summary.record;
    if (role == Qt::UserRole)
        return qlonglong(summary.runId);
    const prof::StoredVerdict& verdict = m_verdicts[size_t(index.row())];
    if (index.column() == Verdict && role == Qt::ToolTipRole && !verdict.reasons.empty()) {
        QStringList reasons;
        for (const std::string& reason : verdict.reasons)
            reasons << QString::fromStdString(reason);
        return reasons.join('\n');
    }
    if (index.column() == Verdict && role == Qt::ForegroundRole && verdict.state == "disturbed")
        return QBrush(QColor(0xD5, 0x5E, 0x00)); // vermillion: look before trusting this run's figures
    if (role == Qt::ToolTipRole)
        return QString::fromStdString(run.title + "\n" + run.deviceName + "\n" + run.weights + "\n" + run.video);
    if (role == Qt::TextAlignmentRole)
        return index.column() >= Batch && index.column() <= Fps ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                                                                : QVariant();
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Id:
        return qlonglong(summary.runId);
    case Step:
        return QString::fromStdString(run.step);
    case Status:
        return QString::fromStdString(run.status);
    case Device:
        return QString::fromStdString(run.device);
    case Precision:
        return QString::fromStdString(run.precision);
    case Batch:
        return qlonglong(run.batch);
    case Frames:
        return qlonglong(run.frames);
    case Fps:
        // An import counts iterations, not frames: no FPS to show (the Compare page gives its iterations/s).
        return run.frames > 0 || run.fps > 0 ? QString::number(run.fps, 'f', 2) : QString::fromUtf8("—");
    case Verdict:
        return verdict.state.empty() ? QString::fromUtf8("—") : QString::fromStdString(verdict.state);
    case Profile:
        return QString::fromStdString(run.profile);
    }
    return {};
}

QVariant RunListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0 || section >= ColumnCount)
        return {};
    static const char* names[]
        = { "Run", "Step", "Status", "Device", "Precision", "Batch", "Frames", "FPS", "Verdict", "Profile" };
    return tr(names[section]);
}

// --- FindingsModel ------------------------------------------------------------------------------------------------

void FindingsModel::setFindings(const std::vector<prof::Finding>& findings)
{
    beginResetModel();
    m_rows.clear();
    for (const prof::Finding& finding : findings)
        m_rows.push_back({ QString(), finding });
    endResetModel();
}

void FindingsModel::setComparison(const prof::Comparison& comparison)
{
    beginResetModel();
    m_rows.clear();
    for (const prof::Finding& finding : comparison.disappeared)
        m_rows.push_back({ tr("gone"), finding });
    for (const prof::Finding& finding : comparison.appeared)
        m_rows.push_back({ tr("appeared"), finding });
    for (const prof::Finding& finding : comparison.with.findings) {
        bool isNew = false;
        for (const prof::Finding& appeared : comparison.appeared)
            isNew = isNew || (appeared.rule == finding.rule && appeared.stage == finding.stage);
        if (!isNew)
            m_rows.push_back({ tr("still there"), finding });
    }
    endResetModel();
}

const FindingsModel::Row* FindingsModel::rowAt(int row) const
{
    return row >= 0 && row < int(m_rows.size()) ? &m_rows[size_t(row)] : nullptr;
}

int FindingsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int FindingsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant FindingsModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row& row = m_rows[size_t(index.row())];
    const prof::Finding& finding = row.finding;
    if (role == Qt::ToolTipRole)
        return QString::fromStdString(
            finding.explanation + "\n\nEvidence: " + finding.evidence + "\nEvents: " + finding.events);
    if (role == Qt::ForegroundRole && index.column() == Change) {
        if (row.change == tr("gone"))
            return QBrush(QColor(0x00, 0x9E, 0x73));
        if (row.change == tr("appeared"))
            return QBrush(QColor(0xD5, 0x5E, 0x00));
        return {};
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Change:
        return row.change;
    case Rule:
        return QString::fromStdString(finding.rule);
    case Stage:
        return QString::fromStdString(finding.stage.empty() ? "whole run" : finding.stage);
    case Title:
        return QString::fromStdString(finding.title);
    case Evidence:
        return QString::fromStdString(finding.evidence);
    case ExpectedSpeedup:
        return QStringLiteral("%1x").arg(finding.expectedSpeedup, 0, 'f', 2);
    }
    return {};
}

QVariant FindingsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0 || section >= ColumnCount)
        return {};
    static const char* names[] = { "Change", "Rule", "Stage", "Finding", "Evidence", "Expected speedup if fixed" };
    return tr(names[section]);
}

// --- MetricsModel -------------------------------------------------------------------------------------------------

void MetricsModel::setMetrics(std::vector<prof::MetricChange> metrics)
{
    beginResetModel();
    m_metrics = std::move(metrics);
    endResetModel();
}

int MetricsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_metrics.size());
}

int MetricsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant MetricsModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const prof::MetricChange& metric = m_metrics[size_t(index.row())];
    const auto value = [&](std::optional<double> v) {
        return v ? QStringLiteral("%1 %2").arg(*v, 0, 'g', 4).arg(QString::fromStdString(metric.unit)).trimmed()
                 : tr("not measured");
    };
    if (role == Qt::ForegroundRole && index.column() == ChangeColumn && metric.base && metric.with
        && *metric.base != *metric.with) {
        const bool better = (*metric.with > *metric.base) == metric.higherIsBetter;
        return QBrush(better ? QColor(0x00, 0x9E, 0x73) : QColor(0xD5, 0x5E, 0x00));
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Metric:
        return QString::fromStdString(metric.name);
    case Base:
        return value(metric.base);
    case With:
        return value(metric.with);
    case ChangeColumn:
        return relativeChange(metric.base, metric.with);
    }
    return {};
}

QVariant MetricsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0 || section >= ColumnCount)
        return {};
    static const char* names[] = { "Metric", "Before", "After", "Change" };
    return tr(names[section]);
}

// --- SelectionStatsModel ------------------------------------------------------------------------------------------

void SelectionStatsModel::setStats(std::vector<SelectionStat> stats, int64_t spanNs)
{
    beginResetModel();
    m_stats = std::move(stats);
    m_spanNs = std::max<int64_t>(1, spanNs);
    endResetModel();
}

int SelectionStatsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_stats.size());
}

int SelectionStatsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SelectionStatsModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const SelectionStat& stat = m_stats[size_t(index.row())];
    if (role == Qt::UserRole)
        return qlonglong(stat.totalNs);
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case LaneColumn:
        return QString::fromStdString(stat.lane);
    case Name:
        return QString::fromStdString(stat.name);
    case Count:
        return qlonglong(stat.count);
    case Time:
        return QString::fromStdString(formatDuration(stat.totalNs));
    case Share:
        return QStringLiteral("%1 %").arg(100.0 * double(stat.totalNs) / double(m_spanNs), 0, 'f', 1);
    }
    return {};
}

QVariant SelectionStatsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0 || section >= ColumnCount)
        return {};
    static const char* names[] = { "Lane", "Name", "Count", "Time in selection", "Share of selection" };
    return tr(names[section]);
}

void StatsTableModel::setTable(prof::StatsTable table)
{
    beginResetModel();
    m_table = std::move(table);
    endResetModel();
}

int StatsTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_table.rows.size());
}

int StatsTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_table.columns.size());
}

QVariant StatsTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || size_t(index.row()) >= m_table.rows.size())
        return {};
    const auto& row = m_table.rows[size_t(index.row())];
    if (size_t(index.column()) >= row.size())
        return {};
    const prof::StatsTable::Cell& cell = row[size_t(index.column())];
    if (role == Qt::TextAlignmentRole)
        return std::holds_alternative<std::string>(cell) ? QVariant(int(Qt::AlignLeft | Qt::AlignVCenter))
                                                         : QVariant(int(Qt::AlignRight | Qt::AlignVCenter));
    if (role != Qt::DisplayRole && role != Qt::UserRole)
        return {};
    if (const auto* text = std::get_if<std::string>(&cell))
        return QString::fromStdString(*text);
    if (const auto* whole = std::get_if<int64_t>(&cell))
        return qlonglong(*whole);
    const double value = std::get<double>(cell);
    return role == Qt::UserRole ? QVariant(value) : QVariant(QString::number(value, 'g', 4));
}

QVariant StatsTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0
        || size_t(section) >= m_table.columns.size())
        return {};
    return QString::fromStdString(m_table.columns[size_t(section)]);
}

} // namespace es::app
