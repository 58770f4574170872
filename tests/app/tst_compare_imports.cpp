// SPDX-License-Identifier: Apache-2.0
// Two PyTorch-profiler traces of one program, before and after a change, on the Compare page: the second comes in
// through "Add a trace…" (SessionDocument::addTrace), the runs compare per iteration (iterations per second with
// their intervals, ranges and kernels per iteration, the kernel diff), the iteration marker can be changed, and no
// figure that does not apply shows as 0.00. The traces are written here, so every expected figure is known.
#include "chart_card.h"
#include "compare_data.h"
#include "compare_page.h"
#include "item_models.h"
#include "session_document.h"

#include "exchange/exchange.h"

#include <QFile>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace es::app;

namespace {

/// One kernel each iteration launches: its name and duration in microseconds.
struct KernelSpec
{
    const char* name;
    int durationUs;
};

/// A Kineto trace of `steps` iterations of `stepUs` each on thread 1102 ("pt_main_thread"): ProfilerStep#N, a
/// "train_step" annotation of half the step inside it, and per kernel a cudaLaunchKernel and the kernel on stream 7.
QByteArray kinetoTrace(int steps, int stepUs, const std::vector<KernelSpec>& kernels)
{
    QStringList events;
    events
        << R"js({"ph": "M", "name": "thread_name", "pid": 1100, "tid": 1102, "args": {"name": "thread 1102 (pt_main_thread)"}})js";
    int correlation = 1;
    for (int step = 0; step < steps; ++step) {
        const int start = 1000 + step * stepUs;
        events << QStringLiteral(R"({"ph": "X", "cat": "user_annotation", "name": "ProfilerStep#%1", "pid": 1100, )"
                                 R"("tid": 1102, "ts": %2, "dur": %3})")
                      .arg(step)
                      .arg(start)
                      .arg(stepUs);
        events << QStringLiteral(R"({"ph": "X", "cat": "user_annotation", "name": "train_step", "pid": 1100, )"
                                 R"("tid": 1102, "ts": %1, "dur": %2})")
                      .arg(start + 1)
                      .arg(stepUs / 2);
        int kernelStart = start + 10;
        for (const KernelSpec& kernel : kernels) {
            events << QStringLiteral(R"({"ph": "X", "cat": "cuda_runtime", "name": "cudaLaunchKernel", "pid": 1100, )"
                                     R"("tid": 1102, "ts": %1, "dur": 5, "args": {"correlation": %2}})")
                          .arg(kernelStart - 8)
                          .arg(correlation);
            events << QStringLiteral(R"({"ph": "X", "cat": "kernel", "name": "%1", "pid": 0, "tid": 7, "ts": %2, )"
                                     R"("dur": %3, "args": {"correlation": %4, "stream": 7, "device": 0}})")
                          .arg(kernel.name)
                          .arg(kernelStart)
                          .arg(kernel.durationUs)
                          .arg(correlation);
            kernelStart += kernel.durationUs + 10;
            ++correlation;
        }
    }
    return QStringLiteral(R"({"traceEvents": [%1]})").arg(events.join(",\n")).toUtf8();
}

QString writeFile(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size())
        return QString();
    return path;
}

} // namespace

