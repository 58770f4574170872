// SPDX-License-Identifier: Apache-2.0
// The lab run from the GUI: a run on the synthetic source completes off the GUI thread (the event loop keeps
// turning), shows live frames and lands in the session; Cancel stops it and keeps the steps finished before.
#include "experiment_panel.h"
#include "item_models.h"
#include "lab_controller.h"
#include "live_page.h"
#include "main_window.h"
#include "session_document.h"

#include <QElapsedTimer>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

using namespace es::app;

class TestGuiRun : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_folder;

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void syntheticRunLandsInTheSession()
    {
        MainWindow window;
        window.setQuiet(true);
        window.show();
        const QString session = m_folder.path() + "/run.sqlite";
        window.document()->startNew(session);
        window.experiment()->setSynthetic(160, 120);
        window.experiment()->setFrames(1, 0);
        window.experiment()->setRepeat(2); // two interleaved rounds: each run gets its interval and verdict
        window.experiment()->setSteps({ 0, 1 });
        // The event loop must keep turning while the lab runs: count ticks of a 20 ms timer.
        int ticks = 0;
        QTimer heartbeat;
        connect(&heartbeat, &QTimer::timeout, [&ticks] { ++ticks; });
        heartbeat.start(20);
        QElapsedTimer clock;
        clock.start();
        QSignalSpy finished(&window, &MainWindow::labFinished);
        QTest::mouseClick(window.experiment()->runButton(), Qt::LeftButton);
        QVERIFY(window.lab()->isRunning());
        QVERIFY(!window.experiment()->runButton()->isEnabled());
        QVERIFY(finished.wait(300000));
        const double elapsedTicks = double(clock.elapsed()) / 20.0;
        QVERIFY2(
            ticks > elapsedTicks / 4, qPrintable(QStringLiteral("%1 ticks in %2 ms").arg(ticks).arg(clock.elapsed())));
        QCOMPARE(finished.first().at(0).toBool(), true);
        QVERIFY(window.livePage()->updatesShown() >= 1);
        QVERIFY(window.livePage()->fpsText().endsWith("FPS"));
        QCOMPARE(window.experiment()->progressBar()->value(), 100);
        const auto snapshot = window.document()->snapshot();
        QVERIFY(snapshot);
        QCOMPARE(snapshot->runs.size(), size_t(2));
        QCOMPARE(QString::fromStdString(snapshot->runs[0].record.step), QStringLiteral("s0-baseline"));
        QCOMPARE(QString::fromStdString(snapshot->runs[1].record.status), QStringLiteral("complete"));
        QCOMPARE(window.runsModel()->rowCount(), 2);
        QCOMPARE(window.pages()->currentIndex(), int(MainWindow::ComparePageIndex));
        QVERIFY(window.experiment()->runButton()->isEnabled());
        // The verdict beside each run, and on the Compare page with the speedup's interval.
        for (int row = 0; row < 2; ++row) {
            const QString verdict = window.runsModel()
                                        ->data(window.runsModel()->index(row, RunListModel::Verdict), Qt::DisplayRole)
                                        .toString();
            QVERIFY2(verdict == "steady" || verdict == "disturbed", qPrintable(verdict));
        }
        const auto* verdicts = window.findChild<QLabel*>("verdicts");
        QVERIFY(verdicts);
        QVERIFY2(verdicts->text().contains("Measured speedup") && verdicts->text().contains("interval")
                && verdicts->text().contains("#1 s0:") && verdicts->text().contains("#2 s1:"),
            qPrintable(verdicts->text()));
    }

    void cancelKeepsTheFinishedSteps()
    {
        MainWindow window;
        window.setQuiet(true);
        window.show();
        const QString session = m_folder.path() + "/cancel.sqlite";
        window.document()->startNew(session);
        window.experiment()->setSynthetic(160, 120);
        window.experiment()->setFrames(12, 0);
        window.experiment()->setRepeat(1); // one round: s0 is written before s1 starts
        window.experiment()->setSteps({ 0, 1, 2, 3, 4 });
        QSignalSpy finished(&window, &MainWindow::labFinished);
        // Cancel as soon as the second step shows a frame: s0 is then written to the session.
        connect(window.lab(), &LabController::live, &window, [&window](const LiveSnapshot& snapshot) {
            if (snapshot.stepNumber == 1)
                QTest::mouseClick(window.experiment()->cancelButton(), Qt::LeftButton);
        });
        QTest::mouseClick(window.experiment()->runButton(), Qt::LeftButton);
        QVERIFY(finished.wait(300000));
        QCOMPARE(finished.first().at(0).toBool(), false); // not ok
        QCOMPARE(finished.first().at(1).toBool(), true); // cancelled
        QVERIFY(!window.lab()->isRunning());
        QVERIFY(window.lastError().isEmpty()); // a cancel is not an error dialog
        const auto snapshot = window.document()->snapshot();
        QVERIFY(snapshot);
        QCOMPARE(snapshot->runs.size(), size_t(1));
        QCOMPARE(QString::fromStdString(snapshot->runs[0].record.step), QStringLiteral("s0-baseline"));
        QVERIFY(window.experiment()->runButton()->isEnabled());
        QVERIFY(!window.experiment()->cancelButton()->isEnabled());
    }

    void badInputIsADialogNotACrash()
    {
        MainWindow window;
        window.setQuiet(true);
        window.document()->startNew(m_folder.path() + "/bad.sqlite");
        window.experiment()->setVideo(m_folder.path() + "/no-such-clip.mp4");
        window.experiment()->setFrames(2, 0);
        window.experiment()->setRepeat(1);
        window.experiment()->setSteps({ 0 });
        QSignalSpy finished(&window, &MainWindow::labFinished);
        window.runLab();
        QVERIFY(finished.wait(120000));
        QCOMPARE(finished.first().at(0).toBool(), false);
        QVERIFY2(window.lastError().contains("no-such-clip.mp4"), qPrintable(window.lastError()));
    }
};

QTEST_MAIN(TestGuiRun)
#include "tst_gui_run.moc"
