// SPDX-License-Identifier: Apache-2.0
// The regression gate and --repeat on real runs: a session passes against itself, a step slowed down (one thread,
// busy processes beside it) fails with JUnit XML naming it, and a run's JSON carries the intervals and verdicts.
#include "commands.h"
#include "run_cli.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace es;
using namespace es::cli;
using es::test_support::runCliInProcess;

namespace {

std::string temp(const std::string& name)
{
    const std::string path = testing::TempDir() + "/es_gate_" + std::to_string(getpid()) + "_" + name;
    std::remove(path.c_str());
    return path;
}

std::string readAll(const std::string& path)
{
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

/// Busy processes on every CPU while it lives: what slows the "current" run beyond the machine's noise.
class BusyProcesses
{
public:
    explicit BusyProcesses(unsigned count)
    {
        for (unsigned i = 0; i < count; ++i) {
            const pid_t pid = fork();
            if (pid == 0) {
                for (volatile unsigned long spin = 0;; spin = spin + 1) { }
            }
            if (pid > 0)
                m_pids.push_back(pid);
        }
    }
    ~BusyProcesses()
    {
        for (pid_t pid : m_pids) {
            kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
        }
    }

private:
    std::vector<pid_t> m_pids;
};

} // namespace

TEST(GateCli, RepeatJsonCarriesIntervalsAndVerdicts)
{
    std::string out;
    const auto [code, err]
        = runCliInProcess({ "run", "--synthetic", "160x120", "--frames", "3", "--warmup", "0", "--steps", "0,2",
                              "--repeat", "2", "--json", "--device", "cpu", "--no-detector-only", "-q" },
            &out);
    ASSERT_EQ(code, kExitOk) << err;
    const auto json = nlohmann::json::parse(out);
    EXPECT_EQ(json["repeat"], 2);
    EXPECT_TRUE(json["verdict"]["state"] == "steady" || json["verdict"]["state"] == "disturbed");
    for (const auto& step : json["steps"]) {
        ASSERT_EQ(step["fps_interval"].size(), 2u);
        EXPECT_LE(step["fps_interval"][0].get<double>(), step["fps"].get<double>());
        EXPECT_GE(step["fps_interval"][1].get<double>(), step["fps"].get<double>());
        EXPECT_EQ(step["frames"], 6);
        EXPECT_EQ(step["round_fps"].size(), 2u);
        EXPECT_TRUE(step["verdict"]["reasons"].is_array());
    }
    EXPECT_EQ(json["steps"][1]["speedup_interval"].size(), 2u);
    EXPECT_TRUE(json["steps"][1]["speedup_verdict"].is_string());
}

TEST(GateCli, PassesItselfAndFailsAStepSlowedDown)
{
    if (std::thread::hardware_concurrency() < 2)
        GTEST_SKIP() << "one CPU: a run on one thread is not slower here";
    const std::string base = temp("base.sqlite"), slow = temp("slow.sqlite"), junit = temp("gate.xml");
    const std::vector<std::string> run = { "run", "--synthetic", "320x240", "--frames", "6", "--warmup", "1", "--steps",
        "2", "--repeat", "2", "--device", "cpu", "--no-detector-only", "--profile", "off", "-q" };
    std::vector<std::string> baseRun = run, slowRun = run;
    baseRun.insert(baseRun.end(), { "--out", base });
    slowRun.insert(slowRun.end(), { "--threads", "1", "--out", slow });
    ASSERT_EQ(runCliInProcess(baseRun).first, kExitOk);
    {
        // One thread, and busy processes on every CPU beside it: about half the speed, far beyond this machine's noise
        // (one thread alone is only 1.2-1.5x slower on two cores whose host is busy).
        const BusyProcesses busy(std::thread::hardware_concurrency());
        ASSERT_EQ(runCliInProcess(slowRun).first, kExitOk);
    }

    std::string out;
    auto [same, sameErr] = runCliInProcess({ "gate", base, base }, &out);
    EXPECT_EQ(same, kExitOk) << out << sameErr;
    EXPECT_NE(out.find("within noise"), std::string::npos) << out;
    EXPECT_NE(out.find("gate: pass"), std::string::npos);

    auto [worse, worseErr] = runCliInProcess({ "gate", base, slow, "--junit", junit }, &out);
    EXPECT_EQ(worse, kExitFailed) << out << worseErr;
    EXPECT_NE(out.find("FAIL"), std::string::npos) << out;
    const std::string xml = readAll(junit);
    EXPECT_NE(xml.find("<testsuite name=\"edgescope gate\" tests=\"1\" failures=\"1\""), std::string::npos) << xml;
    EXPECT_NE(xml.find("name=\"s2-device-pre-post fp32 batch 1\"><failure message=\"slower: "), std::string::npos)
        << xml;

    // A tolerance wider than the slowdown lets it pass; one outside 0-100 is a usage error.
    EXPECT_EQ(runCliInProcess({ "gate", base, slow, "--tolerance", "99" }).first, kExitOk);
    EXPECT_EQ(runCliInProcess({ "gate", base, slow, "--tolerance", "-3" }).first, kExitUsage);
    const auto [missing, message] = runCliInProcess({ "gate", base, temp("none.sqlite") });
    EXPECT_EQ(missing, kExitFailed);
    EXPECT_NE(message.find("none.sqlite"), std::string::npos) << message;
    for (const auto& path : { base, slow, junit })
        std::remove(path.c_str());
}
