// SPDX-License-Identifier: Apache-2.0
#pragma once

// Exchange with the tools people already use: exports of lab runs (NVTXT for Nsight Systems' ImportNvtxt, a
// standalone nsys-schema SQLite, Chrome/Perfetto trace JSON as the PyTorch profiler writes it, CSV tables, a
// self-contained HTML report) and imports of their traces (nsys SQLite exports, PyTorch profiler JSON, NVTXT) into
// lab sessions. Qt-free and Torch-free; one thread per call.
#include "base/status.h"
#include "store/session_store.h"

#include <cstdint>
#include <string>
#include <vector>

namespace es::prof {

enum class ExportFormat { Nvtxt, NsysSqlite, Chrome, Csv, Html };

/// "nvtxt", "nsys-sqlite", "chrome", "csv" or "html".
Result<ExportFormat> parseExportFormat(const std::string& name);

/// What an export or import wrote or read: events (ranges, operators, API calls, device records, counter samples,
/// frames) and bytes of the output or input file.
struct ExchangeStats
{
    int64_t events = 0;
    int64_t bytes = 0;
    std::vector<std::string> notes; ///< what was left out or approximated
};

/// Exports the given runs of a session (all when `runIds` is empty) to `path`. The file is written to a temporary
/// name beside it and renamed at the end, so a failed export leaves no half file.
Result<ExchangeStats> exportRuns(
    const SessionStore& store, const std::vector<int64_t>& runIds, ExportFormat format, const std::string& path);

struct DeviceSession;
/// The device comparison as a self-contained HTML page at `path` (written beside it and renamed at the end): images
/// per second of each model and precision on each device with the ratio of the last to the first (inline SVG), the
/// device x model table, the devices' facts and each device's model x precision table. `events` counts the bench
/// rows written.
Result<ExchangeStats> writeDeviceReport(const std::vector<DeviceSession>& devices, const std::string& path);

/// The kinds of trace `importTrace` reads, told apart by content (not by name).
enum class TraceKind { NsysSqlite, KinetoJson, Nvtxt, EdgeScopeSession };
Result<TraceKind> detectTraceKind(const std::string& path);

/// Reads a trace written by another tool into one run: an nsys SQLite export (schema 3.0 of 2022 to today), a
/// PyTorch profiler (Kineto) trace JSON (2021 and current forms, plain or gzipped) or an NVTXT file.
Result<RunData> readTrace(const std::string& path, ExchangeStats* stats = nullptr);

/// A thread's name as nsys shows it: "pt_main_thread" for the PyTorch profiler's "thread 1102 (pt_main_thread)";
/// other names as they are.
std::string displayThreadName(const std::string& name);

/// readTrace, then appends the run to the session at `sessionPath` (created when missing); returns its run id.
Result<int64_t> importTrace(const std::string& path, const std::string& sessionPath, ExchangeStats* stats = nullptr);

} // namespace es::prof
