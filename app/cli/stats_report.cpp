// SPDX-License-Identifier: Apache-2.0
#include "reports.h"

#include <cstdio>
#include <iomanip>
#include <sstream>

namespace es::cli {

namespace {

std::string cellText(const prof::StatsTable::Cell& cell, bool forCsv)
{
    if (const auto* integer = std::get_if<int64_t>(&cell))
        return std::to_string(*integer);
    if (const auto* real = std::get_if<double>(&cell)) {
        std::ostringstream out;
        out << std::fixed << std::setprecision(forCsv ? 3 : (*real >= 1000 ? 1 : 3)) << *real;
        return out.str();
    }
    const std::string& text = std::get<std::string>(cell);
    if (!forCsv || text.find_first_of(",\"\n") == std::string::npos)
        return text;
    std::string quoted = "\"";
    for (char c : text)
        quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

} // namespace

nlohmann::json statsToJson(const prof::StatsTable& table)
{
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& row : table.rows) {
        nlohmann::json item = nlohmann::json::object();
        for (size_t c = 0; c < row.size() && c < table.columns.size(); ++c)
            std::visit([&](const auto& value) { item[table.columns[c]] = value; }, row[c]);
        rows.push_back(std::move(item));
    }
    return nlohmann::json { { "report", table.report }, { "columns", table.columns }, { "rows", rows } };
}

void printStats(const prof::StatsTable& table, const std::string& format, std::ostream& out)
{
    if (format == "csv") {
        for (size_t c = 0; c < table.columns.size(); ++c)
            out << (c ? "," : "") << cellText(table.columns[c], true);
        out << "\n";
        for (const auto& row : table.rows) {
            for (size_t c = 0; c < row.size(); ++c)
                out << (c ? "," : "") << cellText(row[c], true);
            out << "\n";
        }
        return;
    }
    out << "** " << table.report << ":\n\n";
    if (table.rows.empty()) {
        out << "  (no data in the selected runs)\n\n";
        return;
    }
    std::vector<size_t> widths(table.columns.size());
    for (size_t c = 0; c < table.columns.size(); ++c)
        widths[c] = table.columns[c].size();
    std::vector<std::vector<std::string>> texts;
    for (const auto& row : table.rows) {
        texts.emplace_back();
        for (size_t c = 0; c < row.size(); ++c) {
            texts.back().push_back(cellText(row[c], false));
            widths[c] = std::max(widths[c], texts.back().back().size());
        }
    }
    // nsys style: names in the last column, left-aligned; a table that ends in a number aligns it like the others.
    const bool textLast = std::holds_alternative<std::string>(table.rows.front().back());
    auto printRow = [&](const std::vector<std::string>& cells) {
        for (size_t c = 0; c < cells.size(); ++c) {
            const bool last = c + 1 == cells.size() && textLast;
            out << (c ? "  " : " ");
            if (last)
                out << cells[c];
            else
                out << std::setw(int(widths[c])) << cells[c];
        }
        out << "\n";
    };
    printRow(table.columns);
    std::vector<std::string> rule;
    for (size_t c = 0; c < widths.size(); ++c)
        rule.push_back(std::string(c + 1 == widths.size() && textLast ? table.columns[c].size() : widths[c], '-'));
    printRow(rule);
    for (const auto& row : texts)
        printRow(row);
    out << "\n";
}

} // namespace es::cli
