// SPDX-License-Identifier: Apache-2.0
#include "reports/session_stats.h"

#include "reports/bench_tables.h"

#include "base/sqlite_util.h"
#include "model/stage_stats.h"
#include "model/vocabulary.h"
#include "reports/gpu_reports.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace es::prof {

namespace {

std::string runFilter(const std::vector<int64_t>& runIds, const std::string& column = "runId")
{
    if (runIds.empty())
        return "1";
    std::string list;
    for (int64_t id : runIds)
        list += (list.empty() ? "" : ",") + std::to_string(id);
    return column + " IN (" + list + ")";
}

bool tableExists(sqlite3* db, const std::string& name)
{
    Statement query(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?");
    query.bind(1, name);
    return query.step() == SQLITE_ROW && query.columnInt(0) > 0;
}

/// nsys's summary columns over durations grouped by name, sorted by total time.
StatsTable summarizeDurations(const std::string& report, const std::string& nameColumn,
    std::map<std::string, std::vector<int64_t>> durations, bool withStyle)
{
    StatsTable table;
    table.report = report;
    table.columns
        = { "Time (%)", "Total Time (ns)", "Instances", "Avg (ns)", "Med (ns)", "Min (ns)", "Max (ns)", "StdDev (ns)" };
    if (withStyle)
        table.columns.push_back("Style");
    table.columns.push_back(nameColumn);
    int64_t grandTotal = 0;
    for (const auto& [name, values] : durations)
        for (int64_t v : values)
            grandTotal += v;
    std::vector<std::pair<int64_t, std::string>> order;
    for (auto& [name, values] : durations) {
        int64_t total = 0;
        for (int64_t v : values)
            total += v;
        order.emplace_back(total, name);
    }
    std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (const auto& [total, name] : order) {
        std::vector<int64_t>& values = durations[name];
        std::sort(values.begin(), values.end());
        const double n = double(values.size());
        const double mean = double(total) / n;
        double squares = 0;
        for (int64_t v : values)
            squares += (double(v) - mean) * (double(v) - mean);
        const double stddev = values.size() > 1 ? std::sqrt(squares / (n - 1)) : 0.0;
        std::vector<double> asDouble(values.begin(), values.end());
        std::vector<StatsTable::Cell> row = { grandTotal ? 100.0 * double(total) / double(grandTotal) : 0.0, total,
            int64_t(values.size()), mean, quantile(asDouble, 0.5), values.front(), values.back(), stddev };
        if (withStyle)
            row.push_back(std::string("PushPop"));
        row.push_back(name);
        table.rows.push_back(std::move(row));
    }
    return table;
}

Result<std::map<std::string, std::vector<int64_t>>> collectDurations(const SessionStore& store, const std::string& sql)
{
    Statement query(store.database(), sql);
    if (!query.ok())
        return sqliteStatus(sqlite3_errcode(store.database()), store.path(), query.error());
    std::map<std::string, std::vector<int64_t>> durations;
    int code;
    while ((code = query.step()) == SQLITE_ROW)
        durations[query.columnText(0)].push_back(query.columnInt(1));
    if (code != SQLITE_DONE)
        return sqliteStatus(code, store.path(), query.error());
    return durations;
}

std::string stripVersionSuffix(const std::string& name)
{
    const size_t at = name.rfind("_v");
    if (at == std::string::npos || at + 2 >= name.size())
        return name;
    for (size_t i = at + 2; i < name.size(); ++i)
        if (!std::isdigit(static_cast<unsigned char>(name[i])))
            return name;
    return name.substr(0, at);
}

/// Whether `runId` is one of `runIds` (every run is when `runIds` is empty).
bool isChosen(const std::vector<int64_t>& runIds, int64_t runId)
{
    return runIds.empty() || std::find(runIds.begin(), runIds.end(), runId) != runIds.end();
}

Result<StatsTable> nvtxSumReport(const SessionStore& store, const std::vector<int64_t>& runIds)
{
    ES_ASSIGN_OR_RETURN(auto durations,
        collectDurations(store,
            "SELECT coalesce(e.text, s.value), coalesce(e.\"end\", e.start) - e.start "
            "FROM NVTX_EVENTS e LEFT JOIN StringIds s ON e.textId = s.id "
            "WHERE e.eventType IN (" ES_NSYS_NVTX_RANGE_TYPES_SQL ") AND "
                + runFilter(runIds)));
    return summarizeDurations("nvtx_sum", "Range", std::move(durations), true);
}

Result<StatsTable> cudaGpuKernSumReport(const SessionStore& store, const std::vector<int64_t>& runIds)
{
    ES_ASSIGN_OR_RETURN(auto durations,
        collectDurations(store,
            "SELECT s.value, k.\"end\" - k.start FROM CUPTI_ACTIVITY_KIND_KERNEL k "
            "JOIN StringIds s ON k.demangledName = s.id WHERE "
                + runFilter(runIds)));
    return summarizeDurations("cuda_gpu_kern_sum", "Name", std::move(durations), false);
}

Result<StatsTable> cudaGpuMemTimeSumReport(const SessionStore& store, const std::vector<int64_t>& runIds)
{
    const std::string where = runFilter(runIds);
    ES_ASSIGN_OR_RETURN(auto copies,
        collectDurations(store,
            "SELECT '[CUDA memcpy ' || o.label || ']', m.\"end\" - m.start "
            "FROM CUPTI_ACTIVITY_KIND_MEMCPY m JOIN ENUM_CUDA_MEMCPY_OPER o "
            "ON o.id = m.copyKind WHERE "
                + where));
    ES_ASSIGN_OR_RETURN(auto sets,
        collectDurations(store,
            "SELECT '[CUDA memset]', \"end\" - start FROM "
            "CUPTI_ACTIVITY_KIND_MEMSET WHERE "
                + where));
    copies.insert(sets.begin(), sets.end());
    return summarizeDurations("cuda_gpu_mem_time_sum", "Operation", std::move(copies), false);
}

/// API calls by name, the versions of one call (cudaLaunchKernel_v7000) counted as one.
Result<StatsTable> cudaApiSumReport(const SessionStore& store, const std::vector<int64_t>& runIds)
{
    ES_ASSIGN_OR_RETURN(auto raw,
        collectDurations(store,
            "SELECT s.value, r.\"end\" - r.start FROM "
            "CUPTI_ACTIVITY_KIND_RUNTIME r JOIN StringIds s ON "
            "r.nameId = s.id WHERE "
                + runFilter(runIds)));
    std::map<std::string, std::vector<int64_t>> merged;
    for (auto& [name, values] : raw) {
        auto& target = merged[stripVersionSuffix(name)];
        target.insert(target.end(), values.begin(), values.end());
    }
    return summarizeDurations("cuda_api_sum", "Name", std::move(merged), false);
}

Result<StatsTable> opSumReport(const SessionStore& store, const std::vector<int64_t>& runIds)
{
    ES_ASSIGN_OR_RETURN(auto durations,
        collectDurations(store,
            "SELECT s.value, o.\"end\" - o.start FROM ES_OPERATORS o "
            "JOIN StringIds s ON o.nameId = s.id WHERE "
                + runFilter(runIds, "o.runId")));
    return summarizeDurations("op_sum", "Operator", std::move(durations), false);
}

Result<StatsTable> framesReport(const SessionStore& store, const std::vector<int64_t>& runIds)
{
    StatsTable table;
    table.report = "frames";
    table.columns = { "Run", "Step", "Batch", "Precision", "Frames", "FPS", "Latency p50 (ms)", "Latency p95 (ms)",
        "Latency p99 (ms)", "Detections/frame", "Candidates/frame" };
    ES_ASSIGN_OR_RETURN(std::vector<RunSummary> runs, store.runs());
    for (const RunSummary& run : runs) {
        if (!isChosen(runIds, run.runId))
            continue;
        Statement query(
            store.database(), "SELECT \"end\" - start, detections, candidates FROM ES_FRAMES WHERE runId = ?");
        query.bind(1, run.runId);
        std::vector<double> latencies;
        double detections = 0, candidates = 0;
        while (query.step() == SQLITE_ROW) {
            latencies.push_back(double(query.columnInt(0)) / 1e6);
            detections += double(query.columnInt(1));
            candidates += double(query.columnInt(2));
        }
        const double n = latencies.empty() ? 1.0 : double(latencies.size());
        table.rows.push_back({ run.runId, run.record.step, run.record.batch, run.record.precision,
            int64_t(latencies.size()), run.record.fps, quantile(latencies, 0.5), quantile(latencies, 0.95),
            quantile(latencies, 0.99), detections / n, candidates / n });
    }
    return table;
}

Result<StatsTable> osUtilReport(const SessionStore& store, const std::vector<int64_t>& runIds)
{
    sqlite3* db = store.database();
    StatsTable table;
    table.report = "os_util";
    table.columns = { "Run", "Counter", "Unit", "Samples", "Mean", "Min", "Max", "Source" };
    if (!tableExists(db, "ES_COUNTERS"))
        return table;
    Statement query(db,
        "SELECT c.runId, c.name, c.unit, count(s.value), avg(s.value), min(s.value), max(s.value), "
        "c.source FROM ES_COUNTERS c JOIN ES_COUNTER_SAMPLES s ON s.counterId = c.counterId WHERE "
            + runFilter(runIds, "c.runId") + " GROUP BY c.counterId ORDER BY c.runId, c.counterId");
    if (!query.ok())
        return sqliteStatus(sqlite3_errcode(db), store.path(), query.error());
    while (query.step() == SQLITE_ROW)
        table.rows.push_back({ query.columnInt(0), query.columnText(1), query.columnText(2), query.columnInt(3),
            query.columnDouble(4), query.columnDouble(5), query.columnDouble(6), query.columnText(7) });
    return table;
}

Result<StatsTable> modelBenchReport(const SessionStore& store, const std::vector<int64_t>& runIds)
{
    ES_ASSIGN_OR_RETURN(std::vector<BenchRun> bench, readBenchRuns(store));
    if (!runIds.empty()) {
        std::vector<BenchRun> selected;
        for (BenchRun& run : bench)
            if (isChosen(runIds, run.runId))
                selected.push_back(std::move(run));
        bench = std::move(selected);
    }
    return modelPrecisionTable(bench);
}

/// A report of the catalog and the function that computes it.
struct StatsReport
{
    const char* name;
    const char* summary;
    Result<StatsTable> (*compute)(const SessionStore& store, const std::vector<int64_t>& runIds);
};

/// Every report, in the order statsReportCatalog() gives them.
const std::vector<StatsReport>& statsReports()
{
    static const std::vector<StatsReport> reports = {
        { "nvtx_sum", "NVTX ranges by name: time share, total, count, avg, median, min, max, stddev (as nsys)",
            nvtxSumReport },
        { "cuda_gpu_kern_sum", "CUDA kernels by name, with nsys's summary columns", cudaGpuKernSumReport },
        { "cuda_gpu_mem_time_sum", "CUDA memory copies by direction and memsets, with nsys's summary columns",
            cudaGpuMemTimeSumReport },
        { "cuda_api_sum", "CUDA runtime and driver API calls by name, with nsys's summary columns", cudaApiSumReport },
        { "gpu_stage_sum", "GPU work per frame in each stage: kernels, copies by direction, syncs, GPU idle time",
            gpuStageReport },
        { "gpu_frame_sum", "GPU work per frame or batch: kernels, copies, syncs, busy and idle time, idle gaps",
            gpuFrameReport },
        { "gpu_trace", "Whether each run's GPU activity was traced (or why not), dropped records, clock mapping",
            gpuTraceReport },
        { "op_sum", "LibTorch operators by name, with nsys's summary columns", opSumReport },
        { "frames", "Per run: frames, FPS, latency p50/p95/p99, detections and candidates per frame", framesReport },
        { "os_util", "Per run: each sampler counter's samples, mean, min and max", osUtilReport },
        { "model_bench", "The model bench's model x precision table: latency, FPS, GFLOP/s, size, agreement",
            modelBenchReport },
    };
    return reports;
}

} // namespace

const std::vector<StatsReportInfo>& statsReportCatalog()
{
    static const std::vector<StatsReportInfo> catalog = [] {
        std::vector<StatsReportInfo> infos;
        for (const StatsReport& report : statsReports())
            infos.push_back({ report.name, report.summary });
        return infos;
    }();
    return catalog;
}

const std::vector<std::string>& statsReportNames()
{
    static const std::vector<std::string> names = [] {
        std::vector<std::string> list;
        for (const StatsReportInfo& report : statsReportCatalog())
            list.push_back(report.name);
        return list;
    }();
    return names;
}

Result<std::vector<int64_t>> selectRuns(const SessionStore& store, const std::string& run, const std::string& step)
{
    ES_ASSIGN_OR_RETURN(std::vector<RunSummary> runs, store.runs());
    std::vector<int64_t> ids;
    for (const RunSummary& summary : runs) {
        const std::string& id = summary.record.step;
        const bool runMatches = run.empty() || std::to_string(summary.runId) == run;
        const bool stepMatches = step.empty() || id == step || id.substr(0, 2) == step
            || std::to_string(summary.record.stepNumber) == step;
        if (runMatches && stepMatches)
            ids.push_back(summary.runId);
    }
    if (ids.empty() && (!run.empty() || !step.empty())) {
        std::string known;
        for (const RunSummary& summary : runs)
            known += (known.empty() ? "" : ", ") + std::to_string(summary.runId) + " (" + summary.record.step + ")";
        return Status(StatusCode::InvalidArgument,
            "no run " + (run.empty() ? "of step " + step : run) + " in " + store.path()
                + "; runs: " + (known.empty() ? "none" : known));
    }
    if (ids.empty())
        ids.push_back(-1); // an empty session: match nothing
    return ids;
}

Result<StatsTable> computeReport(
    const SessionStore& store, const std::string& report, const std::vector<int64_t>& runIds)
{
    for (const StatsReport& entry : statsReports())
        if (report == entry.name)
            return entry.compute(store, runIds);
    std::string known;
    for (const auto& name : statsReportNames())
        known += (known.empty() ? "" : ", ") + name;
    return Status(StatusCode::InvalidArgument, "unknown report " + report + " (known: " + known + ")");
}

} // namespace es::prof

