// SPDX-License-Identifier: Apache-2.0
// Measurement trust: the statistics against values worked out by hand (and by enumerating every arrangement), the
// verdict rules on evidence with known answers, and the machine probe on a fake /proc and /sys tree.
#include "analysis/measurement_stats.h"
#include "analysis/measurement_verdict.h"
#include "collect/machine_probe.h"
#include "store/session_store.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace es::prof;

namespace {

bool mentions(const Verdict& verdict, const std::string& text)
{
    for (const std::string& reason : verdict.reasons)
        if (reason.find(text) != std::string::npos)
            return true;
    return false;
}

} // namespace

TEST(MedianInterval, FewSamplesGiveMinToMaxWithTheirCoverage)
{
    const Estimate five = medianWithInterval({ 5, 1, 4, 2, 3 });
    EXPECT_DOUBLE_EQ(five.value, 3);
    EXPECT_DOUBLE_EQ(five.interval.low, 1);
    EXPECT_DOUBLE_EQ(five.interval.high, 5);
    EXPECT_NEAR(five.interval.confidence, 1 - 2.0 / 32, 1e-12); // 1 - 2 * (1/2)^5
    EXPECT_EQ(five.interval.samples, 5);

    const Estimate one = medianWithInterval({ 7 });
    EXPECT_DOUBLE_EQ(one.value, 7);
    EXPECT_DOUBLE_EQ(one.interval.low, 7);
    EXPECT_DOUBLE_EQ(one.interval.confidence, 0);
    EXPECT_EQ(medianWithInterval({}).interval.samples, 0);
}

TEST(MedianInterval, OrderStatisticsFromTheBinomial)
{
    // n = 6: P(B <= 0) = 1/64 <= 2.5 %, P(B <= 1) = 7/64 is not: k = 1, [x1, x6], 1 - 2/64.
    const Estimate six = medianWithInterval({ 6, 5, 4, 3, 2, 1 });
    EXPECT_DOUBLE_EQ(six.value, 3.5);
    EXPECT_DOUBLE_EQ(six.interval.low, 1);
    EXPECT_DOUBLE_EQ(six.interval.high, 6);
    EXPECT_NEAR(six.interval.confidence, 1 - 2.0 / 64, 1e-12);
    // n = 12: P(B <= 2) = 79/4096 = 1.93 %, P(B <= 3) = 299/4096 = 7.3 %: k = 3, [x3, x10], 1 - 2 * 79/4096.
    std::vector<double> twelve;
    for (int i = 12; i >= 1; --i)
        twelve.push_back(i * 10.0);
    const Estimate e = medianWithInterval(twelve);
    EXPECT_DOUBLE_EQ(e.value, 65);
    EXPECT_DOUBLE_EQ(e.interval.low, 30);
    EXPECT_DOUBLE_EQ(e.interval.high, 100);
    EXPECT_NEAR(e.interval.confidence, 1 - 2.0 * 79 / 4096, 1e-12);
}

TEST(RatioInterval, MannWhitneyDistributionIsExact)
{
    // [4 choose 2]_q = 1 + q + 2q^2 + q^3 + q^4 over C(4,2) = 6 arrangements.
    EXPECT_NEAR(mannWhitneyCdf(2, 2, 0), 1.0 / 6, 1e-12);
    EXPECT_NEAR(mannWhitneyCdf(2, 2, 1), 2.0 / 6, 1e-12);
    EXPECT_NEAR(mannWhitneyCdf(2, 2, 2), 4.0 / 6, 1e-12);
    EXPECT_DOUBLE_EQ(mannWhitneyCdf(2, 2, 4), 1.0);
    EXPECT_NEAR(mannWhitneyCdf(3, 3, 0), 1.0 / 20, 1e-12);
    // 6 and 6: 19 of the 924 arrangements have U <= 5 (counted by enumerating them all).
    EXPECT_NEAR(mannWhitneyCdf(6, 6, 5), 19.0 / 924, 1e-12);
}

