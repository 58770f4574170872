// SPDX-License-Identifier: Apache-2.0
// The device comparison report: the bench sessions of two or more devices (a Jetson Nano's and a Raspberry Pi's, say)
// side by side in one self-contained HTML page, the founding study's Figure 5 and its tables.
#include "exchange/exchange.h"
#include "exchange/export/html_parts.h"
#include "reports/device_sessions.h"

#include <algorithm>
#include <set>

namespace es::prof {

namespace {

/// The Devices page's palette (app/gui/colors.cpp stepColor), so the report's bars match the application's.
const char* const kDeviceColors[] = { "#999999", "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#CC79A7", "#D55E00" };

std::string benchLabel(const BenchRun& run)
{
    return (run.name.empty() ? run.model : run.name) + " " + run.precision;
}

/// Images per second of each model and precision every device measured, one bar per device, the ratio of the last
/// device to the first after each group's label (horizontal bars: the labels stay whole).
void deviceFpsChart(TextWriter& out, const std::vector<DeviceSession>& devices)
{
    const std::vector<const BenchRun*> shared = benchRunsEveryDeviceMeasured(devices);
    if (shared.empty()) {
        out << "<p>These devices measured no model in the same precision: run the bench with the same models and "
               "precisions on each.</p>\n";
        return;
    }
    double top = 0;
    for (const BenchRun* run : shared)
        for (const DeviceSession& device : devices)
            top = std::max(top, findBenchRun(device.runs, run->model, run->precision)->fps);
    const double labelWidth = 230, plotWidth = 420, barHeight = 14, legendHeight = 18.0 * double(devices.size());
    const double groupHeight = barHeight * double(devices.size()) + 12;
    const double height = 40 + legendHeight + groupHeight * double(shared.size()) + 10;
    svgOpen(out, "Images per second by model on each device (ratio: last against first)", labelWidth + plotWidth + 90,
        height);
    const size_t colorCount = std::size(kDeviceColors);
    for (size_t d = 0; d < devices.size(); ++d) {
        svgRect(out, 10, 30 + 18 * double(d), 10, 10, kDeviceColors[d % colorCount], devices[d].name);
        svgText(out, 26, 39 + 18 * double(d), devices[d].name, "start");
    }
    double y = 40 + legendHeight;
    for (const BenchRun* run : shared) {
        const double first = run->fps;
        const double last = findBenchRun(devices.back().runs, run->model, run->precision)->fps;
        const std::string ratio = devices.size() >= 2 && first > 0 ? ": " + fixed(last / first, 2) + "x" : "";
        svgText(out, labelWidth - 8, y + groupHeight / 2 - 2, benchLabel(*run) + ratio, "end");
        for (size_t d = 0; d < devices.size(); ++d) {
            const double fps = findBenchRun(devices[d].runs, run->model, run->precision)->fps;
            const double width = top > 0 ? plotWidth * fps / top : 0;
            const double barY = y + barHeight * double(d);
            svgRect(out, labelWidth, barY, width, barHeight - 2, kDeviceColors[d % colorCount],
                devices[d].name + ": " + fixed(fps, 2) + " FPS");
            svgText(out, labelWidth + width + 4, barY + barHeight - 4, fixed(fps, fps < 10 ? 2 : 1), "start");
        }
        y += groupHeight;
    }
    out << "</svg>\n";
}

Result<int64_t> writeDeviceHtml(const std::vector<DeviceSession>& devices, TextWriter& out)
{
    htmlHead(out, "EdgeScope device comparison");
    out << "<p>" << int64_t(devices.size()) << " bench session(s), the first the reference of the ratios:</p><ol>";
    for (const DeviceSession& device : devices) {
        out << "<li><b>";
        out.html(device.name) << "</b>: ";
        out.html(device.path) << "</li>";
    }
    out << "</ol>\n<div class=\"caveat\"><p>Each figure is the latest bench run of that model and precision in its "
           "session, at the batch it ran with; devices compare fairly only at the same batch, weights and precision. "
           "FLOPs are 2 x the multiply-accumulates that ran; Peak (%) is the share of the device's own measured "
           "peak.</p></div>\n";
    deviceFpsChart(out, devices);
    out << "<h2>Device x model</h2><p>Images per second of each model and precision every device measured.</p>\n";
    htmlTable(out, deviceComparisonTable(devices));
    out << "<h2>The devices</h2>\n";
    htmlTable(out, deviceFactsTable(devices));
    int64_t rows = 0;
    for (const DeviceSession& device : devices) {
        out << "<h2>";
        out.html(device.name) << ": model x precision</h2>\n";
        const StatsTable table = modelPrecisionTable(device.runs);
        htmlTable(out, table);
        rows += int64_t(table.rows.size());
    }
    out << "</body></html>\n";
    return rows;
}

} // namespace

Result<ExchangeStats> writeDeviceReport(const std::vector<DeviceSession>& devices, const std::string& path)
{
    if (devices.empty())
        return Status(StatusCode::InvalidArgument, "a device comparison needs at least one bench session");
    ES_ASSIGN_OR_RETURN(std::unique_ptr<TextWriter> out, TextWriter::create(path));
    ExchangeStats stats;
    ES_ASSIGN_OR_RETURN(stats.events, writeDeviceHtml(devices, *out));
    ES_ASSIGN_OR_RETURN(stats.bytes, out->finish());
    return stats;
}

} // namespace es::prof
