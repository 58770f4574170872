// SPDX-License-Identifier: Apache-2.0
#include "edgescope/engine/lab.h"
#include "edgescope/engine/steps.h"
#include "video/y4m.h"

#include <gtest/gtest.h>

#include <fstream>
#include <unistd.h>

using namespace es;
using namespace es::engine;

namespace {

LabOptions smallLab()
{
    LabOptions options;
    options.synthetic = true;
    options.syntheticWidth = 320;
    options.syntheticHeight = 240;
    options.frames = 3;
    options.warmup = 0;
    options.batch = 2;
    options.steps = { 0, 1, 2, 3 };
    options.device = "cpu";
    options.measureDetectorOnly = false;
    return options;
}

} // namespace

TEST(Steps, ParsesListsOfNumbersAndIds)
{
    EXPECT_EQ(parseStepList("all").value(), (std::vector<int> { 0, 1, 2, 3, 4 }));
    EXPECT_EQ(parseStepList("0,2,4").value(), (std::vector<int> { 0, 2, 4 }));
    EXPECT_EQ(parseStepList("s3-batching, s1").value(), (std::vector<int> { 3, 1 }));
    EXPECT_EQ(parseStepList("2,2").value(), (std::vector<int> { 2 }));
    EXPECT_FALSE(parseStepList("7").isOk());
    EXPECT_FALSE(parseStepList("fast").isOk());
    EXPECT_FALSE(parseStepList("").isOk());
    EXPECT_EQ(allSteps().size(), 5u);
    EXPECT_STREQ(allSteps()[4].id, "s4-half-precision");
}

TEST(Lab, StepsZeroToThreeGiveTheSameDetections)
{
    auto result = runLab(smallLab());
    ASSERT_TRUE(result.isOk()) << result.status().message();
    const LabResult& lab = result.value();
    ASSERT_EQ(lab.steps.size(), 4u);
    EXPECT_EQ(lab.deviceUsed, "cpu");
    EXPECT_NE(lab.weights.find("seeded"), std::string::npos);
    EXPECT_EQ(lab.framesDecoded, 3);
    for (const StepResult& step : lab.steps) {
        EXPECT_GT(step.fps, 0.0) << step.id;
        EXPECT_EQ(step.detections.size(), 3u);
        EXPECT_GT(step.detectionsPerFrame, 0.0) << "seeded weights still pass the score threshold";
        EXPECT_GE(step.candidatesPerFrame, step.detectionsPerFrame);
        EXPECT_GT(step.stagesMs.at("detector"), 0.0);
        EXPECT_GT(step.stagesMs.at("postprocess"), 0.0);
        EXPECT_EQ(step.precision, "fp32");
        ASSERT_TRUE(step.speedupVsBaseline.has_value());
        if (step.number > 0) {
            ASSERT_TRUE(step.agreement.has_value());
            EXPECT_EQ(step.agreement->referenceStep, "s0-baseline");
            EXPECT_TRUE(step.agreement->identical) << step.id << ": " << step.agreement->matched << " matched";
            EXPECT_LE(step.agreement->maxScoreDifference, 1e-4);
        }
    }
    EXPECT_EQ(lab.steps[3].batch, 2);
    EXPECT_DOUBLE_EQ(lab.steps[0].candidatesPerFrame, lab.steps[2].candidatesPerFrame);
}

TEST(Lab, HalfPrecisionNamesItsPrecisionAndAgreement)
{
    LabOptions options = smallLab();
    options.steps = { 3, 4 };
    options.frames = 2;
    options.measureDetectorOnly = true;
    auto result = runLab(options);
    ASSERT_TRUE(result.isOk()) << result.status().message();
    const StepResult& half = result->steps[1];
    EXPECT_EQ(half.id, "s4-half-precision");
    EXPECT_TRUE(half.precision == "bf16" || half.precision == "fp32") << half.precision;
    EXPECT_FALSE(half.precisionReason.empty());
    ASSERT_TRUE(half.agreement.has_value());
    EXPECT_EQ(half.agreement->referenceStep, "s3-batching");
    EXPECT_GT(half.agreement->matchedShare, 0.5);
    EXPECT_GT(half.detectorOnlyFps, 0.0);
    EXPECT_GT(half.pipelineEfficiency, 0.0);
    EXPECT_FALSE(half.speedupVsBaseline.has_value()) << "no s0 in this run";
}

