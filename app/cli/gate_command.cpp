// SPDX-License-Identifier: Apache-2.0
#include "gate_command.h"

#include "cli_support.h"
#include "commands.h"

#include "analysis/regression_gate.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <ostream>

namespace es::cli {

namespace {

std::string percent(double ratio)
{
    char text[32];
    std::snprintf(text, sizeof text, "%+.1f%%", 100.0 * (ratio - 1.0));
    return text;
}

std::string range(const prof::Interval& interval, const char* format)
{
    char text[64];
    std::snprintf(text, sizeof text, format, interval.low, interval.high);
    return text;
}

/// What a row says in words, for the table and the JUnit failure message.
std::string rowText(const prof::GateRow& row, double tolerancePercent)
{
    char text[400];
    std::snprintf(text, sizeof text, "%.2f FPS against %.2f (%s, 95%% interval of the ratio %s): %s%s", row.currentFps,
        row.baseFps, percent(row.ratio.value).c_str(), range(row.ratio.interval, "%.3f-%.3f").c_str(),
        row.change.c_str(),
        row.regressed ? (", beyond the " + std::to_string(int(tolerancePercent + 0.5)) + "% tolerance").c_str() : "");
    return text;
}

void printGate(const prof::GateResult& gate, std::ostream& out)
{
    char line[400];
    std::snprintf(line, sizeof line, "%-40s %9s %15s %9s %15s %8s %15s %-14s %s\n", "step", "base FPS", "interval",
        "FPS", "interval", "change", "ratio interval", "verdict", "gate");
    out << line;
    for (const prof::GateRow& row : gate.rows) {
        std::snprintf(line, sizeof line, "%-40s %9.2f %15s %9.2f %15s %8s %15s %-14s %s\n", row.key.c_str(),
            row.baseFps, range(row.baseInterval, "%.2f-%.2f").c_str(), row.currentFps,
            range(row.currentInterval, "%.2f-%.2f").c_str(), percent(row.ratio.value).c_str(),
            range(row.ratio.interval, "%.3f-%.3f").c_str(), row.change.c_str(), row.regressed ? "FAIL" : "pass");
        out << line;
        if (row.currentVerdict == "disturbed")
            out << "  note: the current run of " << row.key << " was disturbed as it measured; run it again on a "
                << "quiet machine before trusting this row\n";
    }
    for (const std::string& key : gate.onlyInBase)
        out << "not in the current session: " << key << "\n";
    for (const std::string& key : gate.onlyInCurrent)
        out << "new in the current session: " << key << "\n";
    out << (gate.passed() ? "gate: pass" : "gate: FAIL") << " (a step fails when it is more than "
        << gate.tolerancePercent << "% slower and its 95% interval lies wholly below the baseline)\n";
}

nlohmann::json gateToJson(const prof::GateResult& gate)
{
    nlohmann::json rows = nlohmann::json::array();
    for (const prof::GateRow& row : gate.rows)
        rows.push_back({ { "step", row.key }, { "base_fps", row.baseFps },
            { "base_fps_interval", { row.baseInterval.low, row.baseInterval.high } }, { "fps", row.currentFps },
            { "fps_interval", { row.currentInterval.low, row.currentInterval.high } }, { "ratio", row.ratio.value },
            { "ratio_interval", { row.ratio.interval.low, row.ratio.interval.high } }, { "change", row.change },
            { "regressed", row.regressed }, { "current_verdict", row.currentVerdict } });
    return { { "passed", gate.passed() }, { "tolerance_percent", gate.tolerancePercent }, { "rows", rows },
        { "only_in_base", gate.onlyInBase }, { "only_in_current", gate.onlyInCurrent } };
}

std::string xmlEscaped(const std::string& text)
{
    std::string escaped;
    for (char c : text) {
        switch (c) {
        case '&':
            escaped += "&amp;";
            break;
        case '<':
            escaped += "&lt;";
            break;
        case '>':
            escaped += "&gt;";
            break;
        case '"':
            escaped += "&quot;";
            break;
        default:
            escaped += c;
        }
    }
    return escaped;
}

/// JUnit XML as CI systems read it (Jenkins, GitLab, GitHub's test reporters): one test case per step.
Status writeJunit(const prof::GateResult& gate, const GateArguments& arguments)
{
    std::ofstream file(arguments.junit);
    int failures = 0;
    for (const prof::GateRow& row : gate.rows)
        failures += row.regressed ? 1 : 0;
    file << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"edgescope gate\" tests=\""
         << gate.rows.size() << "\" failures=\"" << failures << "\" errors=\"0\">\n";
    file << "    <properties><property name=\"baseline\" value=\"" << xmlEscaped(arguments.baseline)
         << "\"/><property name=\"current\" value=\"" << xmlEscaped(arguments.current)
         << "\"/><property name=\"tolerance_percent\" value=\"" << gate.tolerancePercent << "\"/></properties>\n";
    for (const prof::GateRow& row : gate.rows) {
        file << "    <testcase classname=\"edgescope.gate\" name=\"" << xmlEscaped(row.key) << "\">";
        const std::string text = xmlEscaped(rowText(row, gate.tolerancePercent));
        if (row.regressed)
            file << "<failure message=\"slower: " << text << "\">" << text << "</failure>";
        else
            file << "<system-out>" << text << "</system-out>";
        file << "</testcase>\n";
    }
    file << "  </testsuite>\n</testsuites>\n";
    file.close();
    if (!file)
        return Status(StatusCode::IoError, "cannot write " + arguments.junit + ": " + std::strerror(errno));
    return Status::ok();
}

} // namespace

CLI::App* addGateCommand(CLI::App& app, GateArguments& arguments)
{
    CLI::App* gate = app.add_subcommand("gate",
        "Regression gate for CI: pair the steps (or bench models) of two sessions and exit 1 when one is slower "
        "beyond the tolerance and its noise");
    gate->add_option("baseline", arguments.baseline, "The reference session (.sqlite)")->required();
    gate->add_option("current", arguments.current, "The session to judge (.sqlite)")->required();
    gate->add_option("--tolerance", arguments.tolerancePercent, "Slowdown allowed, in percent")->capture_default_str();
    gate->add_option("--junit", arguments.junit, "Also write the result as JUnit XML to FILE");
    gate->add_option("--format", arguments.format, "table or json")->capture_default_str();
    return gate;
}

int gateCommand(const GateArguments& arguments, std::ostream& out, std::ostream& err)
{
    if (!(arguments.tolerancePercent >= 0 && arguments.tolerancePercent < 100))
        return reportFailure(
            Status::invalidOption("tolerance", "the tolerance is a percentage from 0 to below 100"), err);
    if (arguments.format != "table" && arguments.format != "json")
        return reportFailure(
            Status::invalidOption("format", "format " + arguments.format + " is unknown (table or json)"), err);
    auto base = prof::SessionStore::openForReading(arguments.baseline);
    if (!base)
        return reportFailure(base.status(), err);
    auto current = prof::SessionStore::openForReading(arguments.current);
    if (!current)
        return reportFailure(current.status(), err);
    auto gate = prof::gateSessions(*base.value(), *current.value(), arguments.tolerancePercent);
    if (!gate)
        return reportFailure(gate.status(), err);
    if (arguments.format == "json")
        out << gateToJson(gate.value()).dump(2) << "\n";
    else
        printGate(gate.value(), out);
    if (!arguments.junit.empty()) {
        const Status written = writeJunit(gate.value(), arguments);
        if (!written.isOk())
            return reportFailure(written, err);
        err << "JUnit XML written to " << arguments.junit << "\n";
    }
    return gate->passed() ? kExitOk : kExitFailed;
}

} // namespace es::cli