namespace es::prof {

Result<SamplerCoverage> samplerCoverage(const SessionStore& store, int64_t runId, int periodMs)
{
    if (periodMs <= 0)
        return Status(StatusCode::InvalidArgument, "sampler period must be positive");
    Statement span(store.database(), "SELECT start, \"end\" FROM ES_RUNS WHERE runId = ?");
    if (!span.ok())
        return Status(StatusCode::CorruptData, store.path() + ": " + span.error());
    span.bind(1, runId);
    if (span.step() != SQLITE_ROW)
        return Status(StatusCode::NotFound, store.path() + " has no run " + std::to_string(runId));
    SamplerCoverage coverage;
    const int64_t spanNs = std::max<int64_t>(0, span.columnInt(1) - span.columnInt(0));
    coverage.expected = spanNs / (int64_t(periodMs) * 1000000);
    Statement counts(store.database(),
        "SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(*) AS n FROM ES_COUNTER_SAMPLES JOIN ES_COUNTERS "
        "USING (counterId) WHERE runId = ? GROUP BY counterId)");
    if (!counts.ok())
        return Status(StatusCode::CorruptData, store.path() + ": " + counts.error());
    counts.bind(1, runId);
    if (counts.step() == SQLITE_ROW)
        coverage.recorded = counts.columnInt(0);
    // A sample at each end of the span may fall either side of it: one sample of slack.
    coverage.missed = std::max<int64_t>(0, coverage.expected - 1 - coverage.recorded);
    return coverage;
}

} // namespace es::prof
