// SPDX-License-Identifier: Apache-2.0
#include "main_window.h"

#include "bench_page.h"
#include "compare_page.h"
#include "devices_page.h"
#include "experiment_panel.h"
#include "export_dialog.h"
#include "item_models.h"
#include "lab_controller.h"
#include "lesson_page.h"
#include "live_page.h"
#include "session_document.h"
#include "telemetry_page.h"
#include "timeline_page.h"
#include "timeline_view.h"
#include "weights_dialog.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QKeySequence>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>

#include <cstdio>

namespace es::app {

namespace {
constexpr int kMaxRecentFiles = 10;
}

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
    , m_document(new SessionDocument(this))
    , m_lab(new LabController(this))
    , m_experiment(new ExperimentPanel)
    , m_pages(new QTabWidget)
    , m_live(new LivePage)
    , m_timeline(new TimelinePage(m_document))
    , m_compare(new ComparePage(m_document))
    , m_telemetry(new TelemetryPage)
    , m_lesson(new LessonPage(m_document))
    , m_bench(new BenchPage(m_document))
    , m_devices(new DevicesPage)
    , m_runsModel(new RunListModel(this))
    , m_runsView(new QTableView)
    , m_log(new QPlainTextEdit)
    , m_statusLabel(new QLabel)
    , m_openBar(new QProgressBar)
    , m_openTimer(new QTimer(this))
{
    setObjectName("EdgeScopeMainWindow");
    setWindowTitle(tr("EdgeScope - no session"));
    setAcceptDrops(true);
    m_pages->addTab(m_live, tr("&Live"));
    m_pages->addTab(m_timeline, tr("&Timeline"));
    m_pages->addTab(m_compare, tr("&Compare"));
    m_pages->addTab(m_telemetry, tr("Te&lemetry"));
    m_pages->addTab(m_lesson, tr("Le&sson"));
    m_pages->addTab(m_bench, tr("&Bench"));
    m_pages->addTab(m_devices, tr("&Devices"));
    setCentralWidget(m_pages);
    statusBar()->addPermanentWidget(m_statusLabel);
    setUpOpenProgress();
    createDocks();
    createMenus();

    connect(m_document, &SessionDocument::loaded, this, &MainWindow::sessionLoaded);
    connect(m_document, &SessionDocument::failed, this,
        [this](const QString& message) { showError(tr("Cannot open the file"), message); });
    connect(m_experiment, &ExperimentPanel::runRequested, this, &MainWindow::runLab);
    connect(m_devices, &DevicesPage::failed, this,
        [this](const QString& message) { showError(tr("Cannot add the session"), message); });
    connect(m_experiment, &ExperimentPanel::cancelRequested, this, &MainWindow::cancelLab);
    connect(m_experiment, &ExperimentPanel::getWeightsRequested, this, &MainWindow::showWeightsDialog);
    connect(m_lab, &LabController::progress, this, [this](const QString& line) {
        m_experiment->showProgress(line);
        m_live->setStatus(line);
        log(line);
    });
    connect(m_lab, &LabController::live, m_live, &LivePage::showUpdate);
    connect(m_lab, &LabController::finished, this, &MainWindow::labRunFinished);
    connect(m_compare, &ComparePage::showInTimeline, this, &MainWindow::showFindingInTimeline);
    connect(m_document, &SessionDocument::runLayoutReady, this, &MainWindow::showFindingFrame);

    QSettings settings;
    restoreGeometry(settings.value("window/geometry").toByteArray());
    restoreState(settings.value("window/state").toByteArray());
    if (!settings.contains("window/geometry"))
        resize(1500, 950);
}

MainWindow::~MainWindow() = default;

void MainWindow::labRunFinished(bool ok, bool cancelled, const QString& message, const QVector<qint64>& runIds)
{
    m_experiment->setRunning(false);
    if (ok) {
        log(tr("lab finished: %1 runs written to %2").arg(runIds.size()).arg(m_document->path()));
        m_showCompareAfterLoad = true;
    } else if (cancelled) {
        log(tr("cancelled: the %1 steps finished before are kept in %2").arg(runIds.size()).arg(m_document->path()));
        statusBar()->showMessage(tr("Cancelled; %1 finished steps kept").arg(runIds.size()), 10000);
    } else {
        showError(tr("The lab stopped"),
            message
                + (runIds.isEmpty() ? QString()
                                    : tr("\n\nThe %1 steps finished before are kept in %2.")
                                          .arg(runIds.size())
                                          .arg(m_document->path())));
    }
    if (QFileInfo::exists(m_document->path())) {
        connect(
            m_document, &SessionDocument::loaded, this, [this, ok, cancelled] { emit labFinished(ok, cancelled); },
            Qt::SingleShotConnection);
        m_document->reload();
    } else {
        emit labFinished(ok, cancelled);
    }
}

void MainWindow::showFindingFrame(qint64 runId)
{
    if (runId != m_findingRun)
        return;
    // The frame that shows the finding best: the one with the longest range of its stage.
    const auto layout = m_document->cachedLayout(runId);
    m_findingRun = -1;
    if (!layout)
        return;
    const prof::TraceModel& model = layout->model();
    int64_t best = -1, longest = -1;
    for (const prof::ThreadTrack& thread : model.threads) {
        for (const prof::SliceEvent& range : thread.ranges) {
            if (range.payload >= 0 && model.strings.get(range.name) == m_findingStage.toStdString()
                && range.endNs - range.startNs > longest) {
                longest = range.endNs - range.startNs;
                best = range.payload;
            }
        }
    }
    // Ranges of batched steps carry the batch index: its first frame.
    for (const prof::FrameEvent& frame : model.frames) {
        if (frame.batchIndex == best && frame.frameIndex >= 0) {
            best = frame.frameIndex;
            break;
        }
    }
    m_timeline->showRun(runId, std::max<int64_t>(0, best));
}

void MainWindow::createDocks()
{
    auto* experimentDock = new QDockWidget(tr("Experiment"), this);
    experimentDock->setObjectName("ExperimentDock");
    experimentDock->setWidget(m_experiment);
    addDockWidget(Qt::LeftDockWidgetArea, experimentDock);

    m_runsView->setModel(m_runsModel);
    m_runsView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_runsView->verticalHeader()->hide();
    m_runsView->horizontalHeader()->setStretchLastSection(true);
    m_runsView->setToolTip(tr("Double-click: timeline of the run. Select two runs: compare them."));
    auto* runsDock = new QDockWidget(tr("Runs"), this);
    runsDock->setObjectName("RunsDock");
    runsDock->setWidget(m_runsView);
    addDockWidget(Qt::LeftDockWidgetArea, runsDock);
    connect(m_runsView, &QTableView::doubleClicked, this, [this](const QModelIndex& index) {
        m_timeline->showRun(m_runsModel->runIdAt(index.row()));
        showPage(TimelinePageIndex);
    });
    connect(m_runsView->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        const QModelIndexList rows = m_runsView->selectionModel()->selectedRows();
        if (rows.size() == 2) {
            const qint64 first = m_runsModel->runIdAt(std::min(rows[0].row(), rows[1].row()));
            const qint64 second = m_runsModel->runIdAt(std::max(rows[0].row(), rows[1].row()));
            m_compare->comparePair(first, second);
            m_timeline->showPair(first, second, 0);
        }
    });

    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(5000);
    auto* logDock = new QDockWidget(tr("Log"), this);
    logDock->setObjectName("LogDock");
    logDock->setWidget(m_log);
    addDockWidget(Qt::BottomDockWidgetArea, logDock);
    resizeDocks({ logDock }, { 110 }, Qt::Vertical);
    resizeDocks({ experimentDock }, { 380 }, Qt::Horizontal);
}

