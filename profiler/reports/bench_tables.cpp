// SPDX-License-Identifier: Apache-2.0
#include "reports/bench_tables.h"

#include <nlohmann/json.hpp>

#include <map>

namespace es::prof {

bool isBenchStep(const std::string& step)
{
    return step.rfind("bench-", 0) == 0;
}

Result<std::vector<BenchRun>> readBenchRuns(const SessionStore& store)
{
    ES_ASSIGN_OR_RETURN(std::vector<RunSummary> runs, store.runs());
    std::vector<BenchRun> bench;
    for (const RunSummary& summary : runs) {
        const RunRecord& record = summary.record;
        if (!isBenchStep(record.step) || record.status != "complete")
            continue;
        const nlohmann::json result = nlohmann::json::parse(record.resultJson, nullptr, /*allow_exceptions=*/false);
        if (!result.is_object() || !result.contains("model"))
            return Status(StatusCode::CorruptData,
                store.path() + ": run " + std::to_string(summary.runId) + " is a bench run without its results");
        auto number = [&](const char* key) {
            auto found = result.find(key);
            return found != result.end() && found->is_number() ? found->get<double>() : 0.0;
        };
        BenchRun run;
        run.runId = summary.runId;
        run.session = store.path();
        run.device = record.device;
        run.deviceName = record.deviceName;
        run.model = result.value("model", "");
        run.name = result.value("name", run.model);
        run.task = result.value("task", "");
        run.precision = record.precision;
        run.batch = record.batch;
        run.fps = number("fps");
        run.latencyP50Ms = number("latency_p50_ms");
        run.latencyP95Ms = number("latency_p95_ms");
        run.gflopsPerImage = number("gflops_per_image");
        run.achievedGflops = number("achieved_gflops");
        run.peakShare = number("peak_share");
        run.parameters = int64_t(number("parameters"));
        run.weightsMb = number("weights_mb");
        if (result.contains("peak") && result["peak"].is_object())
            run.peakGflops = result["peak"].value("gflops", 0.0);
        if (result.contains("peak_memory_mb") && result["peak_memory_mb"].is_number())
            run.peakMemoryMb = result["peak_memory_mb"].get<double>();
        if (result.contains("agreement") && result["agreement"].is_object()) {
            run.agreementMetric = result["agreement"].value("metric", "");
            if (result["agreement"].contains("value") && result["agreement"]["value"].is_number())
                run.agreement = result["agreement"]["value"].get<double>();
        }
        bench.push_back(std::move(run));
    }
    return bench;
}

namespace {

/// The latest run of each (model, precision), in the order models first appear.
std::vector<const BenchRun*> latestByModelAndPrecision(const std::vector<BenchRun>& runs)
{
    std::vector<std::pair<std::string, std::string>> order;
    std::map<std::pair<std::string, std::string>, const BenchRun*> latest;
    for (const BenchRun& run : runs) {
        const auto key = std::make_pair(run.model, run.precision);
        if (!latest.count(key))
            order.push_back(key);
        latest[key] = &run;
    }
    std::vector<const BenchRun*> selected;
    for (const auto& key : order)
        selected.push_back(latest[key]);
    return selected;
}

} // namespace

std::vector<BenchRun> latestBenchRuns(const std::vector<BenchRun>& runs)
{
    std::vector<BenchRun> latest;
    for (const BenchRun* run : latestByModelAndPrecision(runs))
        latest.push_back(*run);
    return latest;
}

StatsTable modelPrecisionTable(const std::vector<BenchRun>& runs)
{
    StatsTable table;
    table.report = "model_bench";
    table.columns = { "Model", "Precision", "Device", "Batch", "p50 (ms)", "p95 (ms)", "FPS", "GFLOP/img", "GFLOP/s",
        "Peak (%)", "Params (M)", "Weights (MB)", "Peak mem (MB)", "Agreement", "vs fp32", "Run" };
    for (const BenchRun* run : latestByModelAndPrecision(runs)) {
        table.rows.push_back({ run->model, run->precision, run->device, run->batch, run->latencyP50Ms,
            run->latencyP95Ms, run->fps, run->gflopsPerImage, run->achievedGflops, 100.0 * run->peakShare,
            double(run->parameters) / 1e6, run->weightsMb,
            run->peakMemoryMb ? StatsTable::Cell(*run->peakMemoryMb) : StatsTable::Cell(std::string("-")),
            run->agreementMetric,
            run->agreement ? StatsTable::Cell(*run->agreement) : StatsTable::Cell(std::string("-")), run->runId });
    }
    return table;
}

StatsTable deviceModelTable(const std::vector<std::vector<BenchRun>>& sessions)
{
    StatsTable table;
    table.report = "device_model";
    table.columns = { "Model", "Precision" };
    std::vector<std::map<std::pair<std::string, std::string>, const BenchRun*>> bySession;
    for (size_t s = 0; s < sessions.size(); ++s) {
        std::map<std::pair<std::string, std::string>, const BenchRun*> runs;
        std::string device = "session " + std::to_string(s + 1);
        for (const BenchRun* run : latestByModelAndPrecision(sessions[s])) {
            runs[{ run->model, run->precision }] = run;
            device = run->deviceName.empty() ? run->device : run->deviceName;
        }
        table.columns.push_back("FPS " + device);
        bySession.push_back(std::move(runs));
    }
    if (sessions.size() >= 2)
        table.columns.push_back("Ratio (last/first)");
    if (sessions.empty())
        return table;
    for (const BenchRun* run : latestByModelAndPrecision(sessions.front())) {
        const auto key = std::make_pair(run->model, run->precision);
        std::vector<StatsTable::Cell> row = { run->model, run->precision };
        bool everywhere = true;
        for (const auto& runs : bySession) {
            auto found = runs.find(key);
            if (found == runs.end()) {
                everywhere = false;
                break;
            }
            row.push_back(found->second->fps);
        }
        if (!everywhere)
            continue;
        if (sessions.size() >= 2) {
            const double first = std::get<double>(row[2]);
            row.push_back(first > 0 ? std::get<double>(row.back()) / first : 0.0);
        }
        table.rows.push_back(std::move(row));
    }
    return table;
}

} // namespace es::prof
