// SPDX-License-Identifier: Apache-2.0
#include "collect/platform_facts.h"
#include "collect/system_sampler.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace es::prof;
namespace fs = std::filesystem;

namespace {

/// A fake /proc and /sys tree of a Jetson, written by the test.
class FakeTree
{
public:
    FakeTree()
        : m_root(
            fs::path(testing::TempDir()) / ("es_sysfs_" + std::to_string(::getpid()) + "_" + std::to_string(s_count++)))
    {
        fs::remove_all(m_root);
    }
    ~FakeTree() { fs::remove_all(m_root); }
    void write(const std::string& path, const std::string& text)
    {
        const fs::path full = m_root / path;
        fs::create_directories(full.parent_path());
        std::ofstream(full) << text << "\n";
    }
    void link(const std::string& target, const std::string& path)
    {
        fs::create_directories((m_root / path).parent_path());
        fs::create_symlink(target, m_root / path);
    }
    std::string root() const { return m_root.string(); }

private:
    static inline int s_count = 0;
    fs::path m_root;
};

std::map<std::string, CounterTrack> byName(const std::vector<CounterTrack>& tracks)
{
    std::map<std::string, CounterTrack> result;
    for (const auto& track : tracks)
        result[track.name] = track;
    return result;
}

void writeCommon(FakeTree& tree, int step)
{
    // user nice system idle iowait irq softirq steal, after `step` periods of 100 jiffies: cpu0 is busy 25 of every
    // 100 (15 user, 10 system; 70 idle, 5 iowait count as idle), cpu1 is idle.
    tree.write("proc/stat",
        "cpu  100 0 100 800 0 0 0 0\ncpu0 " + std::to_string(50 + 15 * step) + " 0 " + std::to_string(10 * step) + " "
            + std::to_string(450 + 70 * step) + " " + std::to_string(5 * step) + " 0 0 0\ncpu1 50 0 0 "
            + std::to_string(450 + 100 * step) + " 0 0 0 0\nintr 1\n");
    tree.write("proc/meminfo",
        "MemTotal:        3964000 kB\nMemFree:          100000 kB\nMemAvailable:    2964000 kB\n"
        "SwapTotal:       1982000 kB\nSwapFree:        1881600 kB\n");
    tree.write("proc/self/status", "Name:\tedgescope\nVmRSS:\t  204800 kB\n");
}

} // namespace

TEST(SystemSampler, ReadsCpuMemoryAndTemperatures)
{
    FakeTree tree;
    writeCommon(tree, 0);
    tree.write("sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq", "1428000");
    tree.write("sys/class/thermal/thermal_zone0/type", "GPU-therm");
    tree.write("sys/class/thermal/thermal_zone0/temp", "45500");
    tree.write("sys/class/thermal/thermal_zone1/type", "CV0-therm");
    tree.write("sys/class/thermal/thermal_zone1/temp", "-256000");
    SamplerOptions options;
    options.root = tree.root();
    SystemSampler sampler(options);
    sampler.sampleOnce(1000);
    writeCommon(tree, 1); // one period later
    sampler.sampleOnce(2000);
    const auto tracks = byName(sampler.tracks());
    ASSERT_TRUE(tracks.count("cpu0 load"));
    ASSERT_EQ(tracks.at("cpu0 load").samples.size(), 1u) << "load needs two samples";
    EXPECT_NEAR(tracks.at("cpu0 load").samples[0].second, 25.0, 1e-9);
    EXPECT_NEAR(tracks.at("cpu1 load").samples[0].second, 0.0, 1e-9);
    EXPECT_NEAR(tracks.at("ram used").samples[0].second, 1000000 / 1024.0, 1e-6);
    EXPECT_NEAR(tracks.at("swap used").samples[0].second, 100400 / 1024.0, 1e-6);
    EXPECT_NEAR(tracks.at("process rss").samples[0].second, 200.0, 1e-9);
    EXPECT_NEAR(tracks.at("cpu0 freq").samples[0].second, 1428.0, 1e-9);
    EXPECT_NEAR(tracks.at("temp GPU-therm").samples[0].second, 45.5, 1e-9);
    EXPECT_EQ(tracks.count("temp CV0-therm"), 0u) << "an absent sensor is not reported as a value";
    EXPECT_EQ(byName(sampler.tracks(1500, 3000)).at("ram used").samples.size(), 1u);
}

TEST(SystemSampler, JetsonNanoGpuLoadAndIioRails)
{
    FakeTree tree;
    writeCommon(tree, 0);
    tree.write("sys/devices/gpu.0/load", "537");
    tree.write("sys/bus/i2c/devices/6-0040/name", "ina3221x");
    tree.write("sys/bus/i2c/devices/6-0040/iio:device0/rail_name_0", "POM_5V_IN");
    tree.write("sys/bus/i2c/devices/6-0040/iio:device0/in_power0_input", "3120");
    tree.write("sys/bus/i2c/devices/6-0040/iio:device0/rail_name_1", "POM_5V_GPU");
    tree.write("sys/bus/i2c/devices/6-0040/iio:device0/in_power1_input", "412");
    SamplerOptions options;
    options.root = tree.root();
    SystemSampler sampler(options);
    sampler.sampleOnce(1000);
    const auto tracks = byName(sampler.tracks());
    EXPECT_NEAR(tracks.at("gpu load").samples[0].second, 53.7, 1e-9) << "per-mille to %";
    EXPECT_NEAR(tracks.at("power POM_5V_IN").samples[0].second, 3120, 1e-9);
    EXPECT_NEAR(tracks.at("power POM_5V_GPU").samples[0].second, 412, 1e-9);
    EXPECT_EQ(tracks.at("power POM_5V_IN").unit, "mW");
}