namespace {

/// A menu item with a shortcut, set after the item is made: QWidget::addAction(text, shortcut, receiver, slot) is
/// Qt 6.3's, and Ubuntu 22.04 (JetPack 6) has Qt 6.2.
template<typename Receiver, typename Slot>
QAction* addShortcutAction(QMenu* menu, const QString& text, const QKeySequence& keys, Receiver* receiver, Slot slot)
{
    QAction* action = menu->addAction(text, receiver, slot);
    action->setShortcut(keys);
    return action;
}

} // namespace

void MainWindow::createMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    addShortcutAction(file, tr("&New Session"), QKeySequence::New, this, &MainWindow::newSession);
    addShortcutAction(file, tr("&Open Session or Trace…"), QKeySequence::Open, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open a session or a trace"), defaultSessionFolder(),
            tr("Sessions and traces (*.sqlite *.json *.gz *.nvtxt *.txt);;All files (*)"));
        if (!path.isEmpty())
            openFile(path);
    });
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    rebuildRecentMenu();
    addShortcutAction(file, tr("&Save Session As…"), QKeySequence::SaveAs, this, &MainWindow::saveSessionAs);
    addShortcutAction(file, tr("&Export…"), QKeySequence(tr("Ctrl+E")), this, [this] {
        if (!m_document->snapshot() || m_document->snapshot()->runs.empty()) {
            showError(tr("Nothing to export"), tr("The session has no runs yet: run the lab or open a session."));
            return;
        }
        ExportDialog dialog(m_document, this);
        connect(&dialog, &ExportDialog::exported, this, [this](bool ok, const QString& message) {
            if (ok)
                log(message);
            else
                showError(tr("Export failed"), message);
        });
        dialog.exec();
    });
    file->addSeparator();
    addShortcutAction(file, tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* lab = menuBar()->addMenu(tr("&Lab"));
    addShortcutAction(lab, tr("&Run"), QKeySequence(tr("Ctrl+R")), this, &MainWindow::runLab);
    addShortcutAction(lab, tr("&Cancel"), QKeySequence(tr("Ctrl+.")), this, &MainWindow::cancelLab);
    lab->addSeparator();
    QAction* weights = lab->addAction(tr("Get Real &Weights…"), this, &MainWindow::showWeightsDialog);
    weights->setObjectName("GetRealWeightsAction");
    weights->setStatusTip(tr("Download the published SSD300 checkpoint and the bench models' weights into the cache"));

    QMenu* view = menuBar()->addMenu(tr("&View"));
    const QStringList names
        = { tr("Live"), tr("Timeline"), tr("Compare"), tr("Telemetry"), tr("Lesson"), tr("Bench"), tr("Devices") };
    for (int i = 0; i < names.size(); ++i)
        addShortcutAction(
            view, names[i], QKeySequence(QStringLiteral("Ctrl+%1").arg(i + 1)), this, [this, i] { showPage(Page(i)); });
    view->addSeparator();
    for (QDockWidget* dock : findChildren<QDockWidget*>())
        view->addAction(dock->toggleViewAction());

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Timeline keys"), this, [this] {
        QMessageBox::information(this, tr("Timeline keys"),
            tr("Wheel: zoom around the cursor · Shift+wheel: scroll lanes\nDrag: pan · Shift+drag: select a range "
               "and see its statistics\nDouble-click: zoom to an event · click: select it (arrow from its launch)\n"
               "W/S: zoom in/out · A/D: pan · F: fit the selection or the run · Esc: clear"));
    });
    help->addAction(tr("&About EdgeScope"), this, [this] {
        QMessageBox::about(this, tr("About EdgeScope"),
            tr("EdgeScope %1: a profiling-driven optimization lab for edge AI.")
                .arg(QApplication::applicationVersion()));
    });
}