TEST(Lab, RefusesBadOptionsBeforeWorking)
{
    LabOptions options = smallLab();
    options.batch = 0;
    auto batchZero = runLab(options);
    ASSERT_FALSE(batchZero.isOk());
    EXPECT_EQ(batchZero.status().code(), StatusCode::InvalidArgument);
    EXPECT_NE(batchZero.status().message().find("batch 0"), std::string::npos);
    EXPECT_EQ(batchZero.status().message().find("--"), std::string::npos) << "engine messages name no CLI flag";
    EXPECT_EQ(batchZero.status().option(), "batch");

    options = smallLab();
    options.frames = 0;
    EXPECT_FALSE(runLab(options).isOk());
    options = smallLab();
    options.device = "tpu";
    EXPECT_FALSE(runLab(options).isOk());
    options = smallLab();
    options.synthetic = false;
    EXPECT_FALSE(runLab(options).isOk());
}

TEST(Lab, RefusesMissingVideoAndZeroFrames)
{
    LabOptions options = smallLab();
    options.synthetic = false;
    options.video = "/nonexistent/clip.mp4";
    auto missing = runLab(options);
    ASSERT_FALSE(missing.isOk());
    EXPECT_EQ(missing.status().code(), StatusCode::NotFound);
    EXPECT_NE(missing.status().message().find("/nonexistent/clip.mp4"), std::string::npos);

    const std::string empty = testing::TempDir() + "/es_lab_" + std::to_string(getpid()) + "_empty.y4m";
    std::ofstream(empty) << "YUV4MPEG2 W32 H32 F25:1 Ip C420jpeg\n";
    options.video = empty;
    auto zero = runLab(options);
    ASSERT_FALSE(zero.isOk());
    EXPECT_NE(zero.status().message().find("zero frames"), std::string::npos);
    std::remove(empty.c_str());
}

TEST(Lab, CyclesAShortVideoAndSaysSo)
{
    const std::string path = testing::TempDir() + "/es_lab_" + std::to_string(getpid()) + "_short.y4m";
    {
        auto writer = Y4mWriter::create(path, 64, 48, 25, 1);
        ASSERT_TRUE(writer.isOk());
        auto source = openSynthetic(64, 48, 2);
        Frame frame;
        while (source.value()->read(frame).value())
            ASSERT_TRUE(writer.value()->write(frame).isOk());
    }
    LabOptions options = smallLab();
    options.synthetic = false;
    options.video = path;
    options.steps = { 2 };
    options.frames = 3;
    options.warmup = 1;
    auto result = runLab(options);
    ASSERT_TRUE(result.isOk()) << result.status().message();
    EXPECT_EQ(result->framesDecoded, 2);
    EXPECT_EQ(result->steps[0].detections.size(), 3u);
    bool noted = false;
    for (const auto& note : result->notes)
        noted = noted || note.find("loop") != std::string::npos;
    EXPECT_TRUE(noted);
    std::remove(path.c_str());
}

TEST(Lab, CudaRequestWithoutCudaFailsClearly)
{
    const DeviceReport report = probeDevices();
    if (report.torchCuda)
        GTEST_SKIP() << "this machine has CUDA; the refusal is for machines without it";
    LabOptions options = smallLab();
    options.device = "cuda";
    auto result = runLab(options);
    ASSERT_FALSE(result.isOk());
    EXPECT_EQ(result.status().code(), StatusCode::Unavailable);
    EXPECT_NE(result.status().message().find("the cpu device"), std::string::npos);
}

TEST(Lab, CancelStopsBetweenBatches)
{
    std::atomic<bool> cancel { true };
    LabOptions options = smallLab();
    options.cancel = &cancel;
    auto result = runLab(options);
    ASSERT_FALSE(result.isOk());
    EXPECT_EQ(result.status().code(), StatusCode::Cancelled);
}
