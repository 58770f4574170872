// SPDX-License-Identifier: Apache-2.0
#include "commands.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace es::cli;

namespace {

struct CliRun
{
    int exitCode = -1;
    std::string out, err;
};

CliRun cli(std::vector<std::string> arguments)
{
    arguments.insert(arguments.begin(), "edgescope-cli");
    std::vector<const char*> argv;
    for (const auto& argument : arguments)
        argv.push_back(argument.c_str());
    std::ostringstream out, err;
    CliRun run;
    run.exitCode = runCli(int(argv.size()), argv.data(), out, err);
    run.out = out.str();
    run.err = err.str();
    return run;
}

} // namespace

TEST(Cli, HelpListsCommandsAndSteps)
{
    const CliRun top = cli({ "--help" });
    EXPECT_EQ(top.exitCode, kExitOk);
    EXPECT_NE(top.out.find("run"), std::string::npos);
    EXPECT_NE(top.out.find("devices"), std::string::npos);
    const CliRun run = cli({ "run", "--help" });
    EXPECT_EQ(run.exitCode, kExitOk);
    EXPECT_NE(run.out.find("s2-device-pre-post"), std::string::npos);
    EXPECT_NE(run.out.find("--batch"), std::string::npos);
}

TEST(Cli, BadCommandLinesExitTwoWithAMessage)
{
    for (const auto& arguments : std::vector<std::vector<std::string>> {
             {},
             { "frobnicate" },
             { "run" },
             { "run", "--synthetic", "64x48", "--batch", "0" },
             { "run", "--synthetic", "64x48", "--steps", "9" },
             { "run", "--synthetic", "64", "--frames", "1" },
             { "run", "--synthetic", "64x48", "--frames", "-2" },
             { "run", "--synthetic", "64x48", "--frames", "many" },
             { "run", "--synthetic", "64x48", "--video", "x.mp4" },
         }) {
        const CliRun run = cli(arguments);
        EXPECT_EQ(run.exitCode, kExitUsage) << (arguments.empty() ? "(none)" : arguments[0]) << " " << run.err;
        EXPECT_FALSE(run.err.empty());
        EXPECT_TRUE(run.out.empty());
    }
}

TEST(Cli, MissingVideoAndJunkWeightsExitOneNamingTheFile)
{
    const CliRun missing = cli({ "run", "--video", "/nonexistent/clip.mp4", "--frames", "1", "-q" });
    EXPECT_EQ(missing.exitCode, kExitFailed);
    EXPECT_NE(missing.err.find("/nonexistent/clip.mp4"), std::string::npos);

    const std::string junk = testing::TempDir() + "/es_cli_" + std::to_string(getpid()) + "_junk.pt";
    std::ofstream(junk) << "definitely not weights";
    const CliRun weights = cli({ "run", "--synthetic", "64x48", "--frames", "1", "--weights", junk, "-q" });
    EXPECT_EQ(weights.exitCode, kExitFailed);
    EXPECT_NE(weights.err.find(junk), std::string::npos);
    std::remove(junk.c_str());
}

TEST(Cli, DevicesJsonSaysWhetherGpuTracingWorks)
{
    const CliRun run = cli({ "devices", "--json" });
    ASSERT_EQ(run.exitCode, kExitOk) << run.err;
    const auto json = nlohmann::json::parse(run.out);
    EXPECT_TRUE(json.contains("cpu"));
    EXPECT_GT(json["cpu"]["logical_cores"].get<int>(), 0);
    EXPECT_TRUE(json["gpu_tracing"].contains("available"));
    EXPECT_FALSE(json["gpu_tracing"]["reason"].get<std::string>().empty());
    EXPECT_FALSE(json["libtorch"]["version"].get<std::string>().empty());
}

TEST(Cli, RunJsonIsOneObjectWithTheIssueFields)
{
    const std::string output = testing::TempDir() + "/es_cli_" + std::to_string(getpid()) + "_out.json";
    const CliRun run = cli({ "run", "--synthetic", "160x120", "--frames", "2", "--warmup", "0", "--steps", "0,2",
        "--json", "--device", "cpu", "-o", output });
    ASSERT_EQ(run.exitCode, kExitOk) << run.err;
    const auto json = nlohmann::json::parse(run.out); // throws (fails the test) on anything but one JSON value
    EXPECT_EQ(json["frames"], 2);
    EXPECT_NE(json["weights"].get<std::string>().find("seeded"), std::string::npos);
    ASSERT_EQ(json["steps"].size(), 2u);
    const auto& s0 = json["steps"][0];
    const auto& s2 = json["steps"][1];
    EXPECT_EQ(s0["id"], "s0-baseline");
    EXPECT_EQ(s2["id"], "s2-device-pre-post");
    for (const char* key : { "fps", "detections_per_frame", "candidates_per_frame", "speedup_vs_baseline",
             "detector_only_fps", "pipeline_efficiency", "precision" })
        EXPECT_TRUE(s2.contains(key)) << key;
    for (const char* stage : { "buffer_to_image_tensor", "preprocess", "detector", "postprocess" })
        EXPECT_GT(s2["stages_ms"][stage].get<double>(), 0.0) << stage;
    EXPECT_GT(s2["latency_ms"]["p95"].get<double>(), 0.0);
    EXPECT_DOUBLE_EQ(s0["speedup_vs_baseline"].get<double>(), 1.0);
    EXPECT_TRUE(s2["agreement"]["identical_within_1e-4"].get<bool>());
    EXPECT_GT(s2["detector_only_fps"].get<double>(), 0.0);

    std::ifstream file(output);
    const auto saved = nlohmann::json::parse(file);
    EXPECT_EQ(saved["steps"][1]["detections"].size(), 2u) << "the output file holds every frame's detections";
    std::remove(output.c_str());
}