void MainWindow::showPage(Page page)
{
    m_pages->setCurrentIndex(int(page));
}

void MainWindow::log(const QString& line)
{
    m_log->appendPlainText(QDateTime::currentDateTime().toString("HH:mm:ss ") + line);
    if (m_quiet) // scripts and tests read the log on stderr
        std::fprintf(stderr, "edgescope: %s\n", qPrintable(line));
}

void MainWindow::showError(const QString& title, const QString& message)
{
    m_lastError = message;
    log(title + ": " + message);
    if (!m_quiet)
        QMessageBox::critical(this, title, message);
}

void MainWindow::openFile(const QString& path)
{
    if (m_lab->isRunning()) {
        showError(tr("A lab is running"), tr("Wait for the run to end (or cancel it) before opening %1.").arg(path));
        return;
    }
    if (!QFileInfo::exists(path)) {
        showError(tr("Cannot open the file"), tr("cannot open %1: the file does not exist; check the path").arg(path));
        return;
    }
    log(tr("opening %1").arg(path));
    addRecentFile(QFileInfo(path).absoluteFilePath());
    m_showCompareAfterLoad = true; // a session opens on its waterfall and findings
    m_document->open(QFileInfo(path).absoluteFilePath());
}

void MainWindow::setUpOpenProgress()
{
    m_openBar->setObjectName("openBar");
    m_openBar->setRange(0, 1000);
    m_openBar->setFormat(tr("Opening the session: %p%"));
    m_openBar->setMaximumWidth(260);
    m_openBar->hide();
    statusBar()->addPermanentWidget(m_openBar);
    m_openTimer->setInterval(100);
    const auto show = [this] {
        const double progress = m_document->openProgress();
        m_openBar->setVisible(progress >= 0);
        if (progress >= 0)
            m_openBar->setValue(int(progress * 1000));
        else
            m_openTimer->stop();
    };
    connect(m_openTimer, &QTimer::timeout, this, show);
    connect(m_document, &SessionDocument::openStarted, this, [this, show] {
        m_openTimer->start();
        show();
    });
}

