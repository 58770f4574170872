// SPDX-License-Identifier: Apache-2.0
// The lab's rounds and verdicts in real runs: --repeat pools rounds into intervals, a clock drop written through the
// sysfs seam during one step is caught on that step with its numbers, and a quiet run is steady.
#include "analysis/measurement_verdict.h"
#include "edgescope/engine/lab.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace es;
using namespace es::engine;

namespace {

LabOptions tinyLab()
{
    LabOptions options;
    options.synthetic = true;
    options.syntheticWidth = 160;
    options.syntheticHeight = 120;
    options.frames = 3;
    options.warmup = 0;
    options.steps = { 0, 2 };
    options.device = "cpu";
    options.measureDetectorOnly = false;
    return options;
}

void writeFile(const std::string& path, const std::string& text)
{
    for (size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1))
        mkdir(path.substr(0, slash).c_str(), 0755);
    std::ofstream(path) << text;
}

bool mentions(const prof::Verdict& verdict, const std::string& text)
{
    for (const std::string& reason : verdict.reasons)
        if (reason.find(text) != std::string::npos)
            return true;
    return false;
}

} // namespace

TEST(LabTrust, RoundsPoolIntoIntervalsAndRotate)
{
    LabOptions options = tinyLab();
    options.repeat = 2;
    std::vector<std::string> order;
    options.progress = [&](const std::string& line) {
        if (line.find("warm-up") != std::string::npos)
            order.push_back(line.substr(1, 2));
    };
    auto result = runLab(options);
    ASSERT_TRUE(result.isOk()) << result.status().message();
    EXPECT_EQ(order, (std::vector<std::string> { "s2", "s0", "s0", "s2" })) << "rotated first, in order last";
    ASSERT_EQ(result->steps.size(), 2u);
    EXPECT_EQ(result->steps[0].id, "s0-baseline") << "results in step order";
    for (const StepResult& step : result->steps) {
        EXPECT_EQ(step.rounds, 2);
        EXPECT_EQ(step.frames, 6) << "frames per round times rounds";
        EXPECT_EQ(step.batchFps.size(), 6u);
        EXPECT_EQ(step.roundFps.size(), 2u);
        EXPECT_EQ(step.detections.size(), 3u) << "the first round's detections";
        EXPECT_LE(step.fpsInterval.low, step.fps);
        EXPECT_GE(step.fpsInterval.high, step.fps);
        EXPECT_NEAR(step.fpsInterval.confidence, 1 - 2.0 / 64, 1e-9) << "6 batches: [min, max]";
    }
    const StepResult& s2 = result->steps[1];
    ASSERT_TRUE(s2.speedupInterval.has_value());
    EXPECT_LE(s2.speedupInterval->low, s2.speedupInterval->high);
    EXPECT_FALSE(s2.speedupVerdict.empty());
}

TEST(LabTrust, AClockDropDuringOneStepIsCaughtThere)
{
    const std::string root = testing::TempDir() + "/es_lab_sysfs_" + std::to_string(getpid());
    const std::string frequency = root + "/sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq";
    writeFile(root + "/proc/stat", "cpu0 100 0 100 1000 0 0 0 0 0 0\n");
    writeFile(root + "/proc/self/stat", "1 (x) R 1 1 1 0 -1 0 0 0 0 0 50 50 0 0 20 0 1 0\n");
    writeFile(frequency, "2000000\n");
    LabOptions options = tinyLab();
    options.profile = "off";
    options.systemRoot = root;
    // After s2's first batch the clock halves, as a throttling board's would.
    options.live = [&](const LiveUpdate& update) {
        if (update.stepId == "s2-device-pre-post")
            std::ofstream(frequency) << "1000000\n";
    };
    auto result = runLab(options);
    std::system(("rm -rf '" + root + "'").c_str());
    ASSERT_TRUE(result.isOk()) << result.status().message();
    const StepResult& s0 = result->steps[0];
    const StepResult& s2 = result->steps[1];
    EXPECT_FALSE(s0.verdict.disturbed()) << s0.verdict.reasons.front();
    EXPECT_TRUE(mentions(s2.verdict, "CPU clock averaged 1500 MHz against 2000 MHz")) << s2.verdict.state();
    EXPECT_TRUE(result->verdict.disturbed());
    EXPECT_EQ(result->verdict.reasons.front().rfind("s2-device-pre-post: ", 0), 0u);
}

TEST(LabTrust, AQuietRunIsSteady)
{
    // Run alone (RUN_SERIAL), so no other test's process is beside it. In a virtual machine the hypervisor may still
    // give the CPUs to other machines (steal), which no test controls: then only the other rules must stay quiet.
    LabOptions options = tinyLab();
    options.steps = { 2 };
    options.repeat = 2;
    options.warmup = 1; // the first batch of a process allocates and builds its kernels: warm up, as the lab does
    options.frames = 4;
    auto result = runLab(options);
    ASSERT_TRUE(result.isOk()) << result.status().message();
    const StepResult& step = result->steps[0];
    ASSERT_GE(step.evidence.otherCpuSeconds, 0) << "read from the real /proc";
    const double steal = step.evidence.stealCpuSeconds / (step.evidence.windowSeconds * step.evidence.cpus);
    EXPECT_FALSE(mentions(step.verdict, "other processes")) << "the lab's own threads are not others";
    // The rounds rule judges the step's own figures: on a shared virtual machine two short rounds can disagree by
    // more than 1.3x with no process of this machine beside them (seen here: 3.62 and 5.03 FPS at 2 % steal). Then
    // its reason must carry exactly the rounds measured, and every other rule must stay quiet.
    std::vector<std::string> others;
    for (const std::string& reason : step.verdict.reasons) {
        if (reason.find("rounds disagree") == std::string::npos) {
            others.push_back(reason);
            continue;
        }
        ASSERT_EQ(step.roundFps.size(), 2u);
        const auto [low, high] = std::minmax(step.roundFps[0], step.roundFps[1]);
        char expected[96];
        std::snprintf(expected, sizeof expected, "%.2f to %.2f FPS (%.2fx apart)", low, high, high / low);
        EXPECT_NE(reason.find(expected), std::string::npos) << reason;
        EXPECT_GT(high / low, prof::kRoundSpreadDisturbed);
        std::printf("this machine's rounds disagreed: %s\n", reason.c_str());
    }
    if (steal <= prof::kStealShareDisturbed)
        EXPECT_TRUE(others.empty()) << others.front();
    else
        std::printf("the hypervisor took %.0f%% of the CPUs (steal): %s\n", 100 * steal, step.verdict.state());
}
