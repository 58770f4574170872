// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal to the exports: the pieces of the HTML reports (the lab report, the device comparison): the page's head
// and style, tables, and inline SVG (no script, no network). Plain functions; any thread.
#include "base/text_writer.h"
#include "reports/session_stats.h"

#include <string>

namespace es::prof {

/// "<!DOCTYPE html>..." up to and including the <h1> of `title`: the style every report shares.
void htmlHead(TextWriter& out, const std::string& title);
/// A stats table as an HTML table (numbers right-aligned, text left).
void htmlTable(TextWriter& out, const StatsTable& table);

/// Opens an SVG of `width` x `height` pixels with `title` at its top left.
void svgOpen(TextWriter& out, const std::string& title, double width = 700, double height = 300);
/// `text` at (x, y), anchored "start", "middle" or "end".
void svgText(TextWriter& out, double x, double y, const std::string& text, const char* anchor = "middle");
/// A filled rectangle with `tip` as its tooltip.
void svgRect(TextWriter& out, double x, double y, double w, double h, const char* fill, const std::string& tip);
/// `value` with `decimals` digits after the point ("%.*f").
std::string fixed(double value, int decimals);

} // namespace es::prof