TEST(SystemSampler, OrinDevfreqGpuAndHwmonRails)
{
    FakeTree tree;
    writeCommon(tree, 0);
    tree.write("sys/devices/platform/17000000.ga10b/of_node/name", "ga10b");
    tree.write("sys/devices/platform/17000000.ga10b/load", "250");
    tree.link("../../../devices/platform/17000000.ga10b", "sys/class/devfreq/17000000.ga10b/device");
    tree.write("sys/class/devfreq/17000000.ga10b/cur_freq", "918000000");
    const std::string hwmon = "sys/bus/i2c/devices/1-0040/hwmon/hwmon3/";
    tree.write("sys/bus/i2c/devices/1-0040/name", "ina3221");
    tree.write(hwmon + "in1_label", "VDD_GPU_SOC");
    tree.write(hwmon + "in1_input", "5000");
    tree.write(hwmon + "curr1_input", "800");
    tree.write(hwmon + "in2_label", "NC");
    tree.write(hwmon + "in2_input", "0");
    tree.write(hwmon + "curr2_input", "0");
    tree.write(hwmon + "in7_label", "sum of shunt voltages");
    tree.write(hwmon + "in7_input", "12");
    tree.write(hwmon + "curr7_input", "12");
    SamplerOptions options;
    options.root = tree.root();
    SystemSampler sampler(options);
    sampler.sampleOnce(1000);
    const auto tracks = byName(sampler.tracks());
    EXPECT_NEAR(tracks.at("gpu load").samples[0].second, 25.0, 1e-9);
    EXPECT_NEAR(tracks.at("gpu freq").samples[0].second, 918.0, 1e-9);
    EXPECT_NEAR(tracks.at("power VDD_GPU_SOC").samples[0].second, 4000.0, 1e-9) << "5000 mV x 800 mA";
    EXPECT_EQ(tracks.count("power NC"), 0u);
    for (const auto& [name, track] : tracks)
        EXPECT_EQ(name.find("sum"), std::string::npos) << name;
}

TEST(SystemSampler, ThreadSamplesAtItsPeriodOnTheRealSystem)
{
    SamplerOptions options;
    options.periodMs = 20;
    SystemSampler sampler(options);
    sampler.start();
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    sampler.stop();
    const auto tracks = byName(sampler.tracks());
    ASSERT_TRUE(tracks.count("ram used"));
    const size_t samples = tracks.at("ram used").samples.size();
    EXPECT_GE(samples, 5u);
    EXPECT_LE(samples, 20u);
    EXPECT_GT(tracks.at("process rss").samples.back().second, 1.0);
}

TEST(PlatformFacts, ReadsJetsonPowerModeAndClocks)
{
    FakeTree tree;
    tree.write("sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "schedutil");
    tree.write("sys/devices/system/cpu/cpu0/cpufreq/scaling_max_freq", "1479000");
    tree.write("var/lib/nvpmodel/status", "pmode:0001 fmode:quiet");
    tree.write(
        "etc/nvpmodel.conf", "< POWER_MODEL ID=0 NAME=MAXN >\nCPU_ONLINE CORE_0 1\n< POWER_MODEL ID=1 NAME=5W >\n");
    tree.write("sys/devices/57000000.gpu/of_node/name", "gpu");
    tree.link("../../../devices/57000000.gpu", "sys/class/devfreq/57000000.gpu/device");
    tree.write("sys/class/devfreq/57000000.gpu/governor", "nvhost_podgov");
    tree.write("sys/class/devfreq/57000000.gpu/max_freq", "921600000");
    const auto facts = readPlatformFacts(tree.root());
    EXPECT_EQ(facts.at("cpu_governor"), "schedutil");
    EXPECT_EQ(facts.at("cpu_max_freq"), "1479 MHz");
    EXPECT_EQ(facts.at("jetson_power_mode"), "1 (5W)");
    EXPECT_EQ(facts.at("gpu_governor"), "nvhost_podgov");
    EXPECT_EQ(facts.at("gpu_max_freq"), "921 MHz");
    EXPECT_TRUE(readPlatformFacts(tree.root() + "/nothing").empty());
}

TEST(PlatformFacts, ValuesThatAreNotNumbersAreKeptAsTextNotThrown)
{
    // Found by fuzz_sysfs: std::stoll on these threw out of the sampler.
    FakeTree tree;
    tree.write("sys/devices/system/cpu/cpu0/cpufreq/scaling_max_freq", "<unknown>");
    tree.write("var/lib/nvpmodel/status", "pmode:99999999999999999999999");
    tree.write("sys/devices/57000000.gpu/of_node/name", "gpu");
    tree.link("../../../devices/57000000.gpu", "sys/class/devfreq/57000000.gpu/device");
    tree.write("sys/class/devfreq/57000000.gpu/max_freq", "");
    const auto facts = readPlatformFacts(tree.root());
    EXPECT_EQ(facts.at("cpu_max_freq"), "<unknown>");
    EXPECT_EQ(facts.count("jetson_power_mode"), 0u) << "a mode beyond any integer is left out";
    EXPECT_EQ(facts.count("gpu_max_freq"), 0u) << "an empty file has no first line";
}
