// SPDX-License-Identifier: Apache-2.0
// The timeline's pure parts: time <-> pixel mapping, lanes, level of detail, counters, selection statistics, hover
// text.
#include "synthetic_trace.h"
#include "time_axis.h"
#include "time_format.h"
#include "timeline_layout.h"

#include <QtTest>

using namespace es::app;
using es::test_support::syntheticGpuRun;
using es::test_support::SyntheticTraceShape;

namespace {

std::shared_ptr<const TimelineLayout> layoutOf(int64_t frames, const SyntheticTraceShape& shape = {})
{
    return TimelineLayout::build(
        std::make_shared<const es::prof::TraceModel>(es::prof::buildModel(syntheticGpuRun(frames, shape))));
}

const Lane* laneOf(const TimelineLayout& layout, LaneKind kind)
{
    for (const Lane& lane : layout.lanes())
        if (lane.kind == kind)
            return &lane;
    return nullptr;
}

} // namespace

class TestTimelineLayout : public QObject
{
    Q_OBJECT
private slots:
    void timeAxisMapsBothWays()
    {
        TimeAxis axis { 1000, 10.0 };
        QCOMPARE(axis.toPixel(1000), 0.0);
        QCOMPARE(axis.toPixel(2000), 100.0);
        QCOMPARE(axis.toTime(100), int64_t(2000));
        QCOMPARE(axis.endNs(50), int64_t(1500));
        const TimeAxis fitted = TimeAxis::fit(0, 1000, 100);
        QCOMPARE(fitted.nsPerPixel, 10.0);
        QCOMPARE(fitted.startNs, int64_t(0));
    }

    void zoomKeepsTheTimeUnderTheCursor()
    {
        TimeAxis axis { 0, 10.0 };
        const int64_t before = axis.toTime(50);
        axis.zoomAround(50, 2.0);
        QCOMPARE(axis.nsPerPixel, 5.0);
        QCOMPARE(axis.toTime(50), before);
        axis.zoomAround(30, 0.25);
        QCOMPARE(axis.nsPerPixel, 20.0);
        QVERIFY(std::llabs(axis.toTime(30) - 400) <= 1); // 250 + 30 * 5 stayed under pixel 30
        axis.panPixels(10);
        QVERIFY(std::llabs(axis.toTime(20) - 400) <= 1);
        for (int i = 0; i < 200; ++i)
            axis.zoomAround(0, 10);
        QCOMPARE(axis.nsPerPixel, TimeAxis::kMinNsPerPixel);
    }

