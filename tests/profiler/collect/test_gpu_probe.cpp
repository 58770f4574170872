// SPDX-License-Identifier: Apache-2.0
#include "collect/cupti_locations.h"
#include "collect/gpu_probe.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace es::prof;

TEST(GpuProbe, ExplainsWhyTracingIsUnavailable)
{
    const GpuProbe probe = probeGpu();
    // Tracing is claimed only with a working driver, a device and the collector built in; otherwise the reason and
    // the fix are given.
    if (probe.tracing.available) {
        EXPECT_TRUE(probe.cuptiBuiltIn);
        EXPECT_FALSE(probe.devices.empty());
    } else {
        EXPECT_FALSE(probe.tracing.reason.empty());
        EXPECT_FALSE(probe.tracing.fix.empty());
    }
    if (!probe.driverLoaded) {
        EXPECT_TRUE(probe.devices.empty());
        EXPECT_NE(probe.tracing.reason.find("libcuda"), std::string::npos);
    }
    for (const CudaDevice& device : probe.devices) {
        EXPECT_FALSE(device.name.empty());
        EXPECT_GT(device.computeMajor, 0);
        EXPECT_GT(device.totalMemoryBytes, 0);
    }
}

TEST(GpuProbe, FormatsCudaVersions)
{
    EXPECT_EQ(cudaVersionText(13000), "13.0");
    EXPECT_EQ(cudaVersionText(10020), "10.2");
    EXPECT_EQ(cudaVersionText(12090), "12.9");
    EXPECT_EQ(cudaVersionText(0), "");
}

// libcupti's names per CUDA version: the minor version is part of the soname before CUDA 12 (JetPack 4.6 and 5).
TEST(CuptiLocations, SonamesCarryTheMinorVersionBeforeCuda12)
{
    EXPECT_EQ(cuptiSonames(10020), (std::vector<std::string> { "libcupti.so.10.2", "libcupti.so.10" }));
    EXPECT_EQ(cuptiSonames(11040), (std::vector<std::string> { "libcupti.so.11.4", "libcupti.so.11" }));
    EXPECT_EQ(cuptiSonames(12060), (std::vector<std::string> { "libcupti.so.12" }));
    EXPECT_EQ(cuptiSonames(13000), (std::vector<std::string> { "libcupti.so.13" }));
    EXPECT_TRUE(cuptiSonames(0).empty());
}

TEST(CuptiLocations, JetPackFoldersAfterTheLoadersSearch)
{
    CuptiSearch search;
    search.cudaVersion = 11040; // JetPack 5
    search.configured = "/usr/local/cuda-11.4/extras/CUPTI/lib64/libcupti.so";
    const std::vector<std::string> candidates = cuptiLibraryCandidates(search);
    ASSERT_GE(candidates.size(), size_t(5));
    EXPECT_EQ(candidates[0], search.configured);
    EXPECT_EQ(candidates[1], "libcupti.so.11.4");
    EXPECT_EQ(candidates[2], "libcupti.so.11");
    EXPECT_EQ(candidates[3], "/usr/local/cuda-11.4/extras/CUPTI/lib64/libcupti.so.11.4");
    EXPECT_EQ(candidates.back(), "libcupti.so");
    auto at = [&candidates](const std::string& path) {
        return std::find(candidates.begin(), candidates.end(), path) - candidates.begin();
    };
    EXPECT_LT(at("/usr/local/cuda-11.4/extras/CUPTI/lib64/libcupti.so.11.4"),
        at("/usr/local/cuda/extras/CUPTI/lib64/libcupti.so.11.4"));
    EXPECT_LT(at("/usr/local/cuda/extras/CUPTI/lib64/libcupti.so.11.4"), std::ptrdiff_t(candidates.size()));
    EXPECT_EQ(std::count(candidates.begin(), candidates.end(), "libcupti.so.11.4"), 1);
}

TEST(CuptiLocations, TheUsersChoiceComesFirst)
{
    CuptiSearch search;
    search.cudaVersion = 12060; // JetPack 6
    search.chosen = "/opt/cupti/libcupti.so.12";
    search.cudaHome = "/opt/cuda";
    const std::vector<std::string> candidates = cuptiLibraryCandidates(search);
    EXPECT_EQ(candidates[0], "/opt/cupti/libcupti.so.12");
    EXPECT_EQ(candidates[1], "libcupti.so.12");
    EXPECT_EQ(candidates[2], "/opt/cuda/extras/CUPTI/lib64/libcupti.so.12");
    EXPECT_NE(std::find(candidates.begin(), candidates.end(),
                  "/usr/local/cuda-12.6/targets/aarch64-linux/lib/libcupti.so.12"),
        candidates.end());
}
