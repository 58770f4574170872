// SPDX-License-Identifier: Apache-2.0
// Precision agreement metrics on known inputs, and the bench's results on the synthetic source.
#include "edgescope/engine/model_bench.h"
#include "reports/bench_tables.h"
#include "zoo/precision_agreement.h"

#include <gtest/gtest.h>

#include <cstdio>

using namespace es::engine;

TEST(PrecisionAgreement, MetricsOnKnownInputs)
{
    EXPECT_DOUBLE_EQ(top1Agreement(torch::tensor({ 1, 2, 3 }), torch::tensor({ 1, 2, 4 })), 2.0 / 3.0);
    // Masks: class 0 on 3 pixels in both, class 1: reference 1 pixel, candidate 2 (IoU 1/2); class 0: IoU 2/3... by
    // hand: reference [0 0 0 1], candidate [0 0 1 1] -> class 0: |{0,1}| / |{0,1,2}| = 2/3; class 1: 1/2.
    EXPECT_NEAR(
        maskMeanIou(torch::tensor({ 0, 0, 0, 1 }).view({ 1, 2, 2 }), torch::tensor({ 0, 0, 1, 1 }).view({ 1, 2, 2 })),
        (2.0 / 3.0 + 0.5) / 2.0, 1e-12);
    EXPECT_DOUBLE_EQ(maskMeanIou(torch::ones({ 1, 4, 4 }), torch::ones({ 1, 4, 4 })), 1.0);
    // Keypoints: one moved by (3, 4), one in place: mean distance 2.5 px.
    EXPECT_DOUBLE_EQ(meanKeypointDistance(torch::tensor({ 10.f, 10.f, 5.f, 5.f }).view({ 1, 2, 2 }),
                         torch::tensor({ 13.f, 14.f, 5.f, 5.f }).view({ 1, 2, 2 })),
        2.5);
    TaskOutputs reference, candidate;
    reference.detections = { { { 0.1f, 0.1f, 0.4f, 0.4f, 1, 0.9f }, { 0.5f, 0.5f, 0.9f, 0.9f, 3, 0.8f } } };
    candidate.detections = { { { 0.11f, 0.1f, 0.4f, 0.41f, 1, 0.88f } } };
    const OutputAgreement detections = compareTaskOutputs("detection", reference, candidate);
    EXPECT_EQ(detections.metric, "matched_detections");
    EXPECT_DOUBLE_EQ(detections.value, 0.5);
    reference.classes = torch::tensor({ 4, 5 });
    candidate.classes = torch::tensor({ 4, 5 });
    EXPECT_DOUBLE_EQ(compareTaskOutputs("classification", reference, candidate).value, 1.0);
}

