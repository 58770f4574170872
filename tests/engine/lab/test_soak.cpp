// SPDX-License-Identifier: Apache-2.0
// The soak: lab runs back to back for a wall time, with a report per period of what must stay flat.
#include "edgescope/engine/soak.h"
#include "store/session_store.h"

#include <gtest/gtest.h>

#include <unistd.h>

using namespace es;
using namespace es::engine;

namespace {

SoakOptions shortSoak(const std::string& name)
{
    SoakOptions options;
    options.lab.synthetic = true;
    options.lab.syntheticWidth = 64;
    options.lab.syntheticHeight = 64;
    options.lab.steps = { 2 };
    options.lab.frames = 2;
    options.lab.warmup = 0;
    options.lab.threads = 1;
    options.lab.measureDetectorOnly = false;
    options.lab.samplerPeriodMs = 20;
    options.lab.sessionPath = testing::TempDir() + "/es_soak_" + std::to_string(getpid()) + "_" + name + ".sqlite";
    std::remove(options.lab.sessionPath.c_str());
    options.seconds = 4;
    options.reportSeconds = 0.2; // shorter than any run: every run ends with a report
    return options;
}

} // namespace

TEST(Soak, RunsForItsTimeAndReportsEachPeriod)
{
    const SoakOptions options = shortSoak("runs");
    std::vector<SoakSample> seen;
    auto result = runSoak(options, [&](const SoakSample& sample) { seen.push_back(sample); });
    ASSERT_TRUE(result) << result.status().message();
    ASSERT_GE(result->samples.size(), 1u);
    EXPECT_EQ(seen.size(), result->samples.size()) << "every report reaches the callback";
    const SoakSample& last = result->samples.back();
    ASSERT_GE(last.runs, 1);
    EXPECT_EQ(int64_t(result->samples.size()), last.runs) << "one report after each run, as each outlasts the period";
    EXPECT_GE(last.elapsedSeconds, options.seconds);
    EXPECT_LT(last.elapsedSeconds, options.seconds + 30);
    EXPECT_EQ(last.frames, last.runs * options.lab.frames);
    for (size_t i = 1; i < result->samples.size(); ++i) {
        EXPECT_GE(result->samples[i].runs, result->samples[i - 1].runs);
        EXPECT_GE(result->samples[i].sessionBytes, result->samples[i - 1].sessionBytes);
        EXPECT_GT(result->samples[i].elapsedSeconds, result->samples[i - 1].elapsedSeconds);
    }
    EXPECT_GT(last.rssBytes, 0);
    EXPECT_GT(last.sessionBytes, 0);
    EXPECT_EQ(result->fdGrowth, 0) << "each run closes its session, sampler and video";
    EXPECT_EQ(last.gpuRecordsDropped, 0);
    EXPECT_FALSE(result->cancelled);

    auto store = prof::SessionStore::openForReading(options.lab.sessionPath);
    ASSERT_TRUE(store) << store.status().message();
    auto runs = store.value()->runs();
    ASSERT_TRUE(runs);
    EXPECT_EQ(int64_t(runs->size()), last.runs) << "every run of the soak is in the session";
    std::remove(options.lab.sessionPath.c_str());
}

TEST(Soak, StopsWhenCancelled)
{
    SoakOptions options = shortSoak("cancel");
    std::atomic<bool> cancel { true };
    options.lab.cancel = &cancel;
    auto result = runSoak(options, {});
    ASSERT_TRUE(result) << result.status().message();
    EXPECT_TRUE(result->cancelled);
    EXPECT_EQ(result->samples.back().runs, 0);
    std::remove(options.lab.sessionPath.c_str());
}

TEST(Soak, RefusesOptionsItCannotRun)
{
    SoakOptions twoSteps = shortSoak("bad");
    twoSteps.lab.steps = { 0, 2 };
    EXPECT_EQ(runSoak(twoSteps, {}).status().code(), StatusCode::InvalidArgument);
    SoakOptions noSession = shortSoak("bad");
    noSession.lab.sessionPath.clear();
    EXPECT_EQ(runSoak(noSession, {}).status().code(), StatusCode::InvalidArgument);
    SoakOptions noTime = shortSoak("bad");
    noTime.seconds = 0;
    EXPECT_EQ(runSoak(noTime, {}).status().code(), StatusCode::InvalidArgument);
    SoakOptions badFrames = shortSoak("bad");
    badFrames.lab.frames = 0;
    EXPECT_EQ(runSoak(badFrames, {}).status().code(), StatusCode::InvalidArgument);
}
