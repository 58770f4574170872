// SPDX-License-Identifier: Apache-2.0
#include "lab/lab_session.h"

#include "analysis/gpu_attribution.h"
#include "model/trace_model.h"

#include "collect/platform_facts.h"
#include "edgescope/engine/lab_json.h"
#include "es_config.h"

namespace es::engine {

std::map<std::string, std::string> sessionEnvironment(const LabResult& lab)
{
    const DeviceReport& d = lab.devices;
    std::map<std::string, std::string> environment = {
        { "os", d.os },
        { "cpu_model", d.cpuModel },
        { "cpu_logical_cores", std::to_string(d.logicalCores) },
        { "cpu_simd", d.cpuFlags },
        { "libtorch_version", d.torchVersion },
        { "libtorch_cuda", d.torchCuda ? "yes" : "no" },
        { "opencv_version", d.openCv.empty() ? "none" : d.openCv },
        { "opencv_gstreamer", d.gstreamer ? "yes" : "no" },
        { "nvtx", d.nvtx ? "yes" : "no" },
        { "edgescope_version", ES_VERSION },
        { "cuda_driver", d.gpu.driverLoaded ? prof::cudaVersionText(d.gpu.driverVersion) : "none" },
        { "gpu_tracing", d.gpu.tracing.available ? "available" : "unavailable: " + d.gpu.tracing.reason },
        { "qt_version", "none (no GUI in this build)" },
    };
    for (const auto& device : d.gpu.devices) {
        const std::string prefix = "gpu" + std::to_string(device.index) + "_";
        environment[prefix + "name"] = device.name;
        environment[prefix + "compute_capability"]
            = std::to_string(device.computeMajor) + "." + std::to_string(device.computeMinor);
        environment[prefix + "memory_bytes"] = std::to_string(device.totalMemoryBytes);
    }
    if (lab.threads > 0)
        environment["libtorch_threads"] = std::to_string(lab.threads);
    if (d.gpu.jetson)
        environment["jetson_model"] = d.gpu.jetsonModel.empty() ? "yes" : d.gpu.jetsonModel;
    for (const auto& [key, value] : prof::readPlatformFacts())
        environment[key] = value;
    return environment;
}

prof::RunData makeRunData(const LabOptions& options, const LabResult& lab, const StepResult& step, StepCapture capture)
{
    prof::RunData data;
    prof::RunRecord& run = data.run;
    run.step = step.id;
    run.stepNumber = step.number;
    run.title = step.title;
    run.status = "complete";
    run.profile = options.profile;
    run.device = lab.deviceUsed;
    run.deviceName = lab.deviceName;
    run.weights = lab.weights;
    run.precision = step.precision;
    run.video = lab.video;
    run.batch = step.batch;
    run.frames = step.frames;
    run.warmup = lab.warmup;
    run.startNs = capture.startNs;
    run.endNs = capture.endNs;
    run.fps = step.fps;
    run.detectorOnlyFps = step.detectorOnlyFps;
    run.configJson = nlohmann::json {
        { "video", options.synthetic ? "synthetic" : options.video }, { "frames", options.frames },
        { "warmup", options.warmup }, { "repeat", options.repeat }, { "device", options.device },
        { "batch", options.batch }, { "weights", options.weightsPath }, { "seed", options.seed },
        { "profile", options.profile }, { "operator_stride", options.operatorStride }, { "threads", lab.threads }
    }.dump();
    run.resultJson = stepToJson(step, false).dump();
    data.ranges = std::move(capture.ranges);
    data.threads = std::move(capture.threads);
    data.frames = std::move(capture.frames);
    data.counters = std::move(capture.counters);
    data.operators = std::move(capture.operators);
    data.gpu = std::move(capture.gpu);
    data.gpuTracingState = capture.gpuState.empty() ? lab.gpuTracing : capture.gpuState;
    data.gpuTracing = capture.gpuTracing;
    for (size_t f = 0; f < step.detections.size(); ++f) {
        for (const Detection& d : step.detections[f])
            data.detections.push_back({ int64_t(f), d.label, d.score, d.left, d.top, d.right, d.bottom });
    }
    return data;
}

namespace {

GpuStageFigures perFrame(const prof::GpuWorkSummary& s, double frames)
{
    GpuStageFigures f;
    auto count = [&](const char* direction) { return double(s.copiesIn(direction).count) / frames; };
    int64_t bytes = 0, pageable = 0, host = 0;
    for (const auto& [direction, totals] : s.copies) {
        bytes += totals.bytes;
        pageable += totals.pageable;
        host += totals.pageable + totals.pinned;
    }
    f.kernels = double(s.kernels) / frames;
    f.kernelMs = double(s.kernelNs) / 1e6 / frames;
    f.copiesHtoD = count("HtoD");
    f.copiesDtoH = count("DtoH");
    f.copiesDtoD = count("DtoD");
    f.copyBytes = double(bytes) / frames;
    f.pageableCopyPercent = host ? 100.0 * double(pageable) / double(host) : 0.0;
    f.memsets = double(s.memsets) / frames;
    f.syncs = double(s.syncs) / frames;
    f.syncWaitMs = double(s.syncWaitNs) / 1e6 / frames;
    f.gpuBusyMs = double(s.busyNs) / 1e6 / frames;
    f.cpuMs = double(s.wallNs) / 1e6 / frames;
    f.gpuIdlePercent = s.wallNs > 0 ? 100.0 * double(s.gpuIdleNs) / double(s.wallNs) : 0.0;
    return f;
}

} // namespace

GpuStepFigures gpuFigures(const StepCapture& capture, int64_t frames)
{
    prof::RunData data;
    data.run.startNs = capture.startNs;
    data.run.endNs = capture.endNs;
    data.ranges = capture.ranges;
    data.threads = capture.threads;
    data.frames = capture.frames;
    data.gpu = capture.gpu;
    const prof::GpuAttribution attribution = prof::attributeGpuWork(prof::buildModel(data));
    const double n = double(std::max<int64_t>(1, frames));
    GpuStepFigures figures;
    for (const auto& [stage, summary] : attribution.byStage)
        figures.stages[stage] = perFrame(summary, n);
    figures.total = perFrame(attribution.total, n);
    const prof::GpuActivity& gpu = capture.gpu;
    figures.records
        = int64_t(gpu.kernels.size() + gpu.copies.size() + gpu.memsets.size() + gpu.syncs.size() + gpu.apiCalls.size());
    figures.droppedRecords = gpu.droppedRecords;
    figures.unattributed = attribution.unattributedRecords;
    figures.idleGapsPerFrame = int64_t(double(attribution.total.idleGaps) / n + 0.5);
    figures.clockUncertaintyNs = gpu.clock.uncertaintyNs;
    figures.notes = gpu.notes;
    return figures;
}

} // namespace es::engine
