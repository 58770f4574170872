// SPDX-License-Identifier: Apache-2.0
#include "collect/tegrastats.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace es::prof;

namespace {

std::string recordedLine(const std::string& name)
{
    std::ifstream file(std::string(ES_TEST_DATA_DIR) + "/tegrastats/" + name);
    std::string line;
    std::getline(file, line);
    EXPECT_FALSE(line.empty()) << name;
    return line;
}

TegrastatsSample parse(const std::string& name)
{
    auto sample = parseTegrastatsLine(recordedLine(name));
    EXPECT_TRUE(sample.isOk()) << name << ": " << sample.status().message();
    return sample.isOk() ? sample.value() : TegrastatsSample {};
}

} // namespace

TEST(Tegrastats, NanoJetPack4WithoutSudo)
{
    const TegrastatsSample s = parse("nano_jp4.txt");
    EXPECT_TRUE(s.timestamp.empty());
    EXPECT_DOUBLE_EQ(*s.ramUsedMb, 330);
    EXPECT_DOUBLE_EQ(*s.ramTotalMb, 3964);
    EXPECT_DOUBLE_EQ(*s.swapTotalMb, 1982);
    ASSERT_EQ(s.cores.size(), 4u);
    EXPECT_DOUBLE_EQ(s.cores[0].loadPercent, 12);
    EXPECT_DOUBLE_EQ(*s.cores[0].frequencyMhz, 102);
    EXPECT_FALSE(s.cores[2].online);
    EXPECT_DOUBLE_EQ(*s.emcLoadPercent, 0);
    EXPECT_FALSE(s.emcFrequencyMhz.has_value()) << "no frequency without sudo";
    EXPECT_DOUBLE_EQ(*s.gpuLoadPercent, 37);
    EXPECT_TRUE(s.gpuFrequenciesMhz.empty());
    EXPECT_DOUBLE_EQ(s.temperatures.at("GPU"), 22.5);
    EXPECT_DOUBLE_EQ(s.temperatures.at("PMIC"), 100);
    ASSERT_EQ(s.rails.size(), 3u);
    EXPECT_DOUBLE_EQ(s.rails.at("POM_5V_IN").currentMw, 933);
    EXPECT_DOUBLE_EQ(s.rails.at("POM_5V_CPU").averageMw, 84);
}

TEST(Tegrastats, NanoJetPack4WithSudo)
{
    const TegrastatsSample s = parse("nano_jp4_sudo.txt");
    EXPECT_DOUBLE_EQ(*s.emcLoadPercent, 3);
    EXPECT_DOUBLE_EQ(*s.emcFrequencyMhz, 204);
    EXPECT_DOUBLE_EQ(*s.gpuLoadPercent, 0);
    ASSERT_EQ(s.gpuFrequenciesMhz.size(), 1u);
    EXPECT_DOUBLE_EQ(s.gpuFrequenciesMhz[0], 76);
    EXPECT_DOUBLE_EQ(*s.engines.at("APE"), 25);
    EXPECT_DOUBLE_EQ(s.rails.at("POM_5V_CPU").averageMw, 105);
    EXPECT_EQ(s.rails.count("RAM"), 0u);
    EXPECT_EQ(s.cores.size(), 4u);
}

TEST(Tegrastats, OrinJetPack5)
{
    const TegrastatsSample s = parse("orin_jp5.txt");
    EXPECT_EQ(s.timestamp, "01-03-2023 16:07:54");
    EXPECT_EQ(s.cores.size(), 12u);
    EXPECT_DOUBLE_EQ(*s.cores[3].frequencyMhz, 729);
    EXPECT_DOUBLE_EQ(s.rails.at("VDD_GPU_SOC").currentMw, 2390);
    EXPECT_DOUBLE_EQ(s.rails.at("VIN_SYS_5V0").averageMw, 3522);
    EXPECT_EQ(s.temperatures.count("CV0"), 0u) << "-256C means no sensor";
    EXPECT_EQ(s.temperatures.count("GPU"), 0u);
    EXPECT_DOUBLE_EQ(s.temperatures.at("tj"), 41.656);
    EXPECT_DOUBLE_EQ(*s.engines.at("VIC_FREQ"), 115);
    EXPECT_DOUBLE_EQ(*s.engines.at("NVJPG1"), 729);
}

