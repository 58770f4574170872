// SPDX-License-Identifier: Apache-2.0
#include "collect/gpu_probe.h"

#include <gtest/gtest.h>

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
