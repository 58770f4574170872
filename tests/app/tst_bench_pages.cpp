// SPDX-License-Identifier: Apache-2.0
// The Bench and Devices pages on fixture sessions of two devices (bench runs as edgescope-cli bench writes them: the
// figures in each run's result JSON, the device's facts in the session's environment): the charts' figures against
// the runs, the agreement and peak share in their labels, the model x precision and device x model tables, PNG and
// SVG export, the errors of a session without bench runs, and a real bench of one small model run from the page.
#include "bench_data.h"
#include "bench_page.h"
#include "chart_card.h"
#include "devices_page.h"
#include "item_models.h"
#include "session_document.h"

#include "bench_controller.h"
#include "bench_fixture.h"
#include "store/session_store.h"

#include <nlohmann/json.hpp>

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace es::app;

class TestBenchPages : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_folder;
    QString m_nano, m_pi, m_lab;

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        m_nano = m_folder.path() + "/nano.sqlite";
        m_pi = m_folder.path() + "/pi.sqlite";
        std::string error = es::test::writeNanoBenchSession(m_nano.toStdString());
        QVERIFY2(error.empty(), error.c_str());
        error = es::test::writePiBenchSession(m_pi.toStdString());
        QVERIFY2(error.empty(), error.c_str());
        m_lab = m_folder.path() + "/lab-only.sqlite";
        auto store = es::prof::SessionStore::openForWriting(m_lab.toStdString());
        QVERIFY(store.isOk());
        es::prof::RunData lab;
        lab.run.step = "s0-baseline";
        QVERIFY(store.value()->writeRun(lab).isOk());
    }

    void benchFiguresComeFromTheRuns()
    {
        auto store = es::prof::SessionStore::openForReading(m_nano.toStdString()).value();
        const auto runs = es::prof::latestBenchRuns(es::prof::readBenchRuns(*store).value());
        QCOMPARE(runs.size(), size_t(4));
        const BarChartData fps = benchFpsData(runs);
        QCOMPARE(fps.series.size(), size_t(2)); // fp32, fp16
        QCOMPARE(fps.series[0].name, QStringLiteral("fp32"));
        QCOMPARE(fps.series[1].values[0], 6.0); // SSD300 fp16
        QCOMPARE(fps.series[1].values[1], 14.0); // ResNet-50 fp16
        QVERIFY2(
            fps.categories[0].startsWith("SSD300 · fp16: 99.1 % detections matched"), qPrintable(fps.categories[0]));
        QVERIFY2(fps.title.contains("NVIDIA Tegra X1"), qPrintable(fps.title));
        const BarChartData gflops = benchGflopsData(runs);
        QVERIFY2(
            gflops.title.contains("fp32 peak 470") && gflops.title.contains("fp16 peak 940"), qPrintable(gflops.title));
        QVERIFY2(gflops.categories[0].contains("fp32 29.8 %"), qPrintable(gflops.categories[0])); // 140 / 470
        QCOMPARE(gflops.series[0].values[1], 66.0);
        const BarChartData memory = benchMemoryData(runs);
        QCOMPARE(memory.series[1].values[0], 52.0);
        QVERIFY(memory.categories[0].contains("peak MB"));
        QVERIFY(agreementText(runs[0]).isEmpty()); // fp32 is the reference
    }

    void benchPageShowsTheOpenSession()
    {
        SessionDocument document;
        BenchPage page(&document);
        page.resize(1400, 1800);
        page.show();
        QSignalSpy loaded(&document, &SessionDocument::loaded);
        document.open(m_nano);
        QVERIFY(loaded.wait(30000));
        QTRY_COMPARE(page.cards().size(), size_t(3));
        QCOMPARE(page.tableModel()->rowCount(), 4);
        QCOMPARE(page.tableModel()->data(page.tableModel()->index(1, 1), Qt::DisplayRole).toString(),
            QStringLiteral("fp16"));
        QTemporaryDir charts;
        QString error;
        QCOMPARE(page.exportCharts(charts.path(), &error), 6);
        QVERIFY(QFileInfo(charts.path() + "/bench-fps.svg").size() > 1000);
        QVERIFY(QFileInfo(charts.path() + "/bench-gflops.png").size() > 1000);
        // Nothing chosen: said, not run.
        page.choose({}, { "fp32" }, 1, "cpu");
        QVERIFY(!page.runBench());
        QVERIFY(page.statusText().contains("at least one model"));
    }

    void devicesPageComparesTwoDevices()
    {
        DevicesPage page;
        page.resize(1400, 1400);
        page.show();
        QString error;
        QVERIFY2(page.addSession(m_pi, &error), qPrintable(error));
        QVERIFY(page.addSession(m_nano, &error));
        QCOMPARE(page.devices().size(), size_t(2));
        QCOMPARE(page.devices()[0].name, std::string("Cortex-A72"));
        QCOMPARE(page.devices()[1].name, std::string("NVIDIA Jetson Nano Developer Kit (0 (MAXN))"));
        const BarChartData fps = deviceFpsData(page.devices());
        // Only fp32 was measured on both: SSD300 4.0 against 1.0, ResNet-50 8.0 against 2.0.
        QCOMPARE(fps.categories, QStringList({ "SSD300 fp32: 4.00x", "ResNet-50 fp32: 4.00x" }));
        QCOMPARE(fps.series[0].values, QVector<double>({ 1.0, 2.0 }));
        QCOMPARE(fps.series[1].values, QVector<double>({ 4.0, 8.0 }));
        QCOMPARE(page.ratioModel()->rowCount(), 2);
        QCOMPARE(page.ratioModel()->data(page.ratioModel()->index(0, 4), Qt::UserRole).toDouble(), 4.0);
        // The facts side by side; a fact one device lacks says so.
        StatsTableModel* facts = page.factsModel();
        QCOMPARE(facts->columnCount(), 3);
        const auto text = [facts](int row, int column) {
            return facts->data(facts->index(row, column), Qt::DisplayRole).toString();
        };
        bool sawClock = false;
        for (int row = 0; row < facts->rowCount(); ++row)
            if (text(row, 0) == "CPU max clock") {
                sawClock = true;
                QCOMPARE(text(row, 1), QStringLiteral("1.8 GHz"));
                QCOMPARE(text(row, 2), QStringLiteral("not recorded"));
            }
        QVERIFY(sawClock);
        QTemporaryDir charts;
        QCOMPARE(page.exportCharts(charts.path(), &error), 2);
        // The whole comparison as HTML (the figures checked in test_device_report) and as a PDF of it.
        QVERIFY2(page.exportReport(charts.filePath("devices.html"), &error), qPrintable(error));
        QFile html(charts.filePath("devices.html"));
        QVERIFY(html.open(QIODevice::ReadOnly));
        const QByteArray written = html.readAll();
        QVERIFY(written.contains(">SSD300 fp32: 4.00x</text>"));
        QVERIFY(written.contains("<td class=\"l\">1.8 GHz</td><td class=\"l\">not recorded</td>"));
        QVERIFY2(page.exportReport(charts.filePath("devices.pdf"), &error), qPrintable(error));
        QFile pdf(charts.filePath("devices.pdf"));
        QVERIFY(pdf.open(QIODevice::ReadOnly));
        QVERIFY(pdf.read(5) == "%PDF-");
        QVERIFY(pdf.size() > 20000); // the chart drawn as a picture
        QVERIFY(!page.exportReport("/nonexistent/folder/devices.html", &error));
        QVERIFY2(error.contains("/nonexistent/folder"), qPrintable(error));
        // A lab session has no bench runs; a missing file is named.
        QVERIFY(!page.addSession(m_lab, &error));
        QVERIFY2(error.contains("has no bench runs") && error.contains(m_lab), qPrintable(error));
        // A session on the page already is refused; the same board twice (another power mode, say) is told apart by
        // the files' names from then on.
        QVERIFY(!page.addSession(m_pi, &error));
        QVERIFY2(error.contains("already"), qPrintable(error));
        const QString powersave = m_folder.path() + "/pi-powersave.sqlite";
        QVERIFY(QFile::copy(m_pi, powersave));
        QVERIFY2(page.addSession(powersave, &error), qPrintable(error));
        QCOMPARE(page.devices()[0].name, std::string("Cortex-A72 · pi"));
        QCOMPARE(page.devices()[2].name, std::string("Cortex-A72 · pi-powersave"));
        QCOMPARE(page.ratioModel()->headerData(2, Qt::Horizontal, Qt::DisplayRole).toString(),
            QStringLiteral("FPS Cortex-A72 · pi"));
        QVERIFY(!page.addSession("/nonexistent/device.sqlite", &error));
        QVERIFY(error.contains("/nonexistent/device.sqlite"));
        QCOMPARE(page.devices().size(), size_t(3));
        page.clear();
        QVERIFY(deviceFpsData(page.devices()).series.empty());
        QVERIFY(!page.exportReport(m_folder.filePath("none.html"), &error));
        QVERIFY2(error.contains("add the bench sessions"), qPrintable(error));
    }

    void aBenchRunsFromThePageAndCanBeCancelled()
    {
        // A real bench of the smallest model on this machine's CPU, into a new session, then one cancelled at once.
        SessionDocument document;
        BenchPage page(&document);
        page.choose({ "mobilenetv2" }, { "fp32" }, 1, "cpu");
        QSignalSpy finished(&page, &BenchPage::benchFinished);
        QVERIFY(page.runBench());
        QVERIFY(!page.runBench()); // one at a time
        QVERIFY(finished.wait(240000));
        QCOMPARE(finished.first().at(0).toBool(), true);
        QSignalSpy loaded(&document, &SessionDocument::loaded);
        QTRY_VERIFY_WITH_TIMEOUT(page.tableModel()->rowCount() == 1, 30000);
        QVERIFY(page.tableModel()->data(page.tableModel()->index(0, 6), Qt::UserRole).toDouble() > 0); // FPS
        finished.clear();
        page.choose({ "mobilenetv2", "resnet50" }, { "fp32" }, 1, "cpu");
        QVERIFY(page.runBench());
        page.cancelBench();
        QVERIFY(finished.wait(240000));
        QCOMPARE(finished.first().at(1).toBool(), true); // cancelled
        QVERIFY(page.statusText().startsWith("Cancelled"));
    }
};

QTEST_MAIN(TestBenchPages)
#include "tst_bench_pages.moc"
