// SPDX-License-Identifier: Apache-2.0
// The device comparison (reports/device_sessions.h, writeDeviceReport) on bench sessions of a Jetson Nano and a
// Raspberry Pi written as the bench writes them: names, facts, the device x model table and the HTML report's figures
// (chart bars, ratios, tables) against the fixture's numbers.
#include "bench_fixture.h"
#include "exchange/exchange.h"
#include "reports/device_sessions.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <unistd.h>

namespace es::prof {
namespace {

class DeviceReport : public testing::Test
{
protected:
    void SetUp() override
    {
        m_folder = testing::TempDir() + "/es_device_report_" + std::to_string(getpid());
        std::filesystem::create_directories(m_folder);
        ASSERT_EQ(test::writeNanoBenchSession(m_folder + "/nano.sqlite"), "");
        ASSERT_EQ(test::writePiBenchSession(m_folder + "/pi.sqlite"), "");
    }
    void TearDown() override { std::filesystem::remove_all(m_folder); }

    std::vector<DeviceSession> piThenNano()
    {
        std::vector<DeviceSession> devices;
        for (const char* name : { "/pi.sqlite", "/nano.sqlite" }) {
            auto device = openDeviceSession(m_folder + name);
            EXPECT_TRUE(device) << device.status().message();
            if (device)
                addDeviceSession(devices, std::move(device.value()));
        }
        return devices;
    }

    static std::string read(const std::string& path)
    {
        std::ifstream file(path);
        return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    }

    std::string m_folder;
};

TEST_F(DeviceReport, NamesFactsAndTheDeviceByModelTable)
{
    const std::vector<DeviceSession> devices = piThenNano();
    ASSERT_EQ(devices.size(), 2u);
    EXPECT_EQ(devices[0].name, "Cortex-A72");
    EXPECT_EQ(devices[1].name, "NVIDIA Jetson Nano Developer Kit (0 (MAXN))");
    EXPECT_EQ(devices[1].runs.size(), 4u);

    const StatsTable table = deviceComparisonTable(devices);
    ASSERT_EQ(table.columns.size(), 5u);
    EXPECT_EQ(table.columns[2], "FPS Cortex-A72");
    EXPECT_EQ(table.columns[4], "Ratio (last/first)");
    ASSERT_EQ(table.rows.size(), 2u); // fp16 was measured on the Nano only
    EXPECT_EQ(std::get<std::string>(table.rows[1][0]), "resnet50");
    EXPECT_DOUBLE_EQ(std::get<double>(table.rows[1][2]), 2.0);
    EXPECT_DOUBLE_EQ(std::get<double>(table.rows[1][3]), 8.0);
    EXPECT_DOUBLE_EQ(std::get<double>(table.rows[1][4]), 4.0);

    const StatsTable facts = deviceFactsTable(devices);
    ASSERT_EQ(facts.columns.size(), 3u);
    bool sawClock = false;
    for (const auto& row : facts.rows)
        if (std::get<std::string>(row[0]) == "CPU max clock") {
            sawClock = true;
            EXPECT_EQ(std::get<std::string>(row[1]), "1.8 GHz");
            EXPECT_EQ(std::get<std::string>(row[2]), "not recorded");
        }
    EXPECT_TRUE(sawClock);
    EXPECT_EQ(benchRunsEveryDeviceMeasured(devices).size(), 2u);
}

TEST_F(DeviceReport, SessionsOfOneBoardAreToldApartByTheirFiles)
{
    std::vector<DeviceSession> devices = piThenNano();
    std::filesystem::copy_file(m_folder + "/pi.sqlite", m_folder + "/pi-powersave.sqlite");
    auto again = openDeviceSession(m_folder + "/pi-powersave.sqlite");
    ASSERT_TRUE(again) << again.status().message();
    addDeviceSession(devices, std::move(again.value()));
    EXPECT_EQ(devices[0].name, "Cortex-A72 · pi");
    EXPECT_EQ(devices[2].name, "Cortex-A72 · pi-powersave");
}

TEST_F(DeviceReport, HtmlCarriesTheChartTablesAndFacts)
{
    const std::string path = m_folder + "/devices.html";
    auto written = writeDeviceReport(piThenNano(), path);
    ASSERT_TRUE(written) << written.status().message();
    EXPECT_EQ(written.value().events, 2 + 4); // the model x precision rows of each device
    const std::string html = read(path);
    EXPECT_EQ(written.value().bytes, int64_t(html.size()));
    // The chart: one bar per device and model, the ratio (Nano 4.0 / Pi 1.0) after each label, the bars' tooltips.
    EXPECT_NE(html.find(">SSD300 fp32: 4.00x</text>"), std::string::npos) << html;
    EXPECT_NE(html.find(">ResNet-50 fp32: 4.00x</text>"), std::string::npos);
    EXPECT_NE(html.find("<title>Cortex-A72: 2.00 FPS</title>"), std::string::npos);
    EXPECT_NE(html.find("<title>NVIDIA Jetson Nano Developer Kit (0 (MAXN)): 8.00 FPS</title>"), std::string::npos);
    EXPECT_EQ(html.find("SSD300 fp16:"), std::string::npos); // the Pi did not measure fp16
    // Device x model: ResNet-50 at 2.00 and 8.00 FPS, ratio 4.00.
    EXPECT_NE(html.find("<th>FPS Cortex-A72</th>"), std::string::npos);
    EXPECT_NE(
        html.find("<td class=\"l\">resnet50</td><td class=\"l\">fp32</td><td>2.00</td><td>8.00</td><td>4.00</td>"),
        std::string::npos);
    // The facts and each device's model x precision table (the Nano's fp16 agreement among them).
    EXPECT_NE(html.find("<td class=\"l\">1.8 GHz</td><td class=\"l\">not recorded</td>"), std::string::npos);
    EXPECT_NE(html.find("<h2>NVIDIA Jetson Nano Developer Kit (0 (MAXN)): model x precision</h2>"), std::string::npos);
    EXPECT_NE(html.find("<td>0.99</td>"), std::string::npos);
    EXPECT_NE(html.find("</html>"), std::string::npos);
}

TEST_F(DeviceReport, RefusesLabSessionsNoDeviceAndUnwritableFiles)
{
    auto missing = openDeviceSession(m_folder + "/none.sqlite");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.status().message().find("none.sqlite"), std::string::npos);
    const std::string lab = m_folder + "/lab.sqlite";
    {
        auto store = SessionStore::openForWriting(lab);
        ASSERT_TRUE(store);
        RunData data;
        data.run.step = "s0-baseline";
        data.run.startNs = 1;
        data.run.endNs = 2;
        ASSERT_TRUE(store.value()->writeRun(data));
    }
    auto noBench = openDeviceSession(lab);
    ASSERT_FALSE(noBench);
    EXPECT_NE(noBench.status().message().find("has no bench runs"), std::string::npos);
    EXPECT_FALSE(writeDeviceReport({}, m_folder + "/empty.html"));
    auto unwritable = writeDeviceReport(piThenNano(), m_folder + "/no/such/folder/devices.html");
    ASSERT_FALSE(unwritable);
    EXPECT_NE(unwritable.status().message().find("no/such/folder"), std::string::npos) << unwritable.status().message();
}

} // namespace
} // namespace es::prof
