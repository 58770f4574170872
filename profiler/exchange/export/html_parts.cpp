// SPDX-License-Identifier: Apache-2.0
#include "exchange/export/html_parts.h"

#include <algorithm>
#include <cstdio>
#include <variant>

namespace es::prof {

void htmlHead(TextWriter& out, const std::string& title)
{
    out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>";
    out.html(title)
        << "</title>"
           "<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}"
           "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
           "th{background:#f3f3f3}td.l,th.l{text-align:left}.caveat{background:#fff6e0;padding:.5em 1em}"
           "svg{display:block;margin:1em "
           "0}.bad{color:#D55E00;font-weight:bold}.good{color:#007A5A}</style></head><body>\n<h1>";
    out.html(title) << "</h1>\n";
}

/// A stats table as an HTML table (numbers right-aligned, text left).
void htmlTable(TextWriter& out, const StatsTable& table)
{
    out << "<table><tr>";
    for (const std::string& column : table.columns) {
        out << "<th>";
        out.html(column) << "</th>";
    }
    out << "</tr>\n";
    for (const auto& row : table.rows) {
        out << "<tr>";
        for (const auto& cell : row) {
            if (const auto* text = std::get_if<std::string>(&cell)) {
                out << "<td class=\"l\">";
                out.html(*text) << "</td>";
            } else if (const auto* integer = std::get_if<int64_t>(&cell)) {
                out << "<td>" << *integer << "</td>";
            } else {
                out << "<td>";
                out.number(std::get<double>(cell), 2) << "</td>";
            }
        }
        out << "</tr>\n";
    }
    out << "</table>\n";
}

void svgOpen(TextWriter& out, const std::string& title, double width, double height)
{
    out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << int64_t(width) << "\" height=\"" << int64_t(height)
        << "\" font-family=\"sans-serif\" font-size=\"11\"><text x=\"10\" y=\"16\" font-size=\"13\" "
           "font-weight=\"bold\">";
    out.html(title) << "</text>";
}

void svgText(TextWriter& out, double x, double y, const std::string& text, const char* anchor)
{
    out << "<text x=\"";
    out.number(x, 1) << "\" y=\"";
    out.number(y, 1) << "\" text-anchor=\"" << std::string_view(anchor) << "\">";
    out.html(text) << "</text>";
}

void svgRect(TextWriter& out, double x, double y, double w, double h, const char* fill, const std::string& tip)
{
    out << "<rect x=\"";
    out.number(x, 1) << "\" y=\"";
    out.number(y, 1) << "\" width=\"";
    out.number(std::max(0.0, w), 1) << "\" height=\"";
    out.number(std::max(0.0, h), 1) << "\" fill=\"" << std::string_view(fill) << "\"><title>";
    out.html(tip) << "</title></rect>";
}

std::string fixed(double value, int decimals)
{
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

} // namespace es::prof