TEST(Tegrastats, OrinJetPack6)
{
    const TegrastatsSample s = parse("orin_jp6.txt");
    EXPECT_DOUBLE_EQ(*s.gpuLoadPercent, 10);
    EXPECT_DOUBLE_EQ(s.gpuFrequenciesMhz.at(0), 1300);
    EXPECT_DOUBLE_EQ(*s.emcFrequencyMhz, 2133);
    EXPECT_EQ(s.cores.size(), 6u);
    EXPECT_FALSE(s.cores[5].online);
    EXPECT_DOUBLE_EQ(s.rails.at("VDD_IN").currentMw, 5730);
}

TEST(Tegrastats, OrinJetPack7)
{
    const TegrastatsSample s = parse("orin_jp7.txt");
    EXPECT_DOUBLE_EQ(*s.ramUsedMb, 20642);
    EXPECT_FALSE(s.swapUsedMb.has_value());
    EXPECT_DOUBLE_EQ(*s.gpuLoadPercent, 12);
    ASSERT_EQ(s.gpuFrequenciesMhz.size(), 2u) << "one frequency per GPC";
    EXPECT_DOUBLE_EQ(s.gpuFrequenciesMhz[1], 1300);
    EXPECT_DOUBLE_EQ(s.temperatures.at("cpu"), 52.968);
    const auto& rail = s.rails.at("VDD_GPU_SOC");
    EXPECT_DOUBLE_EQ(rail.currentMw, 5139);
    ASSERT_TRUE(rail.maxMw.has_value());
    EXPECT_FALSE(s.engines.at("NVENC0").has_value()) << "off";
    EXPECT_DOUBLE_EQ(*s.engines.at("APE"), 174);
}

TEST(Tegrastats, ThorGpuWithoutLoad)
{
    auto s = parseTegrastatsLine("RAM 1000/128000MB (lfb 1x2MB) CPU [1%@972] GR3D_FREQ @[1000,1000,1000] gpu@40C");
    ASSERT_TRUE(s.isOk());
    EXPECT_FALSE(s->gpuLoadPercent.has_value());
    EXPECT_EQ(s->gpuFrequenciesMhz.size(), 3u);
}

TEST(Tegrastats, RefusesOtherText)
{
    EXPECT_FALSE(parseTegrastatsLine("").isOk());
    EXPECT_FALSE(parseTegrastatsLine("hello world 12/34").isOk());
    EXPECT_FALSE(parseTegrastatsLine("CPU [banana]").isOk());
}

TEST(Tegrastats, BecomesCounterTracks)
{
    std::map<std::string, CounterTrack> tracks;
    appendTegrastatsSample(parse("nano_jp4_sudo.txt"), 1000, tracks);
    appendTegrastatsSample(parse("nano_jp4.txt"), 2000, tracks);
    EXPECT_EQ(tracks.at("gpu load").samples.size(), 2u);
    EXPECT_DOUBLE_EQ(tracks.at("gpu load").samples[1].second, 37);
    EXPECT_EQ(tracks.at("cpu2 load").samples.size(), 1u) << "offline cores give no sample";
    EXPECT_EQ(tracks.at("emc freq").samples.size(), 1u);
    EXPECT_EQ(tracks.at("power POM_5V_IN").unit, "mW");
    EXPECT_EQ(tracks.at("temp GPU").source, "tegrastats");
}

TEST(Tegrastats, ReadsAChildProcess)
{
    const std::string script = testing::TempDir() + "/fake_tegrastats_" + std::to_string(getpid()) + ".sh";
    {
        std::ofstream out(script);
        out << "#!/bin/sh\n"
            << "[ \"$1\" = --interval ] || exit 3\n"
            << "while true; do\n  echo '" << recordedLine("orin_jp6.txt")
            << "'\n  echo 'garbage'\n  sleep 0.02\ndone\n";
    }
    chmod(script.c_str(), 0755);
    TegrastatsProcess process;
    ASSERT_TRUE(process.start(script, 20).isOk());
    for (int i = 0; i < 200 && process.linesParsed() < 3; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    process.stop();
    EXPECT_GE(process.linesParsed(), 3);
    EXPECT_GE(process.linesRejected(), 2);
    bool gpu = false;
    for (const auto& track : process.tracks())
        gpu = gpu || (track.name == "gpu load" && track.samples.front().second == 10);
    EXPECT_TRUE(gpu);
    std::remove(script.c_str());
}
