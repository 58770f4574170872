// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QPixmap>
#include <QWidget>

#include <vector>

class QComboBox;
class QGridLayout;
class QLabel;
class QLineEdit;
class QTableView;

namespace es::app {

class ChartCard;
class FindingsModel;
class MetricsModel;
class SessionDocument;

/// The Compare page: the waterfall of all steps with the findings of the chosen step, then any two runs before and
/// after: FPS, stage breakdown, copies and synchronizations per frame, GPU busy, utilization over time and energy
/// per frame as charts (each exports as PNG and SVG), every metric with its change, and the findings that appeared
/// or disappeared. Imported traces compare per iteration (iterations per second, ranges and kernels per iteration,
/// the kernel diff); "Add a trace…" brings a second trace into the session and the iteration field names the range
/// that marks an iteration. Double-clicking a finding asks for the timeline at the frame that shows it. GUI thread
/// only.
class ComparePage : public QWidget
{
    Q_OBJECT
public:
    explicit ComparePage(SessionDocument* document, QWidget* parent = nullptr);

    /// Compares two runs of the session.
    void comparePair(qint64 baseRunId, qint64 withRunId);
    const std::vector<ChartCard*>& cards() const { return m_cards; }
    FindingsModel* findingsModel() const { return m_findings; }
    MetricsModel* metricsModel() const { return m_metrics; }
    /// Asks for the timeline of the lab's `index`-th run at the frame that shows its costliest finding (a click on the
    /// waterfall).
    void openRunInTimeline(int index);
    /// The whole page, scrolled part included (for screenshots).
    QPixmap grabWholePage() const;
    /// Writes every chart as PNG and SVG into `folder`; the number written, or -1 with `error` set.
    int exportCharts(const QString& folder, QString* error = nullptr) const;

    /// How many charts of the pair go side by side at a page `width` (px): two from 1120, else one above the other.
    static int pairColumnsFor(int width);
    int pairColumns() const { return m_pairColumns; }

signals:
    /// A finding was double-clicked or a waterfall bar clicked: show `runId`'s timeline on the frame that shows
    /// `stage` best.
    void showInTimeline(qint64 runId, const QString& stage);

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void refresh();
    void rebuildPairCharts();
    void clearCards(QGridLayout* grid);
    ChartCard* addCard(
        QGridLayout* grid, const QString& name, QWidget* chart, int row, int column, const QString& caption);
    /// The next chart of the pair, in reading order over the columns the page's width allows.
    ChartCard* addPairCard(const QString& name, QWidget* chart, const QString& caption);

    SessionDocument* m_document;
    QWidget* m_content; ///< what the scroll area shows
    QLabel* m_header;
    QGridLayout* m_waterfallGrid;
    QGridLayout* m_pairGrid;
    QComboBox* m_base;
    QComboBox* m_with;
    QLabel* m_verdicts; ///< the pair's speedup with its interval and each run's verdict (an import's iterations)
    QLineEdit* m_iterationMarker; ///< the range that marks an import's iterations
    QTableView* m_findingsView;
    QTableView* m_metricsView;
    FindingsModel* m_findings;
    MetricsModel* m_metrics;
    std::vector<ChartCard*> m_cards;
    std::vector<ChartCard*> m_pairCards; ///< in reading order
    int m_pairColumns = 2;
    qint64 m_pendingBase = -1, m_pendingWith = -1;
};

} // namespace es::app
