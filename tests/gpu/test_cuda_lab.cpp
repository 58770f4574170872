// SPDX-License-Identifier: Apache-2.0
// GPU checks (CTest label gpu): the steps on CUDA. Skipped, with the reason, where LibTorch sees no CUDA device.
#include "edgescope/engine/lab.h"

#include <gtest/gtest.h>

using namespace es::engine;

namespace {

bool skipWithoutCuda()
{
    const DeviceReport report = probeDevices();
    if (report.torchCuda)
        return false;
    const std::string why
        = report.gpu.devices.empty() ? report.gpu.tracing.reason : "this LibTorch was built without CUDA";
    std::printf("[  SKIPPED ] no CUDA device for LibTorch here: %s\n", why.c_str());
    return true;
}

} // namespace

TEST(CudaLab, StepsAgreeAndHalfPrecisionIsFp16)
{
    if (skipWithoutCuda())
        GTEST_SKIP() << "no CUDA device for LibTorch";
    LabOptions options;
    options.synthetic = true;
    options.syntheticWidth = 768;
    options.syntheticHeight = 576;
    options.frames = 8;
    options.warmup = 2;
    options.device = "cuda";
    auto result = runLab(options);
    ASSERT_TRUE(result.isOk()) << result.status().message();
    ASSERT_EQ(result->steps.size(), 5u);
    EXPECT_EQ(result->deviceUsed.rfind("cuda", 0), 0u);
    for (const StepResult& step : result->steps) {
        EXPECT_GT(step.fps, 0.0) << step.id;
        if (step.number >= 1 && step.number <= 3) {
            ASSERT_TRUE(step.agreement.has_value());
            EXPECT_TRUE(step.agreement->identical)
                << step.id << ": max score difference " << step.agreement->maxScoreDifference;
        }
    }
    EXPECT_EQ(result->steps[4].precision, "fp16");
    EXPECT_GT(result->steps[4].agreement->matchedShare, 0.5);
    // The lesson of step 1: one copy instead of thousands; on a GPU it must not be slower than the baseline.
    EXPECT_GE(result->steps[1].fps, result->steps[0].fps * 0.9);
}
