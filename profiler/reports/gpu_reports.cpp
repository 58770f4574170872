// SPDX-License-Identifier: Apache-2.0
#include "reports/gpu_reports.h"

#include "analysis/gpu_attribution.h"
#include "base/sqlite_util.h"
#include "model/trace_model.h"
#include "model/vocabulary.h"

#include <algorithm>

namespace es::prof {

namespace {

/// The runs a report covers, in order: all of them when `runIds` is empty.
Result<std::vector<RunSummary>> chosenRuns(const SessionStore& store, const std::vector<int64_t>& runIds)
{
    ES_ASSIGN_OR_RETURN(std::vector<RunSummary> runs, store.runs());
    if (!runIds.empty())
        runs.erase(std::remove_if(runs.begin(), runs.end(),
                       [&](const RunSummary& run) {
                           return std::find(runIds.begin(), runIds.end(), run.runId) == runIds.end();
                       }),
            runs.end());
    return runs;
}

int64_t copyBytes(const GpuWorkSummary& s)
{
    int64_t bytes = 0;
    for (const auto& [direction, totals] : s.copies)
        bytes += totals.bytes;
    return bytes;
}

double pageablePercent(const GpuWorkSummary& s)
{
    int64_t pageable = 0, host = 0;
    for (const auto& [direction, totals] : s.copies) {
        pageable += totals.pageable;
        host += totals.pageable + totals.pinned;
    }
    return host ? 100.0 * double(pageable) / double(host) : 0.0;
}

double idlePercent(const GpuWorkSummary& s)
{
    return s.wallNs > 0 ? 100.0 * double(s.gpuIdleNs) / double(s.wallNs) : 0.0;
}

} // namespace

Result<StatsTable> gpuStageReport(const SessionStore& store, const std::vector<int64_t>& runIds)
{
    StatsTable table;
    table.report = "gpu_stage_sum";
    table.columns = { "Run", "Step", "Kernels/frame", "Kernel (us/frame)", "HtoD/frame", "DtoH/frame", "DtoD/frame",
        "Copy bytes/frame", "Pageable copies (%)", "Memsets/frame", "Syncs/frame", "Sync wait (us/frame)",
        "GPU busy (us/frame)", "CPU time (us/frame)", "GPU idle (%)", "Stage" };
    ES_ASSIGN_OR_RETURN(std::vector<RunSummary> runs, chosenRuns(store, runIds));
    for (const RunSummary& run : runs) {
        ES_ASSIGN_OR_RETURN(TraceModel model, loadRun(store, run.runId));
        const GpuAttribution gpu = attributeGpuWork(model);
        if (gpu.total.kernels + gpu.total.copyCount() + gpu.total.syncs + gpu.total.memsets == 0)
            continue;
        const double frames = double(std::max<int64_t>(1, gpu.frames));
        auto add = [&](const std::string& stage, const GpuWorkSummary& s) {
            table.rows.push_back(
                { run.runId, run.record.step, double(s.kernels) / frames, double(s.kernelNs) / 1e3 / frames,
                    double(s.copiesIn("HtoD").count) / frames, double(s.copiesIn("DtoH").count) / frames,
                    double(s.copiesIn("DtoD").count) / frames, double(copyBytes(s)) / frames, pageablePercent(s),
                    double(s.memsets) / frames, double(s.syncs) / frames, double(s.syncWaitNs) / 1e3 / frames,
                    double(s.busyNs) / 1e3 / frames, double(s.wallNs) / 1e3 / frames, idlePercent(s), stage });
        };
        for (const auto& [stage, summary] : gpu.byStage) {
            if (es::range::isFrameOrBatch(stage))
                add("(" + stage + ", between stages)", summary);
            else
                add(stage, summary);
        }
        add("(run total)", gpu.total);
    }
    return table;
}

Result<StatsTable> gpuFrameReport(const SessionStore& store, const std::vector<int64_t>& runIds)
{
    StatsTable table;
    table.report = "gpu_frame_sum";
    table.columns = { "Run", "Step", "Batch", "Frames", "Kernels", "Kernel (us)", "HtoD", "DtoH", "DtoD", "Copy bytes",
        "Syncs", "Sync wait (us)", "GPU busy (us)", "Window (us)", "GPU idle (%)", "Idle gaps", "Longest gap (us)" };
    ES_ASSIGN_OR_RETURN(std::vector<RunSummary> runs, chosenRuns(store, runIds));
    for (const RunSummary& run : runs) {
        ES_ASSIGN_OR_RETURN(TraceModel model, loadRun(store, run.runId));
        const GpuAttribution gpu = attributeGpuWork(model);
        if (gpu.total.kernels + gpu.total.copyCount() + gpu.total.syncs == 0)
            continue;
        std::map<int64_t, int64_t> framesInBatch;
        for (const FrameEvent& frame : model.frames)
            ++framesInBatch[frame.batchIndex];
        for (const auto& [batch, s] : gpu.byBatch) {
            table.rows.push_back({ run.runId, run.record.step, batch, framesInBatch[batch], s.kernels,
                double(s.kernelNs) / 1e3, s.copiesIn("HtoD").count, s.copiesIn("DtoH").count, s.copiesIn("DtoD").count,
                copyBytes(s), s.syncs, double(s.syncWaitNs) / 1e3, double(s.busyNs) / 1e3, double(s.wallNs) / 1e3,
                idlePercent(s), s.idleGaps, double(s.longestGapNs) / 1e3 });
        }
    }
    return table;
}

Result<StatsTable> gpuTraceReport(const SessionStore& store, const std::vector<int64_t>& runIds)
{
    StatsTable table;
    table.report = "gpu_trace";
    table.columns = { "Run", "Step", "State", "Kernels", "Copies", "Memsets", "Syncs", "API calls", "Markers",
        "Dropped", "Clock offset (ns)", "Uncertainty (ns)", "Drift (ns)", "CUPTI overhead (us)", "Reason / notes" };
    ES_ASSIGN_OR_RETURN(std::vector<RunSummary> runs, chosenRuns(store, runIds));
    sqlite3* db = store.database();
    Statement exists(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'ES_GPU_TRACING'");
    const bool hasTracing = exists.step() == SQLITE_ROW && exists.columnInt(0) > 0;
    for (const RunSummary& run : runs) {
        auto count = [&](const char* tableName) -> int64_t {
            Statement query(db, std::string("SELECT count(*) FROM ") + tableName + " WHERE runId = ?");
            query.bind(1, run.runId);
            return query.step() == SQLITE_ROW ? query.columnInt(0) : 0;
        };
        std::vector<StatsTable::Cell> row = { run.runId, run.record.step };
        std::string state = "not recorded (session schema 1)", text;
        int64_t dropped = 0, offset = 0, uncertainty = 0, drift = 0, markers = 0;
        double overheadUs = 0;
        if (hasTracing) {
            Statement query(db,
                "SELECT state, coalesce(reason, ''), droppedRecords, coalesce(clockOffsetNs, 0), "
                "coalesce(clockUncertaintyNs, 0), coalesce(clockDriftNs, 0), markers, overheadNs, "
                "coalesce(notes, '') FROM ES_GPU_TRACING WHERE runId = ?");
            query.bind(1, run.runId);
            if (query.step() == SQLITE_ROW) {
                state = query.columnText(0);
                text = query.columnText(1);
                dropped = query.columnInt(2);
                offset = query.columnInt(3);
                uncertainty = query.columnInt(4);
                drift = query.columnInt(5);
                markers = query.columnInt(6);
                overheadUs = double(query.columnInt(7)) / 1e3;
                const std::string notes = query.columnText(8);
                if (!notes.empty())
                    text += (text.empty() ? "" : "; ") + notes;
                std::replace(text.begin(), text.end(), '\n', ';');
            }
        }
        row.insert(row.end(),
            { state, count("CUPTI_ACTIVITY_KIND_KERNEL"), count("CUPTI_ACTIVITY_KIND_MEMCPY"),
                count("CUPTI_ACTIVITY_KIND_MEMSET"), count("CUPTI_ACTIVITY_KIND_SYNCHRONIZATION"),
                count("CUPTI_ACTIVITY_KIND_RUNTIME"), markers, dropped, offset, uncertainty, drift, overheadUs, text });
        table.rows.push_back(std::move(row));
    }
    return table;
}

} // namespace es::prof