TEST(Cli, TegrastatsLogSummary)
{
    const std::string log = testing::TempDir() + "/es_cli_" + std::to_string(getpid()) + "_tegrastats.log";
    {
        std::ofstream out(log);
        for (const char* name : { "nano_jp4.txt", "orin_jp5.txt", "orin_jp7.txt" }) {
            std::ifstream in(std::string(ES_TEST_DATA_DIR) + "/tegrastats/" + name);
            std::string line;
            std::getline(in, line);
            out << line << "\n";
        }
        out << "not a tegrastats line\n";
    }
    const CliRun run = cli({ "tegrastats", log, "--json" });
    ASSERT_EQ(run.exitCode, kExitOk) << run.err;
    const auto json = nlohmann::json::parse(run.out);
    EXPECT_EQ(json["lines"], 3);
    EXPECT_EQ(json["rejected"], 1);
    bool gpu = false;
    for (const auto& row : json["rows"])
        if (row["Counter"] == "gpu load") {
            gpu = true;
            EXPECT_EQ(row["Samples"], 3);
            EXPECT_DOUBLE_EQ(row["Max"].get<double>(), 37.0);
        }
    EXPECT_TRUE(gpu);
    EXPECT_EQ(cli({ "tegrastats", "/nonexistent.log" }).exitCode, kExitFailed);
    std::remove(log.c_str());
}

TEST(Cli, BenchJsonCompareAndReportShowTheModelBench)
{
    const std::string session = testing::TempDir() + "/es_cli_" + std::to_string(getpid()) + "_bench.sqlite";
    std::remove(session.c_str());
    const CliRun run = cli({ "bench", "--models", "mobilenet,yolo", "--precisions", "fp32,fp16", "--device", "cpu",
        "--min-time", "0", "--iterations", "2", "--warmup", "1", "--json", "--out", session });
    ASSERT_EQ(run.exitCode, kExitOk) << run.err;
    const auto json = nlohmann::json::parse(run.out);
    ASSERT_EQ(json["models"].size(), 4u);
    EXPECT_EQ(json["models"][0]["model"], "mobilenetv2");
    EXPECT_EQ(json["models"][0]["status"], "ok");
    EXPECT_GT(json["models"][0]["fps"].get<double>(), 0.0);
    EXPECT_GT(json["models"][0]["peak_share"].get<double>(), 0.0);
    EXPECT_EQ(json["models"][2]["model"], "yolov3-tiny");
    ASSERT_EQ(json["peaks"].size(), 2u);
    // fp16 on a CPU: measured where LibTorch runs it, else reported as unsupported with the reason (not a failure).
    for (const auto& model : json["models"]) {
        if (model["status"] != "ok") {
            EXPECT_NE(model["reason"].get<std::string>().find("fp16"), std::string::npos) << model.dump();
        }
    }

    const CliRun compare = cli({ "compare", session });
    ASSERT_EQ(compare.exitCode, kExitOk) << compare.err;
    EXPECT_NE(compare.out.find("Model bench (model x precision)"), std::string::npos) << compare.out;
    EXPECT_NE(compare.out.find("mobilenetv2"), std::string::npos);
    const CliRun devices = cli({ "compare", session, session, "--format", "json" });
    ASSERT_EQ(devices.exitCode, kExitOk) << devices.err;
    const auto both = nlohmann::json::parse(devices.out);
    EXPECT_EQ(both["bench"]["model_precision"].size(), 2u);
    EXPECT_FALSE(both["bench"]["device_model"]["rows"].empty());
    // The same comparison as an HTML page (the second session named by its file: one board twice).
    const std::string devicesHtml = session + ".devices.html";
    const CliRun report = cli({ "compare", session, session, "--format", "html", "-o", devicesHtml });
    ASSERT_EQ(report.exitCode, kExitOk) << report.err;
    EXPECT_NE(report.out.find(devicesHtml), std::string::npos) << report.out;
    {
        std::ifstream page(devicesHtml);
        const std::string text((std::istreambuf_iterator<char>(page)), std::istreambuf_iterator<char>());
        EXPECT_NE(text.find("<h2>Device x model</h2>"), std::string::npos);
        EXPECT_NE(text.find("mobilenetv2"), std::string::npos);
        EXPECT_NE(text.find("1.00x</text>"), std::string::npos) << text; // one session against itself
    }
    std::remove(devicesHtml.c_str());
    EXPECT_EQ(cli({ "compare", session, "--format", "html" }).exitCode, kExitUsage); // no -o

    const std::string html = session + ".html";
    ASSERT_EQ(cli({ "export", session, "--format", "html", "-o", html }).exitCode, kExitOk);
    std::ifstream file(html);
    const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("<h2>Model bench</h2>"), std::string::npos);
    std::remove(html.c_str());
    std::remove(session.c_str());
}

TEST(Cli, BenchRefusesUnknownModelsAndWeights)
{
    const CliRun unknown = cli({ "bench", "--models", "alexnet" });
    EXPECT_EQ(unknown.exitCode, kExitUsage);
    EXPECT_NE(unknown.err.find("alexnet"), std::string::npos);
    const CliRun weights = cli({ "bench", "--models", "resnet50", "--weights", "resnet50=/nonexistent/r50.pt",
        "--device", "cpu", "--min-time", "0", "--iterations", "1" });
    EXPECT_EQ(weights.exitCode, kExitFailed);
    EXPECT_NE(weights.err.find("/nonexistent/r50.pt"), std::string::npos) << weights.err;
    EXPECT_EQ(cli({ "bench", "--weights", "resnet50" }).exitCode, kExitUsage);
}
