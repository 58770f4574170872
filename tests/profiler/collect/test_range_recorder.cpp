// SPDX-License-Identifier: Apache-2.0
#include "collect/range_recorder.h"
#include "model/stage_stats.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

using namespace es::prof;

TEST(RangeNameRegistry, InternsOnce)
{
    auto& registry = RangeNameRegistry::instance();
    const RangeName a = registry.intern("test.intern.a", 0xFF112233, 7);
    const RangeName again = registry.intern("test.intern.a", 0xFF000000, 1);
    const RangeName b = registry.intern("test.intern.b");
    EXPECT_EQ(a.id, again.id);
    EXPECT_EQ(again.argbColor, 0xFF112233u);
    EXPECT_EQ(again.category, 7u);
    EXPECT_NE(a.id, b.id);
    EXPECT_EQ(registry.name(b.id), "test.intern.b");
}

TEST(RangeRecorder, NestsAndSortsOuterFirst)
{
    RangeRecorder recorder;
    const RangeName outer = RangeNameRegistry::instance().intern("test.outer");
    const RangeName inner = RangeNameRegistry::instance().intern("test.inner");
    {
        ScopedRange a(&recorder, outer, 5);
        ScopedRange b(&recorder, inner, 5);
    }
    const auto events = recorder.snapshot();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].nameId, outer.id);
    EXPECT_EQ(events[0].depth, 0);
    EXPECT_EQ(events[1].nameId, inner.id);
    EXPECT_EQ(events[1].depth, 1);
    EXPECT_EQ(events[1].payload, 5);
    EXPECT_LE(events[0].startNs, events[1].startNs);
    EXPECT_GE(events[0].endNs, events[1].endNs);
}

TEST(RangeRecorder, RecordsFromManyThreadsWithoutLoss)
{
    RangeRecorder recorder;
    const RangeName name = RangeNameRegistry::instance().intern("test.threads");
    constexpr int kThreads = 4, kRanges = 5000;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&recorder, &name, t] {
            for (int i = 0; i < kRanges; ++i)
                ScopedRange range(&recorder, name, t);
        });
    }
    for (auto& thread : threads)
        thread.join();
    const auto events = recorder.snapshot();
    ASSERT_EQ(events.size(), size_t(kThreads * kRanges));
    EXPECT_EQ(recorder.threads().size(), size_t(kThreads));
    std::set<uint16_t> threadIndices;
    for (size_t i = 0; i < events.size(); ++i) {
        threadIndices.insert(events[i].threadIndex);
        EXPECT_EQ(events[i].depth, 0);
        if (i) {
            ASSERT_LE(events[i - 1].startNs, events[i].startNs);
        }
    }
    EXPECT_EQ(threadIndices.size(), size_t(kThreads));
    recorder.clear();
    EXPECT_EQ(recorder.size(), 0u);
}

TEST(RangeRecorder, DisabledRecordsNothing)
{
    RangeRecorder recorder;
    recorder.setEnabled(false);
    {
        ScopedRange range(&recorder, RangeNameRegistry::instance().intern("test.disabled"));
    }
    EXPECT_EQ(recorder.size(), 0u);
}

TEST(StageStats, SummarizesByNameWithinWindow)
{
    const RangeName a = RangeNameRegistry::instance().intern("test.sum.a");
    const RangeName b = RangeNameRegistry::instance().intern("test.sum.b");
    std::vector<RangeEvent> events = { { 100, 300, -1, a.id, 0, 0 }, { 400, 500, -1, a.id, 0, 0 },
        { 150, 160, -1, b.id, 0, 1 }, { 900, 1000, -1, a.id, 0, 0 } };
    const auto all = summarizeRanges(events);
    EXPECT_EQ(all.at("test.sum.a").count, 3);
    EXPECT_EQ(all.at("test.sum.a").totalNs, 400);
    EXPECT_EQ(all.at("test.sum.a").minNs, 100);
    EXPECT_EQ(all.at("test.sum.a").maxNs, 200);
    EXPECT_DOUBLE_EQ(all.at("test.sum.a").meanNs(), 400.0 / 3);
    EXPECT_EQ(all.at("test.sum.b").totalNs, 10);
    const auto window = summarizeRanges(events, 0, 800);
    EXPECT_EQ(window.at("test.sum.a").count, 2);
}

TEST(StageStats, QuantileInterpolatesLikeNumpy)
{
    EXPECT_DOUBLE_EQ(quantile({}, 0.5), 0.0);
    EXPECT_DOUBLE_EQ(quantile({ 3 }, 0.95), 3.0);
    EXPECT_DOUBLE_EQ(quantile({ 4, 1, 3, 2 }, 0.5), 2.5);
    EXPECT_DOUBLE_EQ(quantile({ 1, 2, 3, 4, 5 }, 0.95), 4.8); // numpy.percentile([1..5], 95)
    EXPECT_DOUBLE_EQ(quantile({ 1, 2, 3, 4, 5 }, 1.0), 5.0);
}
