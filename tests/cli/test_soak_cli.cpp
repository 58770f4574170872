// SPDX-License-Identifier: Apache-2.0
// edgescope-cli soak and the values the CLI parses itself (durations).
#include "cli_support.h"
#include "commands.h"
#include "run_cli.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <sstream>
#include <unistd.h>

using namespace es;

using es::test_support::runCliInProcess;

TEST(Durations, ParseSecondsAndUnits)
{
    const std::pair<const char*, double> good[] = { { "90", 90 }, { "90s", 90 }, { "15m", 900 }, { "1.5h", 5400 },
        { "1h30m", 5400 }, { "2m30s", 150 }, { "0.5", 0.5 } };
    for (const auto& [text, seconds] : good) {
        auto parsed = cli::parseDurationSeconds(text);
        ASSERT_TRUE(parsed) << text << ": " << parsed.status().message();
        EXPECT_DOUBLE_EQ(parsed.value(), seconds) << text;
    }
    for (const char* bad : { "", "0", "-5", "m", "5x", "30 m", "5s3", "1e400", "nan", "inf", "400d", "9999999h" }) {
        auto parsed = cli::parseDurationSeconds(bad);
        EXPECT_FALSE(parsed) << "'" << bad << "' was accepted as " << (parsed ? parsed.value() : 0.0);
        if (!parsed) {
            EXPECT_EQ(parsed.status().code(), StatusCode::InvalidArgument);
        }
    }
}

TEST(SoakCli, ReportsAsJsonAndWritesEveryRun)
{
    const std::string session = testing::TempDir() + "/es_soak_cli_" + std::to_string(getpid()) + ".sqlite";
    std::remove(session.c_str());
    std::string out;
    const auto [code, err] = runCliInProcess(
        { "soak", "--synthetic", "64x64", "--step", "s2", "--duration", "3s", "--report-every", "1s", "--frames", "2",
            "--threads", "1", "--profile", "light", "--out", session, "--json", "-q" },
        &out);
    ASSERT_EQ(code, 0) << err;
    const auto json = nlohmann::json::parse(out);
    ASSERT_GE(json["samples"].size(), 1u);
    const auto& last = json["samples"].back();
    EXPECT_GE(last["elapsed_s"].get<double>(), 3.0);
    EXPECT_GT(last["rss_bytes"].get<int64_t>(), 0);
    EXPECT_GE(last["runs"].get<int64_t>(), 1);
    EXPECT_TRUE(json.contains("rss_growth_percent"));
    EXPECT_EQ(json["fd_growth"].get<int64_t>(), 0);
    EXPECT_NE(err.find("RSS"), std::string::npos) << "the summary line goes to stderr";
    std::remove(session.c_str());
}

TEST(SoakCli, RefusesBadArguments)
{
    EXPECT_EQ(
        runCliInProcess({ "soak", "--synthetic", "64x64", "--duration", "soon", "--out", "/tmp/x.sqlite" }).first, 2);
    EXPECT_EQ(runCliInProcess({ "soak", "--synthetic", "64x64", "--step", "0,2", "--out", "/tmp/x.sqlite" }).first, 2);
    const auto [code, err] = runCliInProcess({ "soak", "--synthetic", "64x64", "--duration", "1s" });
    EXPECT_EQ(code, 2) << "--out is required";
    EXPECT_NE(err.find("--out"), std::string::npos) << err;
}