class TestCompareImports : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_folder;
    QString m_before, m_after, m_plain;
    SessionDocument* m_document = nullptr;
    ComparePage* m_page = nullptr;

    const es::prof::RunAnalysis& run(int index) const
    {
        return m_document->snapshot()->analysis->runs.at(size_t(index));
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        // Before: 10 ms per iteration, gemm 4 ms and relu 1 ms. After: 8 ms, gemm 3 ms and a fused kernel 0.5 ms.
        m_before = writeFile(m_folder.path() + "/before.pt.trace.json",
            kinetoTrace(6, 10000, { { "gemm_kernel", 4000 }, { "relu_kernel", 1000 } }));
        m_after = writeFile(m_folder.path() + "/after.pt.trace.json",
            kinetoTrace(6, 8000, { { "gemm_kernel", 3000 }, { "fused_bias_relu_kernel", 500 } }));
        m_plain = writeFile(m_folder.path() + "/plain.nvtxt",
            "@RangeStartEnd, Start, End, ThreadId, Message\nRangeStartEnd, 100, 900, 7, \"setup\"\n");
        QVERIFY(!m_before.isEmpty() && !m_after.isEmpty() && !m_plain.isEmpty());
        m_document = new SessionDocument(this);
        m_page = new ComparePage(m_document);
        m_page->resize(1500, 2400);
        m_page->show();
    }

    void aSecondTraceJoinsTheSession()
    {
        QSignalSpy loaded(m_document, &SessionDocument::loaded);
        m_document->open(m_before);
        QVERIFY(loaded.wait(30000));
        QCOMPARE(m_document->snapshot()->runs.size(), size_t(1));
        m_document->addTrace(m_after);
        QVERIFY(loaded.wait(30000));
        QCOMPARE(m_document->snapshot()->runs.size(), size_t(2));
        QVERIFY(m_document->snapshot()->analysis.has_value());
        QCOMPARE(
            runLabel(*m_document->snapshot(), m_document->snapshot()->runs[0]), QStringLiteral("#1 import (100 it/s)"));
    }

    void importsCompareByIteration()
    {
        const es::prof::RunMetrics& before = run(0).metrics;
        const es::prof::RunMetrics& after = run(1).metrics;
        QVERIFY(before.iterations && after.iterations);
        QCOMPARE(before.iterations->count, int64_t(6));
        QCOMPARE(before.iterations->marker, std::string("ProfilerStep#"));
        // 6 iterations over 60 ms and over 48 ms.
        QVERIFY(std::fabs(rateOf(before) - 100.0) < 1e-6);
        QVERIFY(std::fabs(rateOf(after) - 125.0) < 1e-6);
        const BarChartData rate = fpsData(before, after);
        QCOMPARE(rate.unit, QStringLiteral("it/s"));
        QVERIFY2(rate.title.startsWith("Iterations per second"), qPrintable(rate.title));
        QCOMPARE(rate.series[0].values[0], 100.0);
        QVERIFY(std::fabs(rate.series[1].values[1] - 125.0) < 1e-6);
        QCOMPARE(rate.errorBars.size(), 2);
        QVERIFY(rate.errorBars[1].x() > 0); // every iteration alike: the interval is the rate itself
        const es::prof::Comparison comparison = es::prof::compareRuns(run(0), run(1));
        QVERIFY2(
            speedupSentence(comparison).startsWith("Measured speedup 1.25x"), qPrintable(speedupSentence(comparison)));
        // The ranges within the iterations: train_step takes half of each.
        const BarChartData ranges = stageData(before, after);
        QVERIFY(ranges.categories.contains("train_step"));
        const int trainStep = int(ranges.categories.indexOf("train_step"));
        QVERIFY(std::fabs(ranges.series[0].values[trainStep] - 5.0) < 1e-6);
        QVERIFY(std::fabs(ranges.series[1].values[trainStep] - 4.0) < 1e-6);
        // The kernel diff: the fused kernel appeared, relu vanished, gemm went from 4 to 3 ms per iteration.
        const BarChartData kernels = kernelDiffData(comparison);
        QVERIFY(kernels.categories.contains("fused_bias_relu_kernel (appeared)"));
        QVERIFY(kernels.categories.contains("relu_kernel (vanished)"));
        const int gemm = int(kernels.categories.indexOf("gemm_kernel"));
        QVERIFY(gemm >= 0);
        QVERIFY(std::fabs(kernels.series[0].values[gemm] - 4.0) < 1e-6);
        QVERIFY(std::fabs(kernels.series[1].values[gemm] - 3.0) < 1e-6);
        const BarChartData copies = copiesData(before, after);
        QCOMPARE(copies.unit, QStringLiteral("per iteration"));
        // The sentence under the picker says what marks the iterations.
        QVERIFY2(iterationsSentence(before).contains("6 iterations marked by \"ProfilerStep#\""),
            qPrintable(iterationsSentence(before)));
    }

    void thePageDrawsEveryChartAndNoZeroRates()
    {
        QTRY_COMPARE_WITH_TIMEOUT(m_page->cards().size(), size_t(8), 20000); // the waterfall, 6 pair charts, the diff
        QStringList texts;
        for (const ChartCard* card : m_page->cards())
            texts << card->name();
        QVERIFY2(texts.contains("kernel-diff"), qPrintable(texts.join(",")));
        const BarChartData waterfall = waterfallData(*m_document->snapshot()->analysis);
        QCOMPARE(waterfall.unit, QStringLiteral("it/s"));
        QCOMPARE(waterfall.categories[0], QStringLiteral("import: 100 it/s"));
        QCOMPARE(waterfall.categories[1], QStringLiteral("import: 125 it/s (+25 %)"));
        for (const QString& category : waterfall.categories)
            QVERIFY2(!category.contains("0.00"), qPrintable(category));
        // Narrow, the pair's charts stack one above the other so their titles and legends stay whole; wide, two by two.
        QCOMPARE(ComparePage::pairColumnsFor(1000), 1);
        QCOMPARE(ComparePage::pairColumnsFor(1400), 2);
        m_page->resize(1000, 2400);
        QTRY_COMPARE(m_page->pairColumns(), 1);
        const ChartCard* rate = m_page->cards()[1];
        const ChartCard* ranges = m_page->cards()[2];
        QTRY_VERIFY(ranges->geometry().top() > rate->geometry().bottom());
        m_page->resize(1500, 2400);
        QTRY_COMPARE(m_page->pairColumns(), 2);
        QTRY_VERIFY(ranges->geometry().top() == rate->geometry().top());
        QTemporaryDir charts;
        QString error;
        QCOMPARE(m_page->exportCharts(charts.path(), &error), 16);
        QVERIFY(QFileInfo(charts.path() + "/kernel-diff.svg").size() > 1000);
    }

    void theIterationMarkerCanBeChanged()
    {
        QSignalSpy loaded(m_document, &SessionDocument::loaded);
        m_document->setIterationMarker("train_step");
        QVERIFY(loaded.wait(30000));
        QCOMPARE(m_document->snapshot()->iterationMarker, std::string("train_step"));
        QCOMPARE(run(0).metrics.iterations->marker, std::string("train_step"));
        QCOMPARE(run(0).metrics.iterations->count, int64_t(6));
        QVERIFY(std::fabs(run(0).metrics.iterations->medianMs - 5.0) < 1e-6);
        QCOMPARE(m_page->findChild<QLineEdit*>("iterationMarker")->text(), QStringLiteral("train_step"));
        m_document->setIterationMarker(QString());
        QVERIFY(loaded.wait(30000));
        QCOMPARE(run(0).metrics.iterations->marker, std::string("ProfilerStep#"));
    }

    void aTraceWithoutIterationsSaysSo()
    {
        QSignalSpy loaded(m_document, &SessionDocument::loaded);
        m_document->addTrace(m_plain);
        QVERIFY(loaded.wait(30000));
        QCOMPARE(m_document->snapshot()->runs.size(), size_t(3));
        const es::prof::RunMetrics& plain = run(2).metrics;
        QVERIFY(!plain.iterations);
        QCOMPARE(rateLabel(plain), QStringLiteral("no iterations found"));
        QCOMPARE(runLabel(*m_document->snapshot(), m_document->snapshot()->runs[2]),
            QStringLiteral("#3 import (no iterations found)"));
        const BarChartData rate = fpsData(run(0).metrics, plain);
        QVERIFY(rate.series.empty()); // said, not drawn as 0
        QVERIFY2(rate.title.contains("#3 import has no iterations"), qPrintable(rate.title));
        const es::prof::Comparison comparison = es::prof::compareRuns(run(0), run(2));
        QVERIFY2(speedupSentence(comparison).startsWith("No speedup: #3 import has no iterations"),
            qPrintable(speedupSentence(comparison)));
        const BarChartData waterfall = waterfallData(*m_document->snapshot()->analysis);
        QCOMPARE(waterfall.categories[2], QStringLiteral("import: no iterations found"));
    }

    void aRunLoadsWithProgressAndThreadsReadAsInNsys()
    {
        QTRY_VERIFY_WITH_TIMEOUT(!m_document->isLoading(), 30000);
        const auto& runs = m_document->snapshot()->runs;
        QCOMPARE(runs.size(), size_t(3));
        const qint64 first = runs.front().runId, runId = runs[1].runId, last = runs.back().runId;
        QCOMPARE(m_document->layoutProgress(runId), -1.0); // not loading
        QCOMPARE(m_document->openProgress(), -1.0);
        // A reload follows its progress; the first and last runs' timelines come laid out from the events the
        // analysis read (no second read), the others load when asked, with their progress to follow.
        QSignalSpy loaded(m_document, &SessionDocument::loaded);
        QSignalSpy opening(m_document, &SessionDocument::openStarted);
        m_document->reload();
        QCOMPARE(opening.count(), 1);
        const double openProgress = m_document->openProgress();
        QVERIFY2(openProgress >= 0.0 && openProgress <= 1.0, qPrintable(QString::number(openProgress)));
        QVERIFY(loaded.wait(30000));
        QCOMPARE(m_document->openProgress(), -1.0);
        QVERIFY(m_document->cachedLayout(first));
        QVERIFY(m_document->cachedLayout(last));
        QCOMPARE(m_document->cachedLayout(first)->model().eventCount() > 0, true);
        QVERIFY(!m_document->cachedLayout(runId));
        QSignalSpy ready(m_document, &SessionDocument::runLayoutReady);
        m_document->requestRunLayout(runId);
        const double progress = m_document->layoutProgress(runId);
        QVERIFY2(progress >= 0.0 && progress <= 1.0, qPrintable(QString::number(progress)));
        QTRY_VERIFY_WITH_TIMEOUT(m_document->cachedLayout(runId) != nullptr, 30000);
        QCOMPARE(m_document->layoutProgress(runId), -1.0);
        const auto layout = m_document->cachedLayout(runId);
        QVERIFY(layout);
        QStringList groups;
        for (const Lane& lane : layout->lanes())
            groups << QString::fromStdString(lane.group);
        QVERIFY2(groups.contains("pt_main_thread (1102)"), qPrintable(groups.join(", ")));
        // The launch of a kernel is found from the kernel's correlation id.
        const es::prof::TraceModel& model = layout->model();
        QVERIFY(!model.streams.empty() && !model.streams[0].kernels.empty());
        const auto launch = layout->apiCallOf(model.streams[0].kernels[0].correlationId);
        QVERIFY(launch.first >= 0);
        QCOMPARE(model.threads[size_t(launch.first)].apiCalls[size_t(launch.second)].correlationId,
            model.streams[0].kernels[0].correlationId);
    }

    void cleanupTestCase() { delete m_page; }
};

QTEST_MAIN(TestCompareImports)
#include "tst_compare_imports.moc"
