// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal to the exports (export_*.cpp): a run loaded for exporting and the writer of each format.
#include "base/text_writer.h"
#include "exchange/exchange.h"
#include "model/trace_model.h"

#include <map>

namespace es::prof {

/// One run as the exports see it: its ES_RUNS record, its trace model, the recording process and range colours.
struct ExportRun
{
    RunSummary summary;
    TraceModel model;
    int64_t pid = 0;
    std::map<std::string, uint32_t> colors; ///< range name -> ARGB
};

/// The runs `runIds` names (all when empty), loaded; InvalidArgument when there is none.
Result<std::vector<ExportRun>> loadExportRuns(
    const SessionStore& store, const std::vector<int64_t>& runIds, unsigned parts = kLoadAll);

/// Each writer returns the number of events written.
Result<int64_t> writeNvtxt(const SessionStore& store, const std::vector<ExportRun>& runs, TextWriter& out);
Result<int64_t> writeChrome(const SessionStore& store, const std::vector<ExportRun>& runs, TextWriter& out);
Result<int64_t> writeCsv(const SessionStore& store, const std::vector<ExportRun>& runs, TextWriter& out);
Result<int64_t> writeStageCsv(const std::vector<ExportRun>& runs, TextWriter& out);
Result<int64_t> writeHtml(const SessionStore& store, const std::vector<ExportRun>& runs, TextWriter& out);
/// The standalone nsys-schema SQLite (copies rows with SQL; no trace model needed).
Result<ExchangeStats> exportNsysSqlite(
    const SessionStore& store, const std::vector<int64_t>& runIds, const std::string& path);

} // namespace es::prof