    void lanesFollowNsysGrouping()
    {
        SyntheticTraceShape shape;
        shape.kernelsPerFrame = 10;
        shape.copiesPerFrame = 5;
        const auto layout = layoutOf(3, shape);
        QVERIFY(laneOf(*layout, LaneKind::Frames));
        const Lane* ranges = laneOf(*layout, LaneKind::Ranges);
        QVERIFY(ranges);
        QCOMPARE(ranges->rows.size(), size_t(2)); // frames outside, stages inside
        QCOMPARE(ranges->rows[0].size(), size_t(3));
        QCOMPARE(ranges->rows[1].size(), size_t(12));
        QCOMPARE(QString::fromStdString(ranges->group), QStringLiteral("lab (4242)"));
        QCOMPARE(laneOf(*layout, LaneKind::ApiCalls)->rows[0].size(), size_t(3 * (10 + 2 * 5)));
        QCOMPARE(laneOf(*layout, LaneKind::Kernels)->rows[0].size(), size_t(30));
        QCOMPARE(laneOf(*layout, LaneKind::Copies)->rows[0].size(), size_t(15));
        QCOMPARE(laneOf(*layout, LaneKind::Syncs)->rows[0].size(), size_t(15));
        QCOMPARE(QString::fromStdString(laneOf(*layout, LaneKind::Kernels)->group), QStringLiteral("GPU 0 stream 7"));
        const Lane* counter = laneOf(*layout, LaneKind::Counter);
        QVERIFY(counter);
        QCOMPARE(counter->counterMin, 0.0); // a % counter reads against 0..100
        QCOMPARE(counter->counterMax, 100.0);
        QCOMPARE(layout->frameStartNs(2), int64_t(1'000'000'000 + 2 * shape.frameNs));
    }

    void fullZoomOutFoldsEveryEventIntoFewItems()
    {
        const auto layout = layoutOf(300); // 300 frames x 200 kernels
        const Lane* kernels = laneOf(*layout, LaneKind::Kernels);
        const EventRow& row = kernels->rows[0];
        const int width = 1000;
        const TimeAxis axis = TimeAxis::fit(layout->model().startNs, layout->model().endNs, width);
        std::vector<DrawItem> items;
        collectVisible(row, axis, width, 3.0, items);
        uint64_t covered = 0;
        for (const DrawItem& item : items) {
            covered += item.folded > 0 ? item.folded : 1;
            QVERIFY(item.x1 >= item.x0);
        }
        QCOMPARE(covered, uint64_t(row.size())); // every event is drawn or folded, none twice
        QVERIFY2(items.size() <= size_t(width), qPrintable(QString::number(items.size())));
        QVERIFY(items.size() >= 100); // each frame's detector block stays visible
        for (size_t i = 1; i < items.size(); ++i)
            QVERIFY(items[i].x0 >= items[i - 1].x0);
    }

    void zoomedInDrawsEachEventAtItsPixel()
    {
        const auto layout = layoutOf(2);
        const Lane* kernels = laneOf(*layout, LaneKind::Kernels);
        const auto& events = layout->model().streams[size_t(kernels->trackIndex)].kernels;
        const int width = 1000;
        const TimeAxis axis = TimeAxis::fit(events[0].startNs, events[0].startNs + 1'000'000, width); // a 1 ms span
        std::vector<DrawItem> items;
        collectVisible(kernels->rows[0], axis, width, 3.0, items);
        QCOMPARE(items.size(), size_t(20)); // one kernel every 50 us
        for (size_t i = 0; i < items.size(); ++i) {
            QCOMPARE(items[i].folded, 0u);
            QCOMPARE(items[i].sourceIndex, uint32_t(i));
            QVERIFY(std::fabs(items[i].x0 - axis.toPixel(events[i].startNs)) < 0.01);
            QVERIFY(std::fabs(items[i].x1 - items[i].x0 - 40.0) < 0.01); // 40 us at 1 us per pixel
        }
    }

    void counterColumnsHoldTheLastValue()
    {
        const std::vector<es::prof::CounterSample> samples { { 0, 10 }, { 100, 20 }, { 200, 30 } };
        std::vector<CounterColumn> columns;
        collectCounter(samples, TimeAxis { 0, 100.0 }, 3, columns);
        QCOMPARE(columns.size(), size_t(3));
        QCOMPARE(columns[0].maxValue, 10.f);
        QCOMPARE(columns[1].maxValue, 20.f);
        QCOMPARE(columns[2].maxValue, 30.f);
        collectCounter(samples, TimeAxis { 0, 10.0 }, 30, columns);
        QVERIFY(columns[5].has);
        QCOMPARE(columns[5].maxValue, 10.f); // between samples the value holds
        QCOMPARE(columns[15].minValue, 20.f);
        collectCounter(samples, TimeAxis { 0, 300.0 }, 1, columns);
        QCOMPARE(columns[0].minValue, 10.f);
        QCOMPARE(columns[0].maxValue, 30.f);
    }

    void selectionStatisticsCountWhatIsInside()
    {
        const SyntheticTraceShape shape;
        const auto layout = layoutOf(3, shape);
        const int64_t detectorStart = 1'000'000'000 + 3'000'000;
        const int64_t postStart = detectorStart + shape.kernelsPerFrame * 50'000;
        const auto stats = selectionStats(*layout, detectorStart, postStart);
        int64_t kernels = 0, kernelNs = 0;
        for (const SelectionStat& stat : stats) {
            if (stat.lane.find("kernels") != std::string::npos) {
                kernels += stat.count;
                kernelNs += stat.totalNs;
            }
        }
        QCOMPARE(kernels, int64_t(shape.kernelsPerFrame));
        QCOMPARE(kernelNs, int64_t(shape.kernelsPerFrame) * 40'000);
        QVERIFY(selectionStats(*layout, 10, 5).empty());
    }

    void hoverNamesTheLaunchAndTheStage()
    {
        const auto layout = layoutOf(1);
        const Lane* kernels = laneOf(*layout, LaneKind::Kernels);
        const std::string kernel = layout->describe(*kernels, 0);
        QVERIFY2(kernel.find("grid 128x1x1, block 256x1x1") != std::string::npos, kernel.c_str());
        QVERIFY2(kernel.find("launched by cudaLaunchKernel") != std::string::npos, kernel.c_str());
        QVERIFY2(kernel.find("issued in stage detector") != std::string::npos, kernel.c_str());
        QVERIFY2(kernel.find("duration 40.0 us") != std::string::npos, kernel.c_str());
        const std::string copy = layout->describe(*laneOf(*layout, LaneKind::Copies), 0);
        QVERIFY2(copy.find("memcpy DtoH") == 0 && copy.find("4 B") != std::string::npos, copy.c_str());
        QVERIFY(copy.find("issued in stage postprocess") != std::string::npos);
        QCOMPARE(layout->stageAt(1'000'000'000 + 500'000), std::string("buffer_to_image_tensor"));
    }

    void durationsKeepThreeDigits()
    {
        QCOMPARE(formatDuration(812), std::string("812 ns"));
        QCOMPARE(formatDuration(45'200), std::string("45.2 us"));
        QCOMPARE(formatDuration(3'470'000), std::string("3.47 ms"));
        QCOMPARE(formatDuration(1'250'000'000), std::string("1.25 s"));
        QCOMPARE(formatBytes(1536), std::string("1.50 KiB"));
    }
};

QTEST_GUILESS_MAIN(TestTimelineLayout)
#include "tst_timeline_layout.moc"