TEST(RatioInterval, HodgesLehmannRatioWithItsInterval)
{
    // Pairwise ratios 2/1, 2/2, 4/1, 4/2 = 1, 2, 2, 4: median 2; k = 1 since P(U <= 0) = 1/6: [1, 4], 2/3.
    const Estimate small = ratioWithInterval({ 2, 4 }, { 1, 2 });
    EXPECT_NEAR(small.value, 2, 1e-12);
    EXPECT_NEAR(small.interval.low, 1, 1e-12);
    EXPECT_NEAR(small.interval.high, 4, 1e-12);
    EXPECT_NEAR(small.interval.confidence, 1 - 2.0 / 6, 1e-12);
    EXPECT_STREQ(ratioVerdict(small), "within noise");

    // Six against six, every after faster: k = 6 (P(U <= 5) = 19/924), the 6th and 31st of the 36 sorted ratios.
    const Estimate clear = ratioWithInterval({ 10, 11, 12, 13, 14, 15 }, { 5, 5.5, 6, 6.5, 7, 7.5 });
    EXPECT_NEAR(clear.value, 2.0, 1e-12);
    EXPECT_NEAR(clear.interval.low, 1.6, 1e-12);
    EXPECT_NEAR(clear.interval.high, 2.5, 1e-12);
    EXPECT_NEAR(clear.interval.confidence, 1 - 2.0 * 19 / 924, 1e-12);
    EXPECT_STREQ(ratioVerdict(clear), "faster");
    EXPECT_STREQ(ratioVerdict(ratioWithInterval({ 5, 5.5, 6, 6.5, 7, 7.5 }, { 10, 11, 12, 13, 14, 15 })), "slower");
    EXPECT_STREQ(ratioVerdict(ratioWithInterval({ 3 }, { 2 })), "too few samples");
}

TEST(RatioInterval, LargeSamplesUseTheNormalApproximation)
{
    std::vector<double> before, after;
    for (int i = 0; i < 100; ++i) {
        before.push_back(10 + 0.01 * i);
        after.push_back(10 + 0.01 * i);
    }
    const Estimate same = ratioWithInterval(after, before);
    EXPECT_NEAR(same.value, 1.0, 1e-9);
    EXPECT_LT(same.interval.low, 1.0);
    EXPECT_GT(same.interval.high, 1.0);
    EXPECT_NEAR(same.interval.confidence, 0.95, 0.01);
    EXPECT_STREQ(ratioVerdict(same), "within noise");
}

TEST(Verdict, QuietEvidenceIsSteady)
{
    StepEvidence step;
    step.stepId = "s0-baseline";
    step.windowSeconds = 10;
    step.cpus = 4;
    step.otherCpuSeconds = 1.0; // 2.5 % of 40 CPU-seconds
    step.cpuClockMhz = 1500;
    step.roundFps = { 2.0, 2.1, 1.95 };
    step.samplerExpected = 100;
    step.samplerTaken = 99;
    const RunVerdicts verdicts = judgeSteps({ step, step });
    EXPECT_FALSE(verdicts.run.disturbed()) << verdicts.run.reasons.front();
    EXPECT_STREQ(verdicts.steps[0].state(), "steady");
}

TEST(Verdict, EachRuleNamesItsNumbers)
{
    StepEvidence quiet;
    quiet.stepId = "s0-baseline";
    quiet.windowSeconds = 10;
    quiet.cpus = 2;
    quiet.otherCpuSeconds = 0;
    quiet.cpuClockMhz = 2000;
    quiet.detectorMsPerFrame = 295;
    StepEvidence busy = quiet;
    busy.stepId = "s1-cpu-postprocess";
    busy.otherCpuSeconds = 8; // 40 % of 20 CPU-seconds
    busy.cpuClockMhz = 1500; // 25 % below s0's
    busy.detectorMsPerFrame = 1040; // 3.5x s0's, same batch and precision
    busy.cpuThrottleEvents = 3;
    busy.roundFps = { 0.5, 0.9 };
    busy.samplerExpected = 100;
    busy.samplerTaken = 50;
    const RunVerdicts verdicts = judgeSteps({ quiet, busy });
    EXPECT_FALSE(verdicts.steps[0].disturbed());
    const Verdict& v = verdicts.steps[1];
    EXPECT_TRUE(mentions(v, "other processes used 40% of the 2 CPUs")) << v.reasons.front();
    EXPECT_TRUE(mentions(v, "CPU clock averaged 1500 MHz against 2000 MHz"));
    EXPECT_TRUE(mentions(v, "detector stage 1040.0 ms per frame against 295.0 ms in s0-baseline"));
    EXPECT_TRUE(mentions(v, "throttled 3 times"));
    EXPECT_TRUE(mentions(v, "rounds disagree: 0.50 to 0.90 FPS"));
    EXPECT_TRUE(mentions(v, "took 50 of 100 samples"));
    EXPECT_EQ(verdicts.run.reasons.size(), v.reasons.size());
    EXPECT_EQ(verdicts.run.reasons.front().rfind("s1-cpu-postprocess: ", 0), 0u);
}

