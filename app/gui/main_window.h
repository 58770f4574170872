// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QMainWindow>
#include <QStringList>

class QLabel;
class QMenu;
class QPlainTextEdit;
class QProgressBar;
class QTabWidget;
class QTableView;
class QTimer;

namespace es::app {

class ComparePage;
class ExperimentPanel;
class LabController;
class LessonPage;
class BenchPage;
class DevicesPage;
class LivePage;
class RunListModel;
class SessionDocument;
class TelemetryPage;
class TimelinePage;
class WeightsDialog;

/// EdgeScope's main window: the Experiment panel, the runs and the log as docks, and the pages (Live, Timeline,
/// Compare, Telemetry, Lesson) as tabs. Opens lab sessions and imported traces from the menu, the command line and
/// drag and drop; runs the lab off the GUI thread and appends each finished step to the open session; keeps its
/// layout and recent files in QSettings. Lab > Get Real Weights… (and the button under the Weights field) opens the
/// fetch dialog; a run says in the log which weights it uses. Errors appear as dialogs naming the file and the fix;
/// nothing is modal during a run. GUI thread only.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    enum Page {
        LivePageIndex,
        TimelinePageIndex,
        ComparePageIndex,
        TelemetryPageIndex,
        LessonPageIndex,
        BenchPageIndex,
        DevicesPageIndex
    };

    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Opens a lab session or a trace to import; errors as a dialog (or on the log when `quiet`).
    void openFile(const QString& path);
    /// Starts the lab as the Experiment panel describes it, appending to the open session (a new one when none).
    void runLab();
    void cancelLab();
    /// Opens the "Get real weights" dialog (not modal), created on first use.
    void showWeightsDialog();
    void showPage(Page page);
    /// Writes a PNG of every page (and the whole window) into `folder` (the README's screenshots).
    bool saveScreenshots(const QString& folder, QString* error = nullptr);
    /// Writes the PNG of one page into `folder` as gui-<name>.png (and the Compare page whole as gui-compare-all.png).
    bool savePageScreenshot(Page page, const QString& folder, QString* error = nullptr);
    /// Dialogs are replaced by log lines (tests, screenshots).
    void setQuiet(bool quiet) { m_quiet = quiet; }

    SessionDocument* document() const { return m_document; }
    LabController* lab() const { return m_lab; }
    ExperimentPanel* experiment() const { return m_experiment; }
    LivePage* livePage() const { return m_live; }
    TimelinePage* timelinePage() const { return m_timeline; }
    ComparePage* comparePage() const { return m_compare; }
    TelemetryPage* telemetryPage() const { return m_telemetry; }
    LessonPage* lessonPage() const { return m_lesson; }
    BenchPage* benchPage() const { return m_bench; }
    DevicesPage* devicesPage() const { return m_devices; }
    /// The fetch dialog; null until showWeightsDialog() first opened it.
    WeightsDialog* weightsDialog() const { return m_weightsDialog; }
    RunListModel* runsModel() const { return m_runsModel; }
    QTabWidget* pages() const { return m_pages; }
    QString lastError() const { return m_lastError; }
    QStringList recentFiles() const;

signals:
    /// A lab run ended and the session was reloaded with its runs.
    void labFinished(bool ok, bool cancelled);

protected:
    void closeEvent(class QCloseEvent* event) override;
    void dragEnterEvent(class QDragEnterEvent* event) override;
    void dropEvent(class QDropEvent* event) override;

private:
    void createMenus();
    void createDocks();
    void showError(const QString& title, const QString& message);
    void log(const QString& line);
    void sessionLoaded();
    /// The status bar's bar that follows a session while it opens.
    void setUpOpenProgress();
    void addRecentFile(const QString& path);
    void rebuildRecentMenu();
    void saveSessionAs();
    void newSession();
    void showFindingInTimeline(qint64 runId, const QString& stage);
    /// After a lab run: says how it ended (dialog on failure) and reloads the session.
    void labRunFinished(bool ok, bool cancelled, const QString& message, const QVector<qint64>& runIds);
    /// Once a finding's run is laid out: opens the timeline at the frame with the longest range of its stage.
    void showFindingFrame(qint64 runId);

    SessionDocument* m_document;
    LabController* m_lab;
    ExperimentPanel* m_experiment;
    QTabWidget* m_pages;
    LivePage* m_live;
    TimelinePage* m_timeline;
    ComparePage* m_compare;
    TelemetryPage* m_telemetry;
    LessonPage* m_lesson;
    BenchPage* m_bench;
    DevicesPage* m_devices;
    WeightsDialog* m_weightsDialog = nullptr;
    RunListModel* m_runsModel;
    QTableView* m_runsView;
    QPlainTextEdit* m_log;
    QMenu* m_recentMenu = nullptr;
    QLabel* m_statusLabel;
    QProgressBar* m_openBar; ///< while a session opens: its runs read and analysed
    QTimer* m_openTimer;
    QString m_lastError;
    bool m_quiet = false;
    bool m_showCompareAfterLoad = false;
    qint64 m_findingRun = -1;
    QString m_findingStage;
};

} // namespace es::app
