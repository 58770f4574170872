// SPDX-License-Identifier: Apache-2.0
// A fixture session fills every page of the real main window (offscreen): runs, compare charts and their PNG/SVG
// export, the timeline alone and side by side (aligned on a frame, zoom locked), telemetry, the lesson, the export
// dialog (Chrome JSON and PDF), drag and drop, and the error paths.
#include "chart_card.h"
#include "compare_data.h"
#include "compare_page.h"
#include "export_dialog.h"
#include "item_models.h"
#include "lesson_page.h"
#include "live_page.h"
#include "main_window.h"
#include "session_document.h"
#include "synthetic_trace.h"
#include "telemetry_page.h"
#include "timeline_page.h"
#include "timeline_view.h"

#include <QMimeData>
#include <QSignalSpy>
#include <QSvgRenderer>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace es::app;

class TestMainWindow : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_folder;
    QString m_session;
    std::unique_ptr<MainWindow> m_window;

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        m_session = m_folder.path() + "/pages.sqlite";
        const std::string written = es::test_support::writeBeforeAfterSession(m_session.toStdString(), 8);
        QVERIFY2(written.empty(), written.c_str());
        m_window = std::make_unique<MainWindow>();
        m_window->setQuiet(true);
        m_window->resize(1500, 950);
        m_window->show();
        QSignalSpy loaded(m_window->document(), &SessionDocument::loaded);
        m_window->openFile(m_session);
        QVERIFY(loaded.wait(30000));
    }

    void titleAndRuns()
    {
        QCOMPARE(m_window->windowTitle(), QStringLiteral("EdgeScope - pages"));
        QCOMPARE(m_window->runsModel()->rowCount(), 2);
        QVERIFY(m_window->recentFiles().contains(QFileInfo(m_session).absoluteFilePath()));
    }

    void comparePageHasEveryChartAndExportsThem()
    {
        m_window->showPage(MainWindow::ComparePageIndex);
        ComparePage* page = m_window->comparePage();
        qInfo("charts drawn by %s", chartsUseQtCharts() ? "Qt Charts" : "QPainter");
        QTRY_COMPARE_WITH_TIMEOUT(page->cards().size(), size_t(7), 20000);
        QVERIFY(page->metricsModel()->rowCount() > 5);
        QVERIFY(page->findingsModel()->rowCount() > 0);
        QTemporaryDir charts;
        QString error;
        QCOMPARE(page->exportCharts(charts.path(), &error), 14);
        for (const ChartCard* card : page->cards()) {
            QImage png(charts.path() + "/" + card->name() + ".png");
            QVERIFY2(!png.isNull() && png.width() > 100, qPrintable(card->name()));
            QSvgRenderer svg(charts.path() + "/" + card->name() + ".svg");
            QVERIFY2(svg.isValid(), qPrintable(card->name()));
        }
        QCOMPARE(page->exportCharts("/proc/no-such-folder", &error), -1);
        // A click on s0's bar asks for its timeline where its costliest finding is: the postprocess copy loop.
        QSignalSpy open(page, &ComparePage::showInTimeline);
        page->openRunInTimeline(0);
        QCOMPARE(open.size(), 1);
        QCOMPARE(open.first().at(0).toLongLong(), m_window->runsModel()->runIdAt(0));
        QCOMPARE(open.first().at(1).toString(), QStringLiteral("postprocess"));
        // The window answers with the timeline of that run, on the frame whose postprocess took longest.
        TimelineView* top = m_window->timelinePage()->topView();
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->document()->isLoading() && top->timelineLayout(), 20000);
        QCOMPARE(m_window->pages()->currentIndex(), int(MainWindow::TimelinePageIndex));
        QCOMPARE(top->timelineLayout()->model().frames.size(), size_t(8));
        QCOMPARE(top->origin(), top->timelineLayout()->frameStartNs(0)); // every frame of s0 is alike: the first
        QVERIFY(error.contains("/proc/no-such-folder"));
    }

    void compareFiguresComeFromTheAnalysis()
    {
        const auto snapshot = m_window->document()->snapshot();
        QVERIFY(snapshot && snapshot->analysis);
        const auto& runs = snapshot->analysis->runs;
        const BarChartData waterfall = waterfallData(*snapshot->analysis);
        QCOMPARE(waterfall.categories.size(), 2);
        QCOMPARE(waterfall.categories[0], QStringLiteral("s0: 50.00"));
        QCOMPARE(waterfall.categories[1], QStringLiteral("s1: 71.43 (+43 %)"));
        QCOMPARE(waterfall.series.size(), size_t(2));
        QCOMPARE(waterfall.series[1].values[1], runs[1].metrics.fps);
        QCOMPARE(waterfall.series[1].values[0], 0.0);
        // Error bars: each run's FPS interval from its batch rates (every frame of these runs takes the same time).
        QCOMPARE(waterfall.errorBars.size(), 2);
        QVERIFY(runs[1].metrics.fpsInterval.has_value());
        QCOMPARE(waterfall.errorBars[1], QPointF(runs[1].metrics.fpsInterval->low, runs[1].metrics.fpsInterval->high));
        QVERIFY(waterfall.errorBars[1].x() > 0 && waterfall.errorBars[1].x() <= waterfall.errorBars[1].y());
        const es::prof::Comparison comparison = es::prof::compareRuns(runs[0], runs[1]);
        QVERIFY(comparison.speedup.has_value());
        const QString expected = QStringLiteral("Measured speedup %1x (95% interval %2-%3x): %4")
                                     .arg(comparison.speedup->value, 0, 'f', 2)
                                     .arg(comparison.speedup->interval.low, 0, 'f', 2)
                                     .arg(comparison.speedup->interval.high, 0, 'f', 2)
                                     .arg(QString::fromStdString(comparison.speedupVerdict));
        QCOMPARE(speedupSentence(comparison), expected);
        QVERIFY(comparison.speedup->value > 1.0); // the after run is faster in every frame
        QVERIFY2(verdictSentence(runs[0].metrics).endsWith("s0: not judged (no lab verdict in this session)"),
            qPrintable(verdictSentence(runs[0].metrics)));
        es::prof::RunMetrics disturbed = runs[1].metrics;
        disturbed.verdict = "disturbed";
        disturbed.verdictReasons = { "other processes used 54% of the 2 CPUs", "its 3 rounds disagree" };
        QVERIFY2(verdictSentence(disturbed).endsWith(
                     "s1: disturbed (other processes used 54% of the 2 CPUs; its 3 rounds disagree)"),
            qPrintable(verdictSentence(disturbed)));
        es::prof::LabAnalysis withVerdict = *snapshot->analysis;
        withVerdict.runs[1].metrics = disturbed;
        QCOMPARE(waterfallData(withVerdict).categories[1], QStringLiteral("s1: 71.43 (+43 %) · disturbed"));
        const BarChartData copies = copiesData(runs[0].metrics, runs[1].metrics);
        QCOMPARE(copies.series[1].name, QStringLiteral("DtoH copies"));
        QCOMPARE(copies.series[1].values[0], 300.0); // the s0 loop: 300 copies per frame
        QCOMPARE(copies.series[1].values[1], 1.0); // one per frame after
        QCOMPARE(copies.series[3].values[0], 300.0); // and as many synchronizations
        const BarChartData stages = stageData(runs[0].metrics, runs[1].metrics);
        QCOMPARE(stages.series.size(), size_t(4));
        QCOMPARE(stages.series[2].name, QStringLiteral("detector"));
        QVERIFY(std::fabs(stages.series[2].values[0] - 10.0) < 1e-6); // 200 kernels launched every 50 us
        const BarChartData energy = energyData(runs[0].metrics, runs[1].metrics);
        QVERIFY(energy.series.empty()); // no power sensor in these runs: said, not drawn as 0
        QVERIFY(energy.title.contains("no power sensor"));
    }

    void timelineShowsARunAndTwoSideBySide()
    {
        m_window->showPage(MainWindow::TimelinePageIndex);
        TimelinePage* page = m_window->timelinePage();
        const qint64 first = m_window->runsModel()->runIdAt(0);
        const qint64 second = m_window->runsModel()->runIdAt(1);
        page->showRun(first);
        QTRY_VERIFY_WITH_TIMEOUT(page->topView()->timelineLayout() != nullptr, 20000);
        TimelineView* top = page->topView();
        top->repaint();
        QVERIFY(top->lastItemCount() > 0);
        QCOMPARE(top->axis().startNs, int64_t(0)); // fitted on the whole run, origin at its start

        page->showPair(first, second, 2);
        QTRY_VERIFY_WITH_TIMEOUT(page->bottomView()->timelineLayout() != nullptr
                && page->bottomView()->timelineLayout()->model().frames.size() == 8
                && page->topView()->timelineLayout()->model().threads.size() == 1,
            20000);
        QTRY_COMPARE(page->bottomView()->origin(), page->bottomView()->timelineLayout()->frameStartNs(2));
        QCOMPARE(page->topView()->origin(), page->topView()->timelineLayout()->frameStartNs(2));
        QVERIFY(page->topView()->origin() != page->bottomView()->origin()); // different runs, aligned on frame 2
        QCOMPARE(page->topView()->axis().nsPerPixel, page->bottomView()->axis().nsPerPixel);
        // Zoom in the top view: the bottom one follows (locked).
        QWheelEvent wheel(QPointF(600, 80), top->mapToGlobal(QPointF(600, 80)), QPoint(), QPoint(0, 240), Qt::NoButton,
            Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(page->topView(), &wheel);
        QCOMPARE(page->bottomView()->axis().nsPerPixel, page->topView()->axis().nsPerPixel);
        QCOMPARE(page->bottomView()->axis().startNs, page->topView()->axis().startNs);
        // Keyboard: W zooms in, F fits the run.
        const double before = top->axis().nsPerPixel;
        QTest::keyClick(top, Qt::Key_W);
        QVERIFY(top->axis().nsPerPixel < before);
        // A Shift+drag selection fills the statistics.
        const int y = 60;
        QTest::mousePress(top, Qt::LeftButton, Qt::ShiftModifier, QPoint(TimelineView::kLabelWidth + 10, y));
        QTest::mouseMove(top, QPoint(TimelineView::kLabelWidth + 600, y));
        QTest::mouseRelease(top, Qt::LeftButton, Qt::ShiftModifier, QPoint(TimelineView::kLabelWidth + 600, y));
        QVERIFY(top->selection().has_value());
        QVERIFY(page->selectionModel()->rowCount() > 0);
        QTest::keyClick(top, Qt::Key_Escape);
        QVERIFY(!top->selection().has_value());
    }

    void telemetryLessonAndLive()
    {
        m_window->showPage(MainWindow::TelemetryPageIndex);
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->telemetryPage()->counterNames().isEmpty(), 10000);
        QVERIFY(m_window->telemetryPage()->counterNames().contains("ram used"));

        m_window->showPage(MainWindow::LessonPageIndex);
        m_window->lessonPage()->showStep("s1-cpu-postprocess");
        const QString lesson = m_window->lessonPage()->markdown();
        QVERIFY(lesson.contains("What to look for in the timeline"));
        QVERIFY2(lesson.contains("Measured on this machine") && lesson.contains("71.43 FPS"), qPrintable(lesson));
        QVERIFY2(lesson.contains("gone:"), qPrintable(lesson));

        LiveSnapshot snapshot;
        snapshot.frame = QImage(64, 48, QImage::Format_RGB888);
        snapshot.frame.fill(Qt::darkGray);
        snapshot.detections.push_back({ 0.1f, 0.1f, 0.5f, 0.6f, 1, 0.9f });
        snapshot.stepId = "s2-device-pre-post";
        snapshot.fps = 12.5;
        snapshot.framesDone = 4;
        snapshot.framesTotal = 12;
        snapshot.stagesMs = { { "detector", 70.0 }, { "postprocess", 9.0 } };
        m_window->livePage()->showUpdate(snapshot);
        QCOMPARE(m_window->livePage()->fpsText(), QStringLiteral("12.50 FPS"));
    }

    void exportDialogWritesChromeJsonAndPdf()
    {
        for (const QString& format : { QStringLiteral("chrome"), QStringLiteral("pdf") }) {
            ExportDialog dialog(m_window->document());
            dialog.setFormat(format);
            const QString target = m_folder.path() + "/export." + format;
            dialog.setOutputPath(target);
            QSignalSpy done(&dialog, &ExportDialog::exported);
            dialog.startExport();
            QVERIFY(done.wait(30000));
            QVERIFY2(done.first().at(0).toBool(), qPrintable(done.first().at(1).toString()));
            QFile file(target);
            QVERIFY(file.open(QIODevice::ReadOnly));
            const QByteArray content = file.readAll();
            QVERIFY2(
                format == "pdf" ? content.startsWith("%PDF") : content.startsWith("{"), content.left(16).constData());
            if (format == "pdf") // the report's SVG charts are drawn into the PDF as pictures
                QVERIFY(content.contains("/Subtype /Image"));
        }
        ExportDialog refused(m_window->document());
        refused.setFormat("nvtxt");
        refused.setOutputPath("/proc/no-such-folder/x.nvtxt");
        QSignalSpy done(&refused, &ExportDialog::exported);
        refused.startExport();
        QVERIFY(done.wait(30000));
        QVERIFY(!done.first().at(0).toBool());
        QVERIFY(done.first().at(1).toString().contains("/proc/no-such-folder"));
    }

    void errorsNameTheFile()
    {
        m_window->openFile(m_folder.path() + "/missing.sqlite");
        QVERIFY(m_window->lastError().contains("missing.sqlite"));
        QVERIFY(m_window->lastError().contains("does not exist"));
        const QString corrupt = m_folder.path() + "/corrupt.sqlite";
        QFile file(corrupt);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("SQLite format 3");
        file.write(QByteArray(2000, '\x17'));
        file.close();
        QSignalSpy failed(m_window->document(), &SessionDocument::failed);
        m_window->openFile(corrupt);
        QVERIFY(failed.wait(10000) || !failed.isEmpty());
        QVERIFY2(m_window->lastError().contains("corrupt.sqlite"), qPrintable(m_window->lastError()));
        QCOMPARE(m_window->runsModel()->rowCount(), 2); // the open session stays
    }

    void dropOpensTheFile()
    {
        QMimeData data;
        data.setUrls({ QUrl::fromLocalFile(m_session) });
        QSignalSpy loaded(m_window->document(), &SessionDocument::loaded);
        // As a drag from a file manager arrives: enter (the window accepts files), then the drop.
        QDragEnterEvent enter(QPoint(100, 100), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(m_window.get(), &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(100, 100), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(m_window.get(), &drop);
        QVERIFY2(loaded.wait(30000), qPrintable(m_window->lastError()));
        QCOMPARE(m_window->runsModel()->rowCount(), 2);
    }

    void cleanupTestCase() { m_window.reset(); }
};

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