TEST(ModelBench, MeasuresEachModelAndPrecisionOnTheSyntheticSource)
{
    BenchOptions options;
    options.models = { "mobilenetv2", "yolov3-tiny" };
    options.precisions = { "fp32", "bf16", "fp16" };
    options.device = "cpu";
    options.batch = 2;
    options.syntheticWidth = 160;
    options.syntheticHeight = 120;
    options.warmup = 1;
    options.minIterations = 2;
    options.minSeconds = 0;
    options.peakSeconds = 0.02;
    options.agreementImages = 4;
    options.sessionPath = ::testing::TempDir() + "/bench_test.sqlite";
    std::remove(options.sessionPath.c_str());
    auto bench = runBench(options);
    ASSERT_TRUE(bench.isOk()) << bench.status().message();
    EXPECT_EQ(bench->deviceUsed, "cpu");
    ASSERT_EQ(bench->peaks.size(), 3u);
    EXPECT_EQ(bench->peaks[0].precision, "fp32");
    EXPECT_GT(bench->peaks[0].peakGflops, 0.5);
    EXPECT_EQ(bench->peaks[0].peakGflops, std::max(bench->peaks[0].matmulGflops, bench->peaks[0].convGflops));
    ASSERT_EQ(bench->models.size(), 6u); // model x precision, in order
    int written = 0;
    for (const ModelBenchResult& m : bench->models) {
        SCOPED_TRACE(m.model + " " + m.precision);
        if (m.status == "unsupported") {
            EXPECT_NE(m.precision, "fp32");
            EXPECT_NE(m.reason.find("does not run on cpu"), std::string::npos) << m.reason;
            continue;
        }
        ASSERT_EQ(m.status, "ok");
        EXPECT_GE(m.iterations, 2);
        EXPECT_GT(m.fps, 0);
        EXPECT_LE(m.latencyP50Ms, m.latencyP95Ms + 1e-9);
        EXPECT_NEAR(m.achievedGflops, m.gflopsPerImage * m.fps, 1e-6 * m.achievedGflops + 1e-9);
        EXPECT_GT(m.peakShare, 0);
        EXPECT_EQ(m.parameters, m.publishedParameters);
        EXPECT_NEAR(m.weightsMb, double(m.parameters) * (m.precision == "fp32" ? 4 : 2) / 1e6, 0.2);
        EXPECT_GT(m.peakMemoryBytes, 0);
        EXPECT_EQ(m.agreement.has_value(), m.precision != "fp32");
        EXPECT_EQ(m.agreementMetric, m.model == "mobilenetv2" ? "top1_agreement" : "matched_detections");
        if (m.agreement) {
            EXPECT_GE(*m.agreement, 0.0);
            EXPECT_LE(*m.agreement, 1.0);
        }
        EXPECT_GE(m.runId, 1);
        ++written;
    }
    EXPECT_NEAR(bench->models[0].gflopsPerImage, 0.6, 0.01); // MobileNetV2: 0.30 G multiply-accumulates
    EXPECT_EQ(bench->models[0].status, "ok");

    // The runs are in the session, and the bench tables read them back.
    auto store = es::prof::SessionStore::openForReading(options.sessionPath);
    ASSERT_TRUE(store.isOk());
    auto runs = es::prof::readBenchRuns(*store.value());
    ASSERT_TRUE(runs.isOk());
    EXPECT_EQ(int(runs->size()), written);
    const auto table = es::prof::modelPrecisionTable(runs.value());
    EXPECT_EQ(int(table.rows.size()), written);
    EXPECT_EQ(std::get<std::string>(table.rows[0][0]), "mobilenetv2");
    EXPECT_DOUBLE_EQ(std::get<double>(table.rows[0][6]), bench->models[0].fps);
    const auto devices = es::prof::deviceModelTable({ runs.value(), runs.value() });
    ASSERT_EQ(int(devices.rows.size()), written);
    EXPECT_DOUBLE_EQ(std::get<double>(devices.rows[0].back()), 1.0);

    const nlohmann::json json = benchToJson(bench.value());
    EXPECT_EQ(json["models"].size(), 6u);
    EXPECT_EQ(json["models"][0]["model"], "mobilenetv2");
    EXPECT_TRUE(json["models"][0].contains("peak_share"));
}

TEST(ModelBench, RefusesBadOptions)
{
    EXPECT_FALSE(parseModelList("resnet50,nonsense").isOk());
    EXPECT_EQ(parseModelList("yolo, pose").value(), (std::vector<std::string> { "yolov3-tiny", "pose-resnet50" }));
    EXPECT_EQ(parseModelList("all").value().size(), benchModels().size());
    EXPECT_FALSE(parsePrecisionList("fp8").isOk());
    BenchOptions options;
    options.batch = 0;
    EXPECT_EQ(runBench(options).status().code(), es::StatusCode::InvalidArgument);
    options.batch = 1;
    options.models = { "resnet50" };
    options.weights["mobilenetv2"] = "x.pt";
    EXPECT_EQ(runBench(options).status().code(), es::StatusCode::InvalidArgument);
}
