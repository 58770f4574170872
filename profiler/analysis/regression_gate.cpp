// SPDX-License-Identifier: Apache-2.0
#include "analysis/regression_gate.h"

#include "analysis/analysis.h"
#include "model/trace_model.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

namespace es::prof {

namespace {

/// A run's batch rates and what it recorded of its own verdict.
struct GateRun
{
    std::vector<double> batchFps;
    std::string verdict;
};

Result<std::map<std::string, GateRun>> gateRuns(const SessionStore& store)
{
    ES_ASSIGN_OR_RETURN(const std::vector<RunSummary> runs, store.runs());
    std::map<std::string, GateRun> byKey;
    for (const RunSummary& summary : runs) {
        const RunRecord& r = summary.record;
        if (r.status != "complete")
            continue;
        ES_ASSIGN_OR_RETURN(const TraceModel model, loadRun(store, summary.runId, kLoadFrames));
        GateRun run;
        run.batchFps = batchRates(model);
        if (run.batchFps.empty())
            continue;
        const nlohmann::json result = nlohmann::json::parse(r.resultJson, nullptr, false);
        if (result.is_object() && result.contains("verdict") && result["verdict"].is_object()
            && result["verdict"].contains("state") && result["verdict"]["state"].is_string())
            run.verdict = result["verdict"]["state"].get<std::string>();
        byKey[r.step + " " + r.precision + " batch " + std::to_string(r.batch)] = std::move(run);
    }
    return byKey;
}

} // namespace

bool GateResult::passed() const
{
    return std::none_of(rows.begin(), rows.end(), [](const GateRow& row) { return row.regressed; });
}

Result<GateResult> gateSessions(const SessionStore& base, const SessionStore& current, double tolerancePercent)
{
    ES_ASSIGN_OR_RETURN(const auto baseRuns, gateRuns(base));
    ES_ASSIGN_OR_RETURN(const auto currentRuns, gateRuns(current));
    GateResult result;
    result.tolerancePercent = tolerancePercent;
    for (const auto& [key, before] : baseRuns) {
        auto found = currentRuns.find(key);
        if (found == currentRuns.end()) {
            result.onlyInBase.push_back(key);
            continue;
        }
        const GateRun& after = found->second;
        GateRow row;
        row.key = key;
        const Estimate baseFps = medianWithInterval(before.batchFps);
        const Estimate currentFps = medianWithInterval(after.batchFps);
        row.baseFps = baseFps.value;
        row.baseInterval = baseFps.interval;
        row.currentFps = currentFps.value;
        row.currentInterval = currentFps.interval;
        row.ratio = ratioWithInterval(after.batchFps, before.batchFps);
        row.change = ratioVerdict(row.ratio);
        row.regressed = row.ratio.value < 1.0 - tolerancePercent / 100.0 && row.change == std::string("slower");
        row.currentVerdict = after.verdict;
        result.rows.push_back(std::move(row));
    }
    for (const auto& [key, run] : currentRuns) {
        if (!baseRuns.count(key))
            result.onlyInCurrent.push_back(key);
    }
    if (result.rows.empty())
        return Status(StatusCode::InvalidArgument,
            "no step or bench model of " + base.path() + " is in " + current.path()
                + ": gate pairs runs of the same step, precision and batch");
    return result;
}

} // namespace es::prof
