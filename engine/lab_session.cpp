// SPDX-License-Identifier: Apache-2.0
#include "lab_session.h"

#include "es_config.h"
#include "lab_json.h"
#include "platform_facts.h"

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
        { "warmup", options.warmup }, { "device", options.device }, { "batch", options.batch },
        { "weights", options.weightsPath }, { "seed", options.seed }, { "profile", options.profile },
        { "threads", lab.threads }
    }.dump();
    run.resultJson = stepToJson(step, false).dump();
    data.ranges = std::move(capture.ranges);
    data.threads = std::move(capture.threads);
    data.frames = std::move(capture.frames);
    data.counters = std::move(capture.counters);
    data.operators = std::move(capture.operators);
    for (size_t f = 0; f < step.detections.size(); ++f) {
        for (const Detection& d : step.detections[f])
            data.detections.push_back({ int64_t(f), d.label, d.score, d.left, d.top, d.right, d.bottom });
    }
    return data;
}

} // namespace es::engine
