// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal to the imports (import_*.cpp): one reader per format, and the builder they fill a run with.
#include "exchange/exchange.h"

#include <map>
#include <unordered_map>

namespace es::prof {

/// Times read from another tool's file are kept within +-2^61 ns (73 years) of its clock's zero, so that sums and
/// differences of two of them never overflow int64; a NaN becomes 0.
constexpr int64_t kImportedTimeLimitNs = int64_t(1) << 61;
int64_t clampImportedNs(double ns);
int64_t clampImportedNs(int64_t ns);
/// A number from a file as int64: clamped to int64's range, NaN -> `fallback` (no undefined conversion).
int64_t toInt64Saturated(double value, int64_t fallback = 0);

Result<RunData> readNsysSqlite(const std::string& path, ExchangeStats& stats);
Result<RunData> readKinetoJson(const std::string& path, ExchangeStats& stats);
Result<RunData> readNvtxt(const std::string& path, ExchangeStats& stats);

/// Fills a RunData from another tool's events: threads by OS tid, range names interned per run, times in ns on the
/// tool's clock. One thread.
class ImportedRun
{
public:
    ImportedRun(const std::string& path, const std::string& tool);
    /// The index of the thread with `osTid` as the tool wrote it, added on first use.
    uint16_t thread(int64_t osTid);
    /// The id the session keeps for `osTid`: itself, or a stand-in where it does not fit nsys's 24 bits.
    int64_t storedTid(int64_t osTid);
    void nameThread(int64_t osTid, const std::string& name) { m_data.threadNames[osTid] = name; }
    void addRange(int64_t osTid, int64_t startNs, int64_t endNs, const std::string& name, uint32_t argb = 0xFF999999);
    void addOperator(int64_t osTid, int64_t startNs, int64_t endNs, const std::string& name);
    GpuActivity& gpu() { return m_data.gpu; }
    RunData& data() { return m_data; }
    /// Sets the run's time span, thread list and GPU state; `stats` gets the event count.
    RunData finish(ExchangeStats& stats);

private:
    static constexpr int64_t kLargestStoredTid = 0xFFFFFF;
    /// Thread names keyed by the stored ids, as nsys shows them ("pt_main_thread", not "thread 1102 (...)").
    void settleThreadNames();

    RunData m_data;
    std::map<int64_t, int64_t> m_originalTids; ///< stand-in -> the id the tool wrote
    std::unordered_map<int64_t, uint16_t> m_threads;
    std::unordered_map<std::string, uint32_t> m_rangeNames;
};

} // namespace es::prof