void MainWindow::sessionLoaded()
{
    const auto snapshot = m_document->snapshot();
    const QString name = QFileInfo(m_document->path()).completeBaseName();
    setWindowTitle(tr("EdgeScope - %1").arg(name.isEmpty() ? tr("no session") : name));
    m_runsModel->setRuns(snapshot ? snapshot->runs : std::vector<prof::RunSummary> {});
    m_runsView->resizeColumnsToContents();
    m_statusLabel->setText(
        snapshot ? tr("%1 runs · %2").arg(snapshot->runs.size()).arg(m_document->path()) : QString());
    if (snapshot && !snapshot->importedFrom.empty())
        log(tr("imported %1 into %2").arg(QString::fromStdString(snapshot->importedFrom), m_document->path()));
    if (m_showCompareAfterLoad) {
        m_showCompareAfterLoad = false;
        if (snapshot && !snapshot->runs.empty())
            showPage(ComparePageIndex);
    }
}

void MainWindow::newSession()
{
    const QString path
        = defaultSessionFolder() + "/lab-" + QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss") + ".sqlite";
    m_document->startNew(path);
    log(tr("new session: runs will be written to %1").arg(path));
}

void MainWindow::runLab()
{
    if (m_lab->isRunning())
        return;
    engine::LabOptions options = m_experiment->options();
    auto weights = resolveLabWeights(options.weightsPath);
    if (!weights) {
        showError(tr("Cannot run the lab"), weightsFailureMessage(weights.status()));
        return;
    }
    options.weightsPath = weights.value().path;
    const Status valid = engine::validateLabOptions(options);
    if (!valid.isOk()) {
        showError(tr("Cannot run the lab"), labFailureMessage(valid));
        return;
    }
    if (m_document->path().isEmpty())
        newSession();
    options.sessionPath = m_document->path().toStdString();
    m_experiment->saveSettings();
    m_experiment->setRunning(true);
    showPage(LivePageIndex);
    log(tr("running steps on %1, writing to %2")
            .arg(options.synthetic ? QStringLiteral("synthetic frames") : QString::fromStdString(options.video))
            .arg(m_document->path()));
    log(tr("weights: %1").arg(weights.value().description));
    m_lab->start(std::move(options));
}

void MainWindow::showWeightsDialog()
{
    if (!m_weightsDialog) {
        m_weightsDialog = new WeightsDialog(this);
        m_weightsDialog->setQuiet(m_quiet);
        connect(m_weightsDialog, &WeightsDialog::fetched, this,
            [this](const QString& name, const QString&, const QString& message) {
                log(tr("weights %1: %2").arg(name, message));
                m_experiment->refreshWeights();
            });
        connect(m_weightsDialog, &WeightsDialog::failed, this,
            [this](const QString& name, const QString& message, bool cancelled) {
                m_lastError = message;
                log(cancelled ? tr("fetch of %1 cancelled: %2").arg(name, message)
                              : tr("cannot fetch %1: %2").arg(name, message));
            });
    }
    m_weightsDialog->refresh();
    m_weightsDialog->show();
    m_weightsDialog->raise();
    m_weightsDialog->activateWindow();
}