TEST(Verdict, NvmlThrottleReasonsAndClockFromTheSampledTracks)
{
    // Masks as nvmlDeviceGetCurrentClocksThrottleReasons returns them: 0x1 GPU idle (not slowing), 0x40 HW thermal
    // slowdown, 0x4 SW power cap, 0x2 application clocks (not slowing).
    EXPECT_EQ(nvmlSlowingThrottleReasons(0x1 | 0x2), std::vector<std::string> {});
    EXPECT_EQ(nvmlSlowingThrottleReasons(0x1 | 0x40 | 0x4),
        (std::vector<std::string> { "SW Power Cap", "HW Thermal Slowdown" }));
    std::vector<CounterTrack> tracks(3);
    tracks[0] = { "gpu0 throttle reasons", "mask", "NVML", { { 1, 0x1 }, { 2, 0x40 }, { 3, 0x44 }, { 4, 0x0 } } };
    tracks[1] = { "gpu0 sm clock", "MHz", "NVML", { { 1, 1980 }, { 2, 1500 }, { 3, 1410 }, { 4, 1980 } } };
    tracks[2] = { "gpu0 memory clock", "MHz", "NVML", { { 1, 2619 } } }; // not the SM clock: ignored
    StepEvidence hot;
    hot.stepId = "s4-half-precision";
    addNvmlEvidence(hot, tracks);
    EXPECT_EQ(hot.gpuThrottleSamples, 4);
    EXPECT_EQ(hot.gpuThrottledSamples, 2);
    EXPECT_EQ(hot.gpuThrottleReasons, (std::vector<std::string> { "HW Thermal Slowdown", "SW Power Cap" }));
    EXPECT_DOUBLE_EQ(hot.gpuClockMhz, (1980 + 1500 + 1410 + 1980) / 4.0) << "no devfreq clock: NVML's SM clock";
    StepEvidence devfreq;
    devfreq.gpuClockMhz = 918; // a Jetson's devfreq reading stays
    addNvmlEvidence(devfreq, tracks);
    EXPECT_DOUBLE_EQ(devfreq.gpuClockMhz, 918);
    StepEvidence cool;
    cool.stepId = "s2-device-pre-post";
    const RunVerdicts verdicts = judgeSteps({ cool, hot });
    EXPECT_FALSE(verdicts.steps[0].disturbed());
    EXPECT_TRUE(mentions(verdicts.steps[1],
        "the GPU lowered its clock (HW Thermal Slowdown, SW Power Cap): NVML's throttle reasons in 2 of 4 samples"))
        << (verdicts.steps[1].reasons.empty() ? "" : verdicts.steps[1].reasons.front());
}

TEST(Verdict, DetectorDriftOnlyBetweenTheSameForwardPassOnACpu)
{
    StepEvidence a;
    a.stepId = "s2-device-pre-post";
    a.batch = 1;
    a.precision = "fp32";
    a.detectorMsPerFrame = 300;
    StepEvidence b = a;
    b.stepId = "s3-batching";
    b.batch = 4; // another forward pass: free to differ
    b.detectorMsPerFrame = 600;
    EXPECT_FALSE(judgeSteps({ a, b }).run.disturbed());
    b.batch = 1;
    b.onCpu = false;
    a.onCpu = false; // on a GPU the range times launches, which syncs move
    EXPECT_FALSE(judgeSteps({ a, b }).run.disturbed());
    // A tick or two of other processes in a short step is below the counters' resolution.
    StepEvidence shortStep;
    shortStep.windowSeconds = 0.1;
    shortStep.cpus = 2;
    shortStep.otherCpuSeconds = 0.03;
    EXPECT_FALSE(judgeSteps({ shortStep }).run.disturbed());
}

