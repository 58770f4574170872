// SPDX-License-Identifier: Apache-2.0
#include "edgescope/engine/device_report.h"

#include "collect/range_recorder.h"
#include "edgescope/engine/frame_source.h"
#include "es_config.h"

#include <torch/torch.h>

#include <fstream>
#include <set>
#include <sstream>
#include <sys/utsname.h>
#include <thread>

namespace es::engine {

namespace {

std::string osDescription()
{
    std::ifstream release("/etc/os-release");
    std::string pretty;
    for (std::string line; std::getline(release, line);) {
        if (line.rfind("PRETTY_NAME=", 0) == 0) {
            pretty = line.substr(12);
            if (pretty.size() >= 2 && pretty.front() == '"')
                pretty = pretty.substr(1, pretty.size() - 2);
        }
    }
    utsname names {};
    if (uname(&names) == 0)
        pretty += std::string(pretty.empty() ? "" : ", ") + names.sysname + " " + names.release + " " + names.machine;
    return pretty;
}

} // namespace

DeviceReport probeDevices()
{
    DeviceReport report;
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::set<std::string> flags;
    for (std::string line; std::getline(cpuinfo, line);) {
        const size_t colon = line.find(':');
        if (colon == std::string::npos)
            continue;
        std::string key = line.substr(0, colon);
        while (!key.empty() && (key.back() == ' ' || key.back() == '\t'))
            key.pop_back();
        const std::string value = colon + 2 <= line.size() ? line.substr(colon + 2) : "";
        if (report.cpuModel.empty() && (key == "model name" || key == "Model" || key == "Hardware"))
            report.cpuModel = value;
        if (flags.empty() && (key == "flags" || key == "Features")) {
            std::istringstream words(value);
            for (std::string word; words >> word;)
                flags.insert(word);
        }
    }
    if (report.cpuModel.empty()) {
        std::ifstream model("/proc/device-tree/model");
        std::getline(model, report.cpuModel);
    }
    for (const char* flag : { "avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile", "asimd", "bf16", "neon" }) {
        if (flags.count(flag))
            report.cpuFlags += std::string(report.cpuFlags.empty() ? "" : " ") + flag;
    }
    report.cpuNativeBf16 = flags.count("avx512_bf16") || flags.count("amx_bf16") || flags.count("bf16");
    report.logicalCores = int(std::thread::hardware_concurrency());
    report.os = osDescription();
    report.torchVersion = ES_TORCH_VERSION;
    try {
        report.torchThreads = torch::get_num_threads();
        report.torchCuda = torch::cuda::is_available();
        report.torchCudaDevices = report.torchCuda ? int(torch::cuda::device_count()) : 0;
    } catch (const std::exception&) {
        report.torchCuda = false;
    }
    report.openCv = openCvVersion();
    report.gstreamer = openCvHasGStreamer();
    report.nvtx = prof::nvtxBuiltIn();
    report.gpu = prof::probeGpu();
    return report;
}

} // namespace es::engine
