// SPDX-License-Identifier: Apache-2.0
// edgescope-cli weights list | fetch | verify | path: exit codes, messages and the JSON, against a real HTTP server
// on 127.0.0.1 (tests/data/http/serve.py). Every test has its own XDG_CACHE_HOME.
#include "../engine/fetch/local_http_server.h"
#include "commands.h"
#include "edgescope/engine/weights_cache.h"
#include "es_config.h"
#include "run_cli.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>

using namespace es;
using es::test_support::LocalHttpServer;
using es::test_support::runCliInProcess;

namespace {

/// Its own cache folder (XDG_CACHE_HOME) and a fixture in www/ for each test.
class WeightsCli : public ::testing::Test
{
protected:
    void SetUp() override
    {
        m_dir = testing::TempDir() + "/es_weights_cli_" + std::to_string(::getpid()) + "_"
            + testing::UnitTest::GetInstance()->current_test_info()->name();
        std::filesystem::remove_all(m_dir);
        std::filesystem::create_directories(m_dir + "/www");
        if (const char* old = std::getenv("XDG_CACHE_HOME"))
            m_oldXdg = old;
        ::setenv("XDG_CACHE_HOME", (m_dir + "/cache").c_str(), 1);
        ::unsetenv("http_proxy");
        for (int i = 0; i < 200000; ++i)
            m_bytes += char((i * 131) ^ (i >> 9));
        std::ofstream(m_dir + "/www/fixture.bin", std::ios::binary) << m_bytes;
    }

    void TearDown() override
    {
        m_oldXdg ? ::setenv("XDG_CACHE_HOME", m_oldXdg->c_str(), 1) : ::unsetenv("XDG_CACHE_HOME");
        std::filesystem::remove_all(m_dir);
    }

    bool startServer()
    {
        if (!ES_HAS_CURL)
            return false;
        m_server.emplace(m_dir + "/www");
        return m_server->ok();
    }

    std::string cached(const std::string& file) const { return m_dir + "/cache/edgescope/weights/" + file; }

    std::string m_dir;
    std::string m_bytes;
    std::optional<std::string> m_oldXdg;
    std::optional<LocalHttpServer> m_server;
};

#define START_SERVER_OR_SKIP()                                                                                         \
    if (!startServer())                                                                                                \
    GTEST_SKIP() << (ES_HAS_CURL ? "serve.py did not start: " + m_server->error() : std::string("no libcurl"))

} // namespace

TEST_F(WeightsCli, ListShowsEverySourceAndTheCache)
{
    std::string out;
    auto [code, err] = runCliInProcess({ "weights", "list" }, &out);
    EXPECT_EQ(code, 0) << err;
    EXPECT_NE(out.find("weights cache: " + m_dir + "/cache/edgescope/weights"), std::string::npos) << out;
    for (const auto& source : engine::weightsSources()) {
        EXPECT_NE(out.find(source.name), std::string::npos) << source.name;
        EXPECT_NE(out.find(cached(source.fileName)), std::string::npos) << source.fileName;
    }
    EXPECT_NE(out.find("35.4 MB"), std::string::npos) << "yolov3-tiny's published size";

    std::tie(code, err) = runCliInProcess({ "weights", "list", "--json" }, &out);
    EXPECT_EQ(code, 0) << err;
    const auto json = nlohmann::json::parse(out);
    ASSERT_EQ(json["weights"].size(), engine::weightsSources().size());
    EXPECT_EQ(json["weights"][0]["name"], "ssd300");
    EXPECT_EQ(json["weights"][0]["cached"], false);
    EXPECT_EQ(json["cache"], m_dir + "/cache/edgescope/weights");
}

