// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QWidget>

class QCheckBox;
class QComboBox;
class QHBoxLayout;
class QLabel;
class QProgressBar;
class QTimer;
class QSpinBox;
class QTableView;

namespace es::app {

class SessionDocument;
class SelectionStatsModel;
class TimelineView;

/// The Timeline page: one run, or two runs stacked and aligned on the start of the same frame with one shared,
/// locked axis (relative to that frame), the hover details and the statistics of a Shift+drag selection.
/// GUI thread only.
class TimelinePage : public QWidget
{
    Q_OBJECT
public:
    explicit TimelinePage(SessionDocument* document, QWidget* parent = nullptr);

    /// Shows a run alone, at a frame (or the whole run when frameIndex < 0).
    void showRun(qint64 runId, qint64 frameIndex = -1);
    /// Shows two runs side by side, aligned on `frameIndex`.
    void showPair(qint64 baseRunId, qint64 withRunId, qint64 frameIndex = 0);
    TimelineView* topView() const { return m_top; }
    TimelineView* bottomView() const { return m_bottom; }
    SelectionStatsModel* selectionModel() const { return m_statsModel; }
    QProgressBar* loadingBar() const { return m_loadingBar; }

protected:
    void showEvent(QShowEvent* event) override;

private:
    void refillRuns();
    void requestLayouts();
    void layoutReady(qint64 runId);
    /// The progress bar beside the controls, hidden until a run loads, and the timer that updates it.
    void setUpLoadingBar(QHBoxLayout* controls);
    /// Shows how far the loading of the runs on screen has come; hides the bar when none is loading.
    void showLoadingProgress();
    void applyAlignment(bool fit);
    void showSelection(TimelineView* view, qint64 fromNs, qint64 toNs);

    SessionDocument* m_document;
    QComboBox* m_topRun;
    QComboBox* m_bottomRun;
    QCheckBox* m_sideBySide;
    QCheckBox* m_lock;
    QSpinBox* m_frame;
    TimelineView* m_top;
    TimelineView* m_bottom;
    QLabel* m_details;
    QProgressBar* m_loadingBar; ///< the rows read of the runs being loaded, shown while they load
    QTimer* m_loadingTimer;
    QTableView* m_stats;
    SelectionStatsModel* m_statsModel;
    bool m_fitPending = true;
};

} // namespace es::app