namespace {

/// A fake /proc and /sys tree under a temporary folder.
class FakeMachine
{
public:
    FakeMachine()
    {
        m_root = testing::TempDir() + "/es_probe_" + std::to_string(getpid()) + "_" + std::to_string(++s_count);
        write("/proc/stat", "cpu  10 0 10 100 0 0 0 0 0 0\ncpu0 5 0 5 50 0 0 0 0 0 0\ncpu1 5 0 5 50 0 0 0 0 0 0\n");
        write("/proc/self/stat", "42 (edgescope cli) R 1 1 1 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0\n");
    }
    ~FakeMachine() { std::system(("rm -rf '" + m_root + "'").c_str()); }

    void write(const std::string& path, const std::string& text)
    {
        const std::string full = m_root + path;
        for (size_t slash = full.find('/', 1); slash != std::string::npos; slash = full.find('/', slash + 1))
            mkdir(full.substr(0, slash).c_str(), 0755);
        std::ofstream(full) << text;
    }
    const std::string& root() const { return m_root; }

private:
    std::string m_root;
    static inline int s_count = 0;
};

} // namespace

TEST(MachineProbe, ReadsTicksClocksAndThrottlesOfTheFakeTree)
{
    FakeMachine machine;
    machine.write("/sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq", "2000000\n");
    machine.write("/sys/devices/system/cpu/cpu1/cpufreq/scaling_cur_freq", "1000000\n");
    machine.write("/sys/devices/system/cpu/cpu0/thermal_throttle/core_throttle_count", "4\n");
    MachineProbe probe(machine.root());
    EXPECT_EQ(probe.cpus(), 2);
    MachineReading first = probe.read(1);
    EXPECT_EQ(first.busyTicks, 20); // user + system of cpu0 and cpu1
    EXPECT_EQ(first.selfTicks, 10); // utime 7 + stime 3 after "(edgescope cli)"
    EXPECT_DOUBLE_EQ(first.cpuClockMhz, 1500);
    EXPECT_EQ(first.cpuThrottleEvents, 4);
    EXPECT_LT(first.gpuClockMhz, 0) << "no GPU devfreq in the tree";
    machine.write("/proc/stat", "cpu0 9 0 5 50 0 0 0 3 0 0\ncpu1 5 0 5 50 0 0 0 0 0 0\n");
    const MachineReading second = probe.read(2);
    EXPECT_EQ(second.busyTicks, 24);
    EXPECT_EQ(second.stealTicks, 3);
}

TEST(MachineProbe, NamesDriftRisksBeforeARun)
{
    FakeMachine machine;
    machine.write("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "performance\n");
    machine.write("/sys/devices/system/cpu/cpu1/cpufreq/scaling_governor", "performance\n");
    EXPECT_TRUE(MachineProbe(machine.root()).driftRisks().empty());
    machine.write("/sys/devices/system/cpu/cpu1/cpufreq/scaling_governor", "schedutil\n");
    auto risks = MachineProbe(machine.root()).driftRisks();
    ASSERT_EQ(risks.size(), 1u);
    EXPECT_NE(risks[0].find("governor is schedutil on 1 of 2 CPUs"), std::string::npos) << risks[0];
    EXPECT_NE(risks[0].find("cpupower frequency-set -g performance"), std::string::npos);

    // A Jetson in its 15 W mode, clocks not pinned.
    machine.write("/etc/nv_tegra_release", "# R36 (release), REVISION: 4.0\n");
    machine.write("/etc/nvpmodel.conf", "< POWER_MODEL ID=0 NAME=MAXN >\n< POWER_MODEL ID=2 NAME=15W >\n");
    machine.write("/var/lib/nvpmodel/status", "pmode:0002 fmode:quiet\n");
    machine.write("/sys/devices/system/cpu/cpu0/cpufreq/scaling_min_freq", "729600\n");
    machine.write("/sys/devices/system/cpu/cpu0/cpufreq/scaling_max_freq", "1728000\n");
    risks = MachineProbe(machine.root()).driftRisks();
    ASSERT_EQ(risks.size(), 3u);
    EXPECT_NE(risks[0].find("sudo jetson_clocks"), std::string::npos) << risks[0];
    EXPECT_NE(risks[1].find("nvpmodel mode 2 (15W), not its highest, 0 (MAXN): sudo nvpmodel -m 0"), std::string::npos)
        << risks[1];
    EXPECT_NE(risks[2].find("jetson_clocks is not on"), std::string::npos) << risks[2];
}
