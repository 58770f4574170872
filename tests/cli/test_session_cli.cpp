// SPDX-License-Identifier: Apache-2.0
// The session through the real edgescope-cli binary: --out, --profile, stats, and a kill during a run.
#include "collect/gpu_probe.h"
#include "commands.h"
#include "es_config.h"
#include "model/trace_model.h"
#include "reports/session_stats.h"
#include "run_cli.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace es;

namespace {

std::string tempSession(const std::string& name)
{
    const std::string path
        = testing::TempDir() + "/es_cli_session_" + std::to_string(getpid()) + "_" + name + ".sqlite";
    std::remove(path.c_str());
    return path;
}

pid_t spawnCli(std::vector<std::string> arguments)
{
    arguments.insert(arguments.begin(), ES_CLI_PATH);
    const pid_t pid = fork();
    if (pid == 0) {
        std::vector<char*> argv;
        for (auto& argument : arguments)
            argv.push_back(argument.data());
        argv.push_back(nullptr);
        freopen("/dev/null", "w", stdout);
        freopen("/dev/null", "w", stderr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    return pid;
}

int runToEnd(const std::vector<std::string>& arguments)
{
    const pid_t pid = spawnCli(arguments);
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::pair<int, std::string> cliInProcess(std::vector<std::string> arguments)
{
    return es::test_support::runCliInProcess(std::move(arguments));
}

size_t completedRuns(const std::string& path)
{
    auto store = prof::SessionStore::openForReading(path);
    if (!store)
        return 0;
    auto runs = store.value()->runs();
    return runs ? runs->size() : 0;
}

} // namespace

/// The frames of a run during which at least one operator was recorded.
int64_t framesWithOperators(const prof::TraceModel& model)
{
    int64_t covered = 0;
    for (const prof::FrameEvent& frame : model.frames) {
        bool any = false;
        for (const prof::ThreadTrack& thread : model.threads)
            for (const prof::SliceEvent& op : thread.operators)
                any = any || (op.startNs >= frame.startNs && op.startNs <= frame.endNs);
        covered += any ? 1 : 0;
    }
    return covered;
}

TEST(SessionCli, OperatorsAreRecordedOnTheScheduledBatches)
{
    for (const auto& [stride, recorded] : { std::pair<const char*, int64_t> { "2", 2 }, { "1", 4 } }) {
        const std::string session = tempSession(std::string("stride") + stride);
        ASSERT_EQ(runToEnd({ "run", "--synthetic", "96x64", "--frames", "4", "--warmup", "0", "--steps", "0",
                      "--no-detector-only", "--out", session, "--profile", "full", "--operator-stride", stride, "-q" }),
            0);
        auto store = prof::SessionStore::openForReading(session).value();
        const auto runs = store->runs().value();
        ASSERT_EQ(runs.size(), 1u);
        const auto model = prof::loadRun(*store, runs[0].runId).value();
        ASSERT_EQ(model.frames.size(), 4u);
        EXPECT_EQ(framesWithOperators(model), recorded) << "--operator-stride " << stride;
        const auto result = nlohmann::json::parse(runs[0].record.resultJson);
        EXPECT_EQ(result["operator_batches"], recorded);
        EXPECT_EQ(nlohmann::json::parse(runs[0].record.configJson)["operator_stride"], std::stoi(stride));
        EXPECT_EQ(runs[0].record.profile, "full");
    }
    const auto [code, text] = cliInProcess({ "run", "--synthetic", "96x64", "--frames", "1", "--steps", "0",
        "--profile", "full", "--operator-stride", "0" });
    EXPECT_NE(code, 0);
    EXPECT_NE(text.find("--operator-stride"), std::string::npos) << text;
}

TEST(SessionCli, FullProfileRecordsRangesOperatorsAndSamplers)
{
    const std::string session = tempSession("full");
    ASSERT_EQ(runToEnd({ "run", "--synthetic", "160x120", "--frames", "2", "--warmup", "0", "--steps", "0,3", "--batch",
                  "2", "--no-detector-only", "--out", session, "--profile", "full", "--sample-period", "20", "-q" }),
        0);
    const auto [code, text] = cliInProcess({ "stats", session, "--report", "nvtx_sum", "--format", "json" });
    ASSERT_EQ(code, 0) << text;
    const auto json = nlohmann::json::parse(text);
    std::map<std::string, int64_t> instances;
    for (const auto& row : json["rows"])
        instances[row["Range"]] = row["Instances"];
    EXPECT_EQ(instances["detector"], 2 + 1) << "two frames in s0, one batch of two in s3";
    EXPECT_EQ(instances["buffer_to_image_tensor"], 3);
    EXPECT_EQ(instances["frame"], 2);
    EXPECT_EQ(instances["batch"], 1);

    auto store = prof::SessionStore::openForReading(session).value();
    auto ops = prof::computeReport(*store, "op_sum", {}).value();
    bool convolution = false;
    for (const auto& row : ops.rows)
        convolution = convolution || std::get<std::string>(row.back()).find("conv") != std::string::npos;
    EXPECT_TRUE(convolution) << "full profile records LibTorch operators";
    EXPECT_FALSE(prof::computeReport(*store, "os_util", {}).value().rows.empty());
    const auto environment = store->environment().value();
    EXPECT_FALSE(environment.at("cpu_model").empty());
    EXPECT_FALSE(environment.at("libtorch_version").empty());
    // GPU tracing: each run says whether it was traced, and if not, why.
    const auto trace = prof::computeReport(*store, "gpu_trace", {}).value();
    ASSERT_EQ(trace.rows.size(), 2u);
    const bool gpuHere = prof::probeGpu().tracing.available;
    for (const auto& row : trace.rows) {
        const std::string state = std::get<std::string>(row[2]);
        if (!gpuHere) {
            EXPECT_EQ(state, "unavailable");
            EXPECT_FALSE(std::get<std::string>(row.back()).empty()) << "the reason is stored with the run";
        } else {
            EXPECT_TRUE(state == "traced" || !std::get<std::string>(row.back()).empty()) << state;
        }
    }
    std::remove(session.c_str());
}

TEST(SessionCli, FullProfileSaysWhyTheGpuIsNotTraced)
{
    if (prof::probeGpu().tracing.available)
        GTEST_SKIP() << "this machine can trace the GPU (the gpu-labelled tests cover it)";
    const auto [code, text] = cliInProcess({ "run", "--synthetic", "64x48", "--frames", "1", "--warmup", "0", "--steps",
        "2", "--no-detector-only", "--profile", "full" });
    ASSERT_EQ(code, 0) << text;
    EXPECT_NE(text.find("GPU tracing unavailable: "), std::string::npos) << text;
    const auto [jsonCode, jsonText] = cliInProcess({ "run", "--synthetic", "64x48", "--frames", "1", "--warmup", "0",
        "--steps", "2", "--no-detector-only", "--profile", "full", "--json", "-q" });
    ASSERT_EQ(jsonCode, 0);
    const auto json = nlohmann::json::parse(jsonText);
    EXPECT_EQ(json["gpu_tracing"]["state"], "unavailable");
    EXPECT_FALSE(json["gpu_tracing"]["reason"].get<std::string>().empty());
    EXPECT_FALSE(json["gpu_tracing"]["fix"].get<std::string>().empty());
    EXPECT_TRUE(json["steps"][0]["gpu"].is_null());
    // --profile light does not try.
    const auto [lightCode, lightText] = cliInProcess({ "run", "--synthetic", "64x48", "--frames", "1", "--warmup", "0",
        "--steps", "2", "--no-detector-only", "--profile", "light", "--json", "-q" });
    ASSERT_EQ(lightCode, 0);
    EXPECT_EQ(nlohmann::json::parse(lightText)["gpu_tracing"]["state"], "off");
}

TEST(SessionCli, ProfileOffRecordsNoRanges)
{
    const std::string session = tempSession("off");
    ASSERT_EQ(runToEnd({ "run", "--synthetic", "160x120", "--frames", "1", "--warmup", "0", "--steps", "2",
                  "--no-detector-only", "--out", session, "--profile", "off", "-q" }),
        0);
    auto store = prof::SessionStore::openForReading(session).value();
    ASSERT_EQ(store->runs().value().size(), 1u);
    EXPECT_TRUE(prof::computeReport(*store, "nvtx_sum", {}).value().rows.empty());
    EXPECT_TRUE(prof::computeReport(*store, "os_util", {}).value().rows.empty());
    EXPECT_EQ(store->runs().value()[0].record.profile, "off");
    std::remove(session.c_str());
}

TEST(SessionCli, AKillDuringTheThirdRunKeepsTheFirstTwo)
{
    const std::string session = tempSession("killed");
    const pid_t child = spawnCli({ "run", "--synthetic", "320x240", "--frames", "2", "--warmup", "0", "--steps", "all",
        "--no-detector-only", "--out", session, "-q" });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    size_t runs = 0;
    while (std::chrono::steady_clock::now() < deadline && (runs = completedRuns(session)) < 2) {
        int status = 0;
        ASSERT_EQ(waitpid(child, &status, WNOHANG), 0) << "the run ended before its third step";
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_EQ(runs, 2u);
    kill(child, SIGKILL); // during the third run
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status));

    auto store = prof::SessionStore::openForReading(session);
    ASSERT_TRUE(store.isOk()) << store.status().message();
    const auto completed = store.value()->runs().value();
    ASSERT_EQ(completed.size(), 2u);
    EXPECT_EQ(completed[0].record.step, "s0-baseline");
    EXPECT_EQ(completed[1].record.step, "s1-cpu-postprocess");
    for (const auto& run : completed)
        EXPECT_EQ(run.record.status, "complete");
    const auto nvtx = prof::computeReport(*store.value(), "nvtx_sum", {}).value();
    EXPECT_FALSE(nvtx.rows.empty());
    store = Result<std::unique_ptr<prof::SessionStore>>(Status(StatusCode::Cancelled, "closed"));

    // The file takes new runs afterwards.
    ASSERT_EQ(runToEnd({ "run", "--synthetic", "160x120", "--frames", "1", "--warmup", "0", "--steps", "2",
                  "--no-detector-only", "--out", session, "-q" }),
        0);
    EXPECT_EQ(completedRuns(session), 3u);
    std::remove(session.c_str());
}

TEST(SessionCli, StatsRefusesBadFilesAndOptions)
{
    EXPECT_EQ(cliInProcess({ "stats", "/nonexistent/lab.sqlite" }).first, cli::kExitFailed);
    const std::string session = tempSession("options");
    ASSERT_EQ(runToEnd({ "run", "--synthetic", "160x120", "--frames", "1", "--warmup", "0", "--steps", "2",
                  "--no-detector-only", "--out", session, "-q" }),
        0);
    EXPECT_EQ(cliInProcess({ "stats", session, "--report", "bogus" }).first, cli::kExitUsage);
    EXPECT_EQ(cliInProcess({ "stats", session, "--format", "xml" }).first, cli::kExitUsage);
    EXPECT_EQ(cliInProcess({ "stats", session, "--run", "42" }).first, cli::kExitUsage);
    const auto csv = cliInProcess({ "stats", session, "--report", "frames", "--format", "csv" });
    EXPECT_EQ(csv.first, 0);
    EXPECT_EQ(csv.second.rfind("Run,Step,", 0), 0u) << csv.second;
    EXPECT_EQ(cliInProcess({ "run", "--synthetic", "64x48", "--profile", "max" }).first, cli::kExitUsage);
    std::remove(session.c_str());
}

TEST(SessionCli, HtmlReportCarriesIntervalsAndVerdicts)
{
    const std::string session = tempSession("report");
    ASSERT_EQ(runToEnd({ "run", "--synthetic", "96x64", "--frames", "3", "--warmup", "0", "--repeat", "2", "--steps",
                  "0,2", "--no-detector-only", "--out", session, "-q" }),
        0);
    const std::string html = tempSession("report.html");
    const auto [code, text] = cliInProcess({ "export", session, "--format", "html", "-o", html });
    ASSERT_EQ(code, 0) << text;
    std::ifstream file(html);
    const std::string report((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    EXPECT_NE(report.find("<th>95% interval</th>"), std::string::npos);
    EXPECT_NE(report.find("<th>verdict</th>"), std::string::npos);
    EXPECT_NE(report.find("whiskers: 95% interval"), std::string::npos);
    EXPECT_NE(report.find("stroke=\"#222\""), std::string::npos) << "an error bar on the waterfall";
    const bool judged
        = report.find(">steady</span>") != std::string::npos || report.find(">disturbed</span>") != std::string::npos;
    EXPECT_TRUE(judged) << "each run's verdict";
    // s2 against s0: its ratio interval in x, then faster, slower, within noise or too few samples.
    const bool speedup = report.find("x faster") != std::string::npos || report.find("x slower") != std::string::npos
        || report.find("x within noise") != std::string::npos;
    EXPECT_TRUE(speedup);
    std::remove(html.c_str());
    std::remove(session.c_str());
}

TEST(SessionCli, ExportsEveryFormatAndImportsItBack)
{
    const std::string session = tempSession("export");
    ASSERT_EQ(runToEnd({ "run", "--synthetic", "96x64", "--frames", "2", "--warmup", "0", "--steps", "2,3", "--batch",
                  "2", "--no-detector-only", "--out", session, "--profile", "full", "-q" }),
        0);
    std::map<std::string, std::string> outputs;
    for (const char* format : { "nvtxt", "nsys-sqlite", "chrome", "csv", "html" }) {
        const std::string output = outputs[format] = tempSession(std::string("export-") + format);
        const auto [code, text] = cliInProcess({ "export", session, "--step", "s2", "--format", format, "-o", output });
        EXPECT_EQ(code, 0) << format << ": " << text;
        EXPECT_NE(text.find("events/s"), std::string::npos) << "the export says its rate";
        std::ifstream written(output);
        EXPECT_TRUE(written.good()) << format;
    }
    // The Chrome trace back into a session: the same stage ranges.
    const std::string chrome = outputs["chrome"];
    const std::string imported = tempSession("imported");
    const auto [code, text] = cliInProcess({ "import", chrome, "-o", imported });
    ASSERT_EQ(code, 0) << text;
    auto original = prof::SessionStore::openForReading(session).value();
    auto copy = prof::SessionStore::openForReading(imported).value();
    const auto before = prof::computeReport(*original, "nvtx_sum", { 1 }).value();
    const auto after = prof::computeReport(*copy, "nvtx_sum", {}).value();
    ASSERT_EQ(before.rows.size(), after.rows.size());
    for (size_t i = 0; i < before.rows.size(); ++i) {
        EXPECT_EQ(before.rows[i].back(), after.rows[i].back());
        EXPECT_EQ(before.rows[i][2], after.rows[i][2])
            << "instances of " << std::get<std::string>(before.rows[i].back());
        EXPECT_EQ(before.rows[i][1], after.rows[i][1]) << "total ns, exact through microseconds with 3 decimals";
    }
    EXPECT_EQ(copy->runs().value()[0].record.step, "import");
    // Refusals: an unknown format is a usage error, a missing or foreign file a failure.
    EXPECT_EQ(
        cliInProcess({ "export", session, "--format", "pdf", "-o", tempSession("x.pdf") }).first, cli::kExitUsage);
    EXPECT_EQ(cliInProcess({ "export", session, "--step", "s9", "--format", "csv", "-o", tempSession("x.csv") }).first,
        cli::kExitUsage);
    EXPECT_EQ(cliInProcess({ "import", "/nonexistent/trace.json", "-o", imported }).first, cli::kExitFailed);
    EXPECT_EQ(cliInProcess({ "import", session, "-o", imported }).first, cli::kExitUsage)
        << "a lab session is not imported into another";
}

TEST(SessionCli, CompareExplainsEachStep)
{
    // A real lab run of the sample clip (synthetic frames in a build without OpenCV).
    const std::string session = tempSession("compare");
#if ES_HAS_OPENCV
    const std::vector<std::string> input = { "--video", std::string(ES_SAMPLE_VIDEO_DIR) + "/vtest_pedestrians.mp4" };
#else
    const std::vector<std::string> input = { "--synthetic", "96x64" };
#endif
    std::vector<std::string> arguments = { "run", input[0], input[1], "--frames", "2", "--warmup", "0", "--steps",
        "0,2", "--no-detector-only", "--out", session, "--profile", "full", "-q" };
    ASSERT_EQ(runToEnd(arguments), 0);
    const auto [code, text] = cliInProcess({ "compare", session, "--format", "json" });
    ASSERT_EQ(code, 0) << text;
    const auto json = nlohmann::json::parse(text);
    ASSERT_EQ(json["runs"].size(), 2u);
    ASSERT_EQ(json["comparisons"].size(), 1u);
    // s0's host NMS loop reads scalars (.item()) thousands of times per frame; s2's batched NMS does not.
    bool loop = false;
    for (const auto& finding : json["runs"][0]["findings"])
        loop = loop || finding["rule"] == "scalar-reads-in-loop";
    EXPECT_TRUE(loop) << json["runs"][0]["findings"].dump(1);
    EXPECT_GT(json["runs"][0]["host_scalar_reads_per_frame"].get<double>(), 100);
    bool gone = false;
    for (const auto& finding : json["comparisons"][0]["findings_disappeared"])
        gone = gone || finding["rule"] == "scalar-reads-in-loop";
    EXPECT_TRUE(gone);
    EXPECT_GT(json["comparisons"][0]["predicted_speedup"].get<double>(), 1.0);
    EXPECT_GT(json["comparisons"][0]["measured_speedup"].get<double>(), 0.0);
    const auto [tableCode, table] = cliInProcess({ "compare", session });
    ASSERT_EQ(tableCode, 0);
    EXPECT_NE(table.find("finding [scalar-reads-in-loop]"), std::string::npos) << table;
    EXPECT_NE(table.find("measured"), std::string::npos);
    // Two sessions: the same steps side by side; and refusals.
    const auto [twoCode, two] = cliInProcess({ "compare", session, session, "--format", "json" });
    ASSERT_EQ(twoCode, 0) << two;
    EXPECT_EQ(nlohmann::json::parse(two)["comparisons"].size(), 2u) << "s0 with s0, s2 with s2";
    EXPECT_EQ(cliInProcess({ "compare", session, "--base", "1", "--with", "9" }).first, cli::kExitUsage);
    EXPECT_EQ(cliInProcess({ "compare", "/nonexistent.sqlite" }).first, cli::kExitFailed);
    EXPECT_EQ(cliInProcess({ "compare", session, "--format", "xml" }).first, cli::kExitUsage);
}
