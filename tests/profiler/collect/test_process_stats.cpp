// SPDX-License-Identifier: Apache-2.0
// What the soak watches: the process's RSS, descriptors and threads from /proc, and the sampler's coverage of a run.
#include "collect/process_stats.h"
#include "reports/session_stats.h"
#include "synthetic_run.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace es;
using namespace es::prof;
namespace fs = std::filesystem;

TEST(ProcessStats, ReadsThisProcess)
{
    const ProcessStats before = readProcessStats();
    EXPECT_GT(before.rssBytes, 1 << 20);
    EXPECT_GE(before.rssPeakBytes, before.rssBytes);
    EXPECT_GE(before.threads, 1);
    ASSERT_GE(before.openFds, 3) << "stdin, stdout and stderr at least";
    const int extra = open("/dev/null", O_RDONLY);
    ASSERT_GE(extra, 0);
    EXPECT_EQ(readProcessStats().openFds, before.openFds + 1) << "one more descriptor, counted exactly";
    close(extra);
    EXPECT_EQ(readProcessStats().openFds, before.openFds);
}

TEST(ProcessStats, ReadsAFakeTreeAndLeavesMissingFieldsUnknown)
{
    const fs::path root = testing::TempDir() + "/es_process_stats_" + std::to_string(getpid());
    fs::remove_all(root);
    fs::create_directories(root / "proc/self/fd");
    std::ofstream(root / "proc/self/status") << "Name:\tedgescope\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\nThreads:\t7\n";
    for (const char* fd : { "0", "1", "2", "5" })
        std::ofstream(root / "proc/self/fd" / fd) << "";
    const ProcessStats stats = readProcessStats(root.string());
    EXPECT_EQ(stats.rssBytes, 1024 * 1024);
    EXPECT_EQ(stats.rssPeakBytes, 2048 * 1024);
    EXPECT_EQ(stats.threads, 7);
    EXPECT_EQ(stats.openFds, 4);

    std::ofstream(root / "proc/self/status") << "VmRSS: garbage\n";
    const ProcessStats broken = readProcessStats(root.string());
    EXPECT_EQ(broken.rssBytes, -1);
    EXPECT_EQ(broken.threads, -1);
    // Found by fuzz_sysfs: kB * 1024 overflowed int64.
    std::ofstream(root / "proc/self/status") << "VmRSS: 9223372036854775807 kB\nVmHWM: 99999999999999999999 kB\n";
    EXPECT_EQ(readProcessStats(root.string()).rssBytes, -1);
    EXPECT_EQ(readProcessStats(root.string()).rssPeakBytes, -1);
    EXPECT_EQ(readProcessStats((root / "nothing").string()).openFds, -1);
    EXPECT_EQ(fileSizeBytes((root / "proc/self/status").string()), 61);
    EXPECT_EQ(fileSizeBytes((root / "nothing").string()), -1);
    fs::remove_all(root);
}

TEST(SamplerCoverage, CountsMissedSamplesOfTheBusiestCounter)
{
    const std::string path = testing::TempDir() + "/es_coverage_" + std::to_string(getpid()) + ".sqlite";
    std::remove(path.c_str());
    auto store = SessionStore::openForWriting(path);
    ASSERT_TRUE(store) << store.status().message();
    RunData data = syntheticRun("s2-device-pre-post", 2);
    data.run.startNs = 0;
    data.run.endNs = 1000000000; // 1 s: a 100 ms period asks for 10 samples
    data.counters.clear();
    CounterTrack busy { "cpu0 load", "%", "/proc/stat", {} };
    for (int i = 0; i < 6; ++i)
        busy.samples.emplace_back(i * 100000000LL, 10.0);
    data.counters.push_back(busy);
    data.counters.push_back({ "temp GPU", "C", "/sys/class/thermal", { { 0, 40.0 } } });
    auto runId = store.value()->writeRun(data);
    ASSERT_TRUE(runId) << runId.status().message();

    auto coverage = samplerCoverage(*store.value(), runId.value(), 100);
    ASSERT_TRUE(coverage) << coverage.status().message();
    EXPECT_EQ(coverage->expected, 10);
    EXPECT_EQ(coverage->recorded, 6);
    EXPECT_EQ(coverage->missed, 3) << "one sample of slack at the ends of the span";
    auto dense = samplerCoverage(*store.value(), runId.value(), 200);
    ASSERT_TRUE(dense);
    EXPECT_EQ(dense->missed, 0);
    EXPECT_FALSE(samplerCoverage(*store.value(), runId.value() + 7, 100));
    EXPECT_FALSE(samplerCoverage(*store.value(), runId.value(), 0));
    std::remove(path.c_str());
}
