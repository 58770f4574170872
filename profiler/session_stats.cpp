// SPDX-License-Identifier: Apache-2.0
#include "session_stats.h"

#include "bench_tables.h"

#include "gpu_reports.h"
#include "sqlite_util.h"
#include "stage_stats.h"

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

} // namespace

const std::vector<std::string>& statsReportNames()
{
    static const std::vector<std::string> names = { "nvtx_sum", "cuda_gpu_kern_sum", "cuda_gpu_mem_time_sum",
        "cuda_api_sum", "gpu_stage_sum", "gpu_frame_sum", "gpu_trace", "op_sum", "frames", "os_util", "model_bench" };
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
    sqlite3* db = store.database();
    const std::string where = runFilter(runIds);
    if (report == "nvtx_sum") {
        ES_ASSIGN_OR_RETURN(auto durations,
            collectDurations(store,
                "SELECT coalesce(e.text, s.value), coalesce(e.\"end\", e.start) - e.start "
                "FROM NVTX_EVENTS e LEFT JOIN StringIds s ON e.textId = s.id "
                "WHERE e.eventType IN (59, 60, 70, 71) AND "
                    + where));
        return summarizeDurations(report, "Range", std::move(durations), true);
    }
    if (report == "cuda_gpu_kern_sum") {
        ES_ASSIGN_OR_RETURN(auto durations,
            collectDurations(store,
                "SELECT s.value, k.\"end\" - k.start FROM CUPTI_ACTIVITY_KIND_KERNEL k "
                "JOIN StringIds s ON k.demangledName = s.id WHERE "
                    + where));
        return summarizeDurations(report, "Name", std::move(durations), false);
    }
    if (report == "cuda_gpu_mem_time_sum") {
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
        return summarizeDurations(report, "Operation", std::move(copies), false);
    }
    if (report == "cuda_api_sum") {
        ES_ASSIGN_OR_RETURN(auto raw,
            collectDurations(store,
                "SELECT s.value, r.\"end\" - r.start FROM "
                "CUPTI_ACTIVITY_KIND_RUNTIME r JOIN StringIds s ON "
                "r.nameId = s.id WHERE "
                    + where));
        std::map<std::string, std::vector<int64_t>> merged;
        for (auto& [name, values] : raw) {
            auto& target = merged[stripVersionSuffix(name)];
            target.insert(target.end(), values.begin(), values.end());
        }
        return summarizeDurations(report, "Name", std::move(merged), false);
    }
    if (report == "gpu_stage_sum")
        return gpuStageReport(store, runIds);
    if (report == "gpu_frame_sum")
        return gpuFrameReport(store, runIds);
    if (report == "gpu_trace")
        return gpuTraceReport(store, runIds);
    if (report == "model_bench") {
        ES_ASSIGN_OR_RETURN(std::vector<BenchRun> bench, readBenchRuns(store));
        if (!runIds.empty()) {
            std::vector<BenchRun> selected;
            for (BenchRun& run : bench)
                if (std::find(runIds.begin(), runIds.end(), run.runId) != runIds.end())
                    selected.push_back(std::move(run));
            bench = std::move(selected);
        }
        return modelPrecisionTable(bench);
    }
    if (report == "op_sum") {
        ES_ASSIGN_OR_RETURN(auto durations,
            collectDurations(store,
                "SELECT s.value, o.\"end\" - o.start FROM ES_OPERATORS o "
                "JOIN StringIds s ON o.nameId = s.id WHERE "
                    + runFilter(runIds, "o.runId")));
        return summarizeDurations(report, "Operator", std::move(durations), false);
    }
    if (report == "frames") {
        StatsTable table;
        table.report = report;
        table.columns = { "Run", "Step", "Batch", "Precision", "Frames", "FPS", "Latency p50 (ms)", "Latency p95 (ms)",
            "Latency p99 (ms)", "Detections/frame", "Candidates/frame" };
        ES_ASSIGN_OR_RETURN(std::vector<RunSummary> runs, store.runs());
        for (const RunSummary& run : runs) {
            if (!runIds.empty() && std::find(runIds.begin(), runIds.end(), run.runId) == runIds.end())
                continue;
            Statement query(db, "SELECT \"end\" - start, detections, candidates FROM ES_FRAMES WHERE runId = ?");
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
    if (report == "os_util") {
        StatsTable table;
        table.report = report;
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