TEST_F(WeightsCli, FetchPrintsJsonThenPathAndVerifyFindIt)
{
    START_SERVER_OR_SKIP();
    std::string out;
    auto [code, err] = runCliInProcess({ "weights", "path", "ssd300" }, &out);
    EXPECT_EQ(code, 1);
    EXPECT_NE(err.find("edgescope-cli weights fetch ssd300"), std::string::npos) << err;

    std::tie(code, err) = runCliInProcess(
        { "weights", "fetch", "ssd300", "--url", m_server->url("ok", "fixture.bin"), "--json" }, &out);
    ASSERT_EQ(code, 0) << err;
    const auto json = nlohmann::json::parse(out);
    EXPECT_EQ(json["ok"], true);
    EXPECT_EQ(json["name"], "ssd300");
    EXPECT_EQ(json["bytes"], m_bytes.size());
    EXPECT_EQ(json["path"], cached("nvidia_ssdpyt_amp_200703.pt"));
    EXPECT_EQ(json["already_cached"], false);
    EXPECT_EQ(json["sha256"].get<std::string>().size(), 64u);
    EXPECT_NE(err.find("100 %"), std::string::npos) << "progress on stderr: " << err;

    std::tie(code, err) = runCliInProcess({ "weights", "path", "ssd" }, &out);
    EXPECT_EQ(code, 0) << err;
    EXPECT_EQ(out, cached("nvidia_ssdpyt_amp_200703.pt") + "\n");

    std::tie(code, err) = runCliInProcess({ "weights", "verify", cached("nvidia_ssdpyt_amp_200703.pt") }, &out);
    EXPECT_EQ(code, 0) << err;
    EXPECT_NE(out.find(json["sha256"].get<std::string>()), std::string::npos) << out;
    EXPECT_NE(out.find("publishes no checksum"), std::string::npos) << out;

    // Once more: already there, nothing downloaded.
    std::tie(code, err)
        = runCliInProcess({ "weights", "fetch", "ssd300", "--url", m_server->url("ok", "fixture.bin") }, &out);
    EXPECT_EQ(code, 0) << err;
    EXPECT_NE(out.find("already in the cache"), std::string::npos) << out;
    EXPECT_EQ(m_server->requests().size(), 1u);
}

TEST_F(WeightsCli, FailuresExitOneWithTheAddress)
{
    START_SERVER_OR_SKIP();
    std::string out;
    const std::string missing = m_server->url("ok", "missing.pt");
    auto [code, err] = runCliInProcess({ "weights", "fetch", "ssd300", "--url", missing, "--json" }, &out);
    EXPECT_EQ(code, 1);
    EXPECT_NE(err.find("not found at " + missing), std::string::npos) << err;
    const auto json = nlohmann::json::parse(out);
    EXPECT_EQ(json["ok"], false);
    EXPECT_EQ(json["code"], statusCodeName(StatusCode::NotFound));

    std::tie(code, err)
        = runCliInProcess({ "weights", "fetch", "ssd300", "--url", m_server->url("wrong", "fixture.bin"), "--sha256",
                              engine::sha256OfFile(m_dir + "/www/fixture.bin").value() },
            &out);
    EXPECT_EQ(code, 1);
    EXPECT_NE(err.find("partial file was removed"), std::string::npos) << err;
}

TEST_F(WeightsCli, BadCommandLinesExitTwo)
{
    for (const std::vector<std::string>& arguments : std::vector<std::vector<std::string>> {
             { "weights" },
             { "weights", "fetch" },
             { "weights", "fetch", "vgg16" },
             { "weights", "fetch", "ssd300", "yolo", "--url", "http://127.0.0.1:9/x" },
             { "weights", "fetch", "ssd300", "--timeout", "soon" },
             { "weights", "fetch", "ssd300", "--sha256", "0676ba61" },
             { "weights", "path", "vgg16" },
             { "weights", "verify", "x.pt", "--name", "vgg16" },
         }) {
        auto [code, err] = runCliInProcess(arguments);
        EXPECT_EQ(code, 2) << arguments.back() << ": " << err;
    }
}

TEST_F(WeightsCli, VerifyComparesWithThePublisher)
{
    const std::string file = m_dir + "/www/fixture.bin";
    std::string out;
    auto [code, err] = runCliInProcess({ "weights", "verify", file }, &out);
    EXPECT_EQ(code, 0) << err;
    EXPECT_NE(out.find("200000 bytes"), std::string::npos) << out;
    EXPECT_NE(out.find("--name"), std::string::npos) << out;
    std::tie(code, err) = runCliInProcess({ "weights", "verify", file, "--name", "resnet50" }, &out);
    EXPECT_EQ(code, 1);
    EXPECT_NE(err.find("0676ba61"), std::string::npos) << err;
    std::tie(code, err) = runCliInProcess({ "weights", "verify", m_dir + "/none.pt" }, &out);
    EXPECT_EQ(code, 1);
    EXPECT_NE(err.find("none.pt"), std::string::npos) << err;
}

TEST_F(WeightsCli, TheBinaryPrintsOneJsonLinePerFetch)
{
    START_SERVER_OR_SKIP();
    const std::string command = std::string(ES_CLI_PATH) + " weights fetch ssd300 --url '"
        + m_server->url("ok", "fixture.bin") + "' --json 2>" + m_dir + "/stderr.txt";
    FILE* pipe = ::popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string out;
    char buffer[4096];
    for (size_t got; (got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;)
        out.append(buffer, got);
    const int status = ::pclose(pipe);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << out;
    ASSERT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
    EXPECT_EQ(nlohmann::json::parse(out)["path"], cached("nvidia_ssdpyt_amp_200703.pt"));
}