void MainWindow::cancelLab()
{
    if (!m_lab->isRunning())
        return;
    log(tr("cancelling after the current batch…"));
    m_lab->cancel();
}

void MainWindow::saveSessionAs()
{
    if (m_document->path().isEmpty() || !QFileInfo::exists(m_document->path())) {
        showError(tr("Nothing to save"), tr("The session has no runs yet: run the lab first."));
        return;
    }
    const QString target = QFileDialog::getSaveFileName(
        this, tr("Save the session as"), QFileInfo(m_document->path()).fileName(), tr("Lab sessions (*.sqlite)"));
    if (target.isEmpty())
        return;
    if (m_lab->isRunning()) {
        showError(tr("A lab is running"), tr("Save the session once the run has ended."));
        return;
    }
    QFile::remove(target);
    if (!QFile::copy(m_document->path(), target)) {
        showError(tr("Cannot save the session"),
            tr("cannot write %1: check that the folder exists and is writable, and that the disk has room")
                .arg(target));
        return;
    }
    addRecentFile(target);
    m_document->open(target);
}

void MainWindow::showFindingInTimeline(qint64 runId, const QString& stage)
{
    m_findingRun = runId;
    m_findingStage = stage.isEmpty() ? QStringLiteral("postprocess") : stage;
    showPage(TimelinePageIndex);
    m_document->requestRunLayout(runId);
}

QStringList MainWindow::recentFiles() const
{
    return QSettings().value("recentFiles").toStringList();
}

void MainWindow::addRecentFile(const QString& path)
{
    QStringList files = recentFiles();
    files.removeAll(path);
    files.prepend(path);
    while (files.size() > kMaxRecentFiles)
        files.removeLast();
    QSettings().setValue("recentFiles", files);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu()
{
    if (!m_recentMenu)
        return;
    m_recentMenu->clear();
    for (const QString& path : recentFiles())
        m_recentMenu->addAction(path, this, [this, path] { openFile(path); });
    m_recentMenu->setEnabled(!m_recentMenu->isEmpty());
}

bool MainWindow::savePageScreenshot(Page page, const QString& folder, QString* error)
{
    static const char* const names[] = { "live", "timeline", "compare", "telemetry", "lesson", "bench", "devices" };
    QDir().mkpath(folder);
    showPage(page);
    QApplication::processEvents();
    const QString path = folder + "/gui-" + names[int(page)] + ".png";
    // The Compare page scrolls: its whole length too, for the docs.
    const bool whole = page != ComparePageIndex || m_compare->grabWholePage().save(folder + "/gui-compare-all.png");
    if (grab().save(path) && whole)
        return true;
    if (error)
        *error = tr("cannot write %1: check that the folder exists and is writable").arg(path);
    return false;
}

bool MainWindow::saveScreenshots(const QString& folder, QString* error)
{
    for (Page page : { LivePageIndex, TimelinePageIndex, ComparePageIndex, TelemetryPageIndex, LessonPageIndex,
             BenchPageIndex, DevicesPageIndex }) {
        if (!savePageScreenshot(page, folder, error))
            return false;
    }
    return true;
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (m_lab->isRunning()) {
        if (!m_quiet
            && QMessageBox::question(this, tr("Cancel the run?"),
                   tr("A lab is running. Cancel it and quit? The steps finished so far are kept in the session."))
                != QMessageBox::Yes) {
            event->ignore();
            return;
        }
        m_lab->cancel();
    }
    m_experiment->saveSettings();
    QSettings settings;
    settings.setValue("window/geometry", saveGeometry());
    settings.setValue("window/state", saveState());
    QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    for (const QUrl& url : event->mimeData()->urls()) {
        if (url.isLocalFile()) {
            openFile(url.toLocalFile());
            break;
        }
    }
}

} // namespace es::app
