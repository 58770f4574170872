// SPDX-License-Identifier: Apache-2.0
// Every item model of the application under QAbstractItemModelTester, filled from a real session file.
#include "item_models.h"
#include "session_document.h"
#include "synthetic_trace.h"

#include <QAbstractItemModelTester>
#include <QTemporaryDir>
#include <QtTest>

using namespace es::app;

class TestItemModels : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_folder;
    std::shared_ptr<const SessionSnapshot> m_snapshot;

private slots:
    void initTestCase()
    {
        QVERIFY(m_folder.isValid());
        const std::string path = (m_folder.path() + "/models.sqlite").toStdString();
        const std::string written = es::test_support::writeBeforeAfterSession(path, 6);
        QVERIFY2(written.empty(), written.c_str());
        auto snapshot = loadSessionSnapshot(path);
        QVERIFY2(snapshot.isOk(), snapshot.status().message().c_str());
        m_snapshot = snapshot.value();
        QVERIFY(m_snapshot->analysis.has_value());
        QCOMPARE(m_snapshot->analysis->runs.size(), size_t(2));
    }

    void runList()
    {
        RunListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setRuns(m_snapshot->runs);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.columnCount(), int(RunListModel::ColumnCount));
        QCOMPARE(model.data(model.index(1, RunListModel::Step), Qt::DisplayRole).toString(),
            QStringLiteral("s1-cpu-postprocess"));
        QCOMPARE(model.data(model.index(0, RunListModel::Fps), Qt::DisplayRole).toString(), QStringLiteral("50.00"));
        QCOMPARE(model.runIdAt(1), m_snapshot->runs[1].runId);
        QCOMPARE(model.rowOfRun(m_snapshot->runs[1].runId), 1);
        model.setRuns({});
        QCOMPARE(model.rowCount(), 0);
    }

    void findingsOfAComparison()
    {
        FindingsModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const auto& runs = m_snapshot->analysis->runs;
        model.setFindings(runs[0].findings);
        QCOMPARE(model.rowCount(), int(runs[0].findings.size()));
        QVERIFY2(model.rowCount() > 0, "the copy loop of s0 gives findings");
        bool syncLoop = false;
        for (int row = 0; row < model.rowCount(); ++row)
            syncLoop = syncLoop || model.rowAt(row)->finding.rule == "sync-copy-in-loop";
        QVERIFY(syncLoop);
        const es::prof::Comparison comparison = es::prof::compareRuns(runs[0], runs[1]);
        model.setComparison(comparison);
        bool gone = false;
        for (int row = 0; row < model.rowCount(); ++row) {
            const auto* entry = model.rowAt(row);
            if (entry->finding.rule == "sync-copy-in-loop")
                gone = entry->change == QStringLiteral("gone");
            QVERIFY(!model.data(model.index(row, FindingsModel::Title), Qt::DisplayRole).toString().isEmpty());
            QVERIFY(!model.data(model.index(row, FindingsModel::Title), Qt::ToolTipRole).toString().isEmpty());
        }
        QVERIFY2(gone, "one copy per frame removes the copy-loop finding");
    }

    void metricsWithTheirChange()
    {
        MetricsModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const auto& runs = m_snapshot->analysis->runs;
        model.setMetrics(es::prof::compareRuns(runs[0], runs[1]).metrics);
        QVERIFY(model.rowCount() > 5);
        bool fps = false;
        for (int row = 0; row < model.rowCount(); ++row) {
            if (model.data(model.index(row, MetricsModel::Metric), Qt::DisplayRole).toString() == "FPS") {
                fps = true;
                QCOMPARE(model.data(model.index(row, MetricsModel::ChangeColumn), Qt::DisplayRole).toString(),
                    relativeChange(50.0, 1e9 / 14e6));
            }
        }
        QVERIFY(fps);
        QCOMPARE(relativeChange(10.0, 14.0), QStringLiteral("+40 %"));
        QCOMPARE(relativeChange(10.0, 9.5), QStringLiteral("-5.0 %"));
        QVERIFY(relativeChange(std::nullopt, 3.0).isEmpty());
    }

    void selectionStatistics()
    {
        SelectionStatsModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        auto layout = loadRunLayout(m_snapshot->path, m_snapshot->runs[0].runId);
        QVERIFY(layout.isOk());
        const int64_t start = layout.value()->model().startNs;
        model.setStats(selectionStats(*layout.value(), start, start + 20'000'000), 20'000'000);
        QVERIFY(model.rowCount() >= 6);
        // Sorted by time inside the selection: the frame (19 ms from the frame's start) comes first.
        QCOMPARE(model.data(model.index(0, SelectionStatsModel::Share), Qt::DisplayRole).toString(),
            QStringLiteral("95.0 %")); // 19 ms of frame in a 20 ms selection
        model.setStats({}, 1);
        QCOMPARE(model.rowCount(), 0);
    }
};

QTEST_GUILESS_MAIN(TestItemModels)
#include "tst_item_models.moc"
