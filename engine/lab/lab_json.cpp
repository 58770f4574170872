// SPDX-License-Identifier: Apache-2.0
#include "edgescope/engine/lab_json.h"

#include "edgescope/engine/steps.h"
#include "model/vocabulary.h"

namespace es::engine {

using nlohmann::json;

namespace {

json agreementToJson(const Agreement& agreement)
{
    return json { { "reference", agreement.referenceStep }, { "frames", agreement.frames },
        { "identical_within_1e-4", agreement.identical }, { "reference_detections", agreement.referenceDetections },
        { "detections", agreement.detections }, { "matched_iou_0.5_same_label", agreement.matched },
        { "matched_share", agreement.matchedShare }, { "max_score_difference", agreement.maxScoreDifference },
        { "max_box_difference", agreement.maxBoxDifference } };
}

json detectionsToJson(const std::vector<FrameDetections>& frames)
{
    json all = json::array();
    for (const auto& detections : frames) {
        json frame = json::array();
        for (const auto& d : detections)
            frame.push_back({ { "box_ltrb", { d.left, d.top, d.right, d.bottom } }, { "label", d.label },
                { "class", cocoClassName(d.label) }, { "score", d.score } });
        all.push_back(std::move(frame));
    }
    return all;
}

json intervalToJson(const prof::Interval& interval)
{
    return json::array({ interval.low, interval.high });
}

json evidenceToJson(const prof::StepEvidence& e)
{
    auto known = [](double value) { return value >= 0 ? json(value) : json(nullptr); };
    return json { { "window_s", e.windowSeconds }, { "cpus", e.cpus }, { "other_cpu_s", known(e.otherCpuSeconds) },
        { "other_cpu_share",
            e.otherCpuSeconds >= 0 && e.cpus > 0 && e.windowSeconds > 0
                ? json(e.otherCpuSeconds / (e.windowSeconds * e.cpus))
                : json(nullptr) },
        { "steal_cpu_s", known(e.stealCpuSeconds) }, { "cpu_clock_mhz", known(e.cpuClockMhz) },
        { "gpu_clock_mhz", known(e.gpuClockMhz) }, { "cpu_throttle_events", e.cpuThrottleEvents },
        { "detector_ms_per_frame", e.detectorMsPerFrame ? json(*e.detectorMsPerFrame) : json(nullptr) },
        { "sampler_samples", { { "due", e.samplerExpected }, { "taken", e.samplerTaken } } } };
}

} // namespace

json verdictToJson(const prof::Verdict& verdict)
{
    return json { { "state", verdict.state() }, { "reasons", verdict.reasons } };
}

json devicesToJson(const DeviceReport& report)
{
    json cudaDevices = json::array();
    for (const auto& device : report.gpu.devices)
        cudaDevices.push_back({ { "index", device.index }, { "name", device.name },
            { "compute_capability", std::to_string(device.computeMajor) + "." + std::to_string(device.computeMinor) },
            { "memory_bytes", device.totalMemoryBytes } });
    return json {
        { "os", report.os },
        { "cpu",
            { { "model", report.cpuModel }, { "logical_cores", report.logicalCores },
                { "torch_threads", report.torchThreads }, { "simd", report.cpuFlags },
                { "native_bf16", report.cpuNativeBf16 } } },
        { "libtorch",
            { { "version", report.torchVersion }, { "cuda", report.torchCuda },
                { "cuda_devices", report.torchCudaDevices } } },
        { "cuda",
            { { "driver_loaded", report.gpu.driverLoaded },
                { "driver_version",
                    report.gpu.driverVersion > 0 ? json(prof::cudaVersionText(report.gpu.driverVersion))
                                                 : json(nullptr) },
                { "init_result", report.gpu.driverInitResult }, { "init_error", report.gpu.driverError },
                { "devices", cudaDevices } } },
        { "gpu_tracing",
            { { "available", report.gpu.tracing.available }, { "cupti_built_in", report.gpu.cuptiBuiltIn },
                { "reason", report.gpu.tracing.reason }, { "fix", report.gpu.tracing.fix } } },
        { "jetson",
            report.gpu.jetson ? json(report.gpu.jetsonModel.empty() ? "yes" : report.gpu.jetsonModel) : json(false) },
        { "opencv", report.openCv.empty() ? json(nullptr) : json(report.openCv) },
        { "gstreamer", report.gstreamer },
        { "nvtx", report.nvtx },
    };
}

namespace {

json gpuStageToJson(const GpuStageFigures& f)
{
    return json { { "kernels", f.kernels }, { "kernel_ms", f.kernelMs },
        { "copies", { { "HtoD", f.copiesHtoD }, { "DtoH", f.copiesDtoH }, { "DtoD", f.copiesDtoD } } },
        { "copy_bytes", f.copyBytes }, { "pageable_copy_percent", f.pageableCopyPercent }, { "memsets", f.memsets },
        { "syncs", f.syncs }, { "sync_wait_ms", f.syncWaitMs }, { "gpu_busy_ms", f.gpuBusyMs }, { "cpu_ms", f.cpuMs },
        { "gpu_idle_percent", f.gpuIdlePercent } };
}

json gpuToJson(const GpuStepFigures& gpu)
{
    json stages = json::object();
    for (const auto& [name, figures] : gpu.stages)
        stages[name] = gpuStageToJson(figures);
    return json { { "per_frame", { { "stages", stages }, { "total", gpuStageToJson(gpu.total) } } },
        { "records", gpu.records }, { "dropped_records", gpu.droppedRecords },
        { "unattributed_records", gpu.unattributed }, { "idle_gaps_per_frame", gpu.idleGapsPerFrame },
        { "clock_uncertainty_ns", gpu.clockUncertaintyNs }, { "notes", gpu.notes } };
}

} // namespace

json stepToJson(const StepResult& step, bool withDetections)
{
    json stages = json::object();
    for (const char* name : es::stage::kAll) {
        auto found = step.stagesMs.find(name);
        stages[name] = found == step.stagesMs.end() ? json(nullptr) : json(found->second); // null: --profile off
    }
    json item = {
        { "id", step.id },
        { "number", step.number },
        { "title", step.title },
        { "change", allSteps()[size_t(step.number)].change },
        { "batch", step.batch },
        { "precision", step.precision },
        { "precision_reason", step.precisionReason },
        { "frames", step.frames },
        { "rounds", step.rounds },
        { "wall_s", step.wallSeconds },
        { "fps", step.fps },
        { "fps_interval", intervalToJson(step.fpsInterval) },
        { "fps_interval_confidence", step.fpsInterval.confidence },
        { "batches", step.batchFps.size() },
        { "operator_batches", step.operatorBatches },
        { "round_fps", step.roundFps },
        { "latency_ms", { { "p50", step.latencyP50Ms }, { "p95", step.latencyP95Ms }, { "p99", step.latencyP99Ms } } },
        { "stages_ms", stages },
        { "detections_per_frame", step.detectionsPerFrame },
        { "candidates_per_frame", step.candidatesPerFrame },
        { "nms_iterations_per_frame", step.nmsIterationsPerFrame },
        { "device_memory_peak_bytes",
            step.deviceMemoryPeakBytes >= 0 ? json(step.deviceMemoryPeakBytes) : json(nullptr) },
        { "speedup_vs_baseline", step.speedupVsBaseline ? json(*step.speedupVsBaseline) : json(nullptr) },
        { "speedup_interval", step.speedupInterval ? intervalToJson(*step.speedupInterval) : json(nullptr) },
        { "speedup_interval_confidence",
            step.speedupInterval ? json(step.speedupInterval->confidence) : json(nullptr) },
        { "speedup_verdict", step.speedupVerdict.empty() ? json(nullptr) : json(step.speedupVerdict) },
        { "verdict", verdictToJson(step.verdict) },
        { "evidence", evidenceToJson(step.evidence) },
        { "detector_only_fps", step.detectorOnlyFps },
        { "pipeline_efficiency", step.pipelineEfficiency },
        { "agreement", step.agreement ? agreementToJson(*step.agreement) : json(nullptr) },
    };
    item["gpu"] = step.gpu ? gpuToJson(*step.gpu) : json(nullptr);
    if (withDetections)
        item["detections"] = detectionsToJson(step.detections);
    return item;
}

json labToJson(const LabResult& lab, bool withDetections)
{
    json steps = json::array();
    for (const auto& step : lab.steps) {
        steps.push_back(stepToJson(step, withDetections));
    }
    json device = devicesToJson(lab.devices);
    device["used"] = lab.deviceUsed;
    device["name"] = lab.deviceName;
    device["threads"] = lab.threads;
    return json { { "device", device }, { "weights", lab.weights }, { "trained_weights", lab.trainedWeights },
        { "video", lab.video }, { "frames", lab.frames }, { "warmup", lab.warmup }, { "repeat", lab.repeat },
        { "profile", lab.profile }, { "operator_stride", lab.operatorStride },
        { "verdict", verdictToJson(lab.verdict) }, { "drift_risks", lab.driftRisks },
        { "frames_decoded", lab.framesDecoded }, { "decode_ms_per_frame", lab.decodeMsPerFrame },
        { "notes", lab.notes },
        { "gpu_tracing",
            { { "state", lab.gpuTracing }, { "reason", lab.gpuTracingReason }, { "fix", lab.gpuTracingFix } } },
        { "steps", steps } };
}

} // namespace es::engine
