// SPDX-License-Identifier: Apache-2.0
#include "collect/gpu_probe.h"

#include "collect/gpu_tracer.h"
#include "es_config.h"

#include <dlfcn.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace es::prof {

namespace {

// The few CUDA driver API entry points used here, declared by hand so that this file needs no CUDA header.
using CuInit = int (*)(unsigned int);
using CuDriverGetVersion = int (*)(int*);
using CuDeviceGetCount = int (*)(int*);
using CuDeviceGet = int (*)(int*, int);
using CuDeviceGetName = int (*)(char*, int, int);
using CuDeviceTotalMem = int (*)(size_t*, int);
using CuDeviceGetAttribute = int (*)(int*, int, int);
using CuGetErrorString = int (*)(int, const char**);
constexpr int kAttributeComputeMajor = 75;
constexpr int kAttributeComputeMinor = 76;

std::string readFirstLine(const std::string& path)
{
    std::ifstream file(path);
    std::string line;
    std::getline(file, line);
    while (!line.empty() && (line.back() == '\0' || line.back() == '\n'))
        line.pop_back();
    return line;
}

bool fileExists(const std::string& path)
{
    struct stat info;
    return stat(path.c_str(), &info) == 0;
}

void decideTracing(GpuProbe& probe)
{
    GpuTracingStatus& t = probe.tracing;
    if (!probe.driverLoaded) {
        t.reason = "no NVIDIA driver: libcuda.so.1 was not found";
        t.fix = "install the NVIDIA driver (on a Jetson, JetPack); on a CPU-only machine the lab runs without GPU "
                "activity";
    } else if (probe.driverInitResult == 100) {
        t.reason = "the NVIDIA driver found no GPU (cuInit: " + probe.driverError + ")";
        t.fix = "check nvidia-smi; in a container pass the GPU through (--gpus all)";
    } else if (probe.driverInitResult == 35) {
        t.reason = "the NVIDIA driver is older than this CUDA runtime needs (cuInit: " + probe.driverError + ")";
        t.fix = "update the NVIDIA driver";
    } else if (probe.driverInitResult == 34) {
        t.reason = "only the CUDA toolkit's stub libcuda is installed: there is no real driver";
        t.fix = "install the NVIDIA driver; the stub only serves linking";
    } else if (probe.driverInitResult != 0) {
        t.reason = "the NVIDIA driver failed to start (cuInit " + std::to_string(probe.driverInitResult) + ": "
            + probe.driverError + ")";
        t.fix = "check dmesg and nvidia-smi";
    } else if (probe.devices.empty()) {
        t.reason = "the NVIDIA driver reports no CUDA device";
        t.fix = "check nvidia-smi";
    } else if (const std::string other = attachedProfiler(); !other.empty()) {
        t.reason = other + " is attached to this process and traces the GPU itself";
        t.fix = "its report has the GPU activity, and EdgeScope's NVTX ranges reach it; run without it to trace here";
    } else if (probe.jetson && !probe.root && probe.driverVersion < 13000) {
        t.reason = "on a Jetson with CUDA " + cudaVersionText(probe.driverVersion) + ", CUPTI traces only as root";
        t.fix = "run with sudo (sudo -E build/bin/edgescope-cli ...)";
    } else if (probe.profilingAdminOnly && !probe.root) {
        t.reason = "the driver restricts GPU profiling to admin users (ERR_NVGPUCTRPERM, RmProfilingAdminOnly=1)";
        t.fix = "run as root, or load the driver with NVreg_RestrictProfilingOnlyToAdminUsers=0 "
                "(echo 'options nvidia NVreg_RestrictProfilingOnlyToAdminUsers=0' > /etc/modprobe.d/nvprof.conf, then "
                "reboot)";
    } else if (!probe.cuptiBuiltIn) {
        t.reason = "this build of EdgeScope has no CUPTI collector (configured without the CUDA toolkit's CUPTI)";
        t.fix = "rebuild with the CUDA toolkit installed (-DES_WITH_CUDA=ON)";
    } else {
        // Expected to work; the collector's start says otherwise if CUPTI refuses.
        t.available = true;
        return;
    }
    t.available = false;
}

} // namespace

std::string cudaVersionText(int version)
{
    if (version <= 0)
        return "";
    return std::to_string(version / 1000) + "." + std::to_string((version % 1000) / 10);
}

GpuProbe probeGpu()
{
    GpuProbe probe;
    probe.root = geteuid() == 0;
    probe.cuptiBuiltIn = ES_HAS_CUPTI != 0;
    if (fileExists("/etc/nv_tegra_release")
        || readFirstLine("/proc/device-tree/compatible").find("tegra") != std::string::npos) {
        probe.jetson = true;
        probe.jetsonModel = readFirstLine("/proc/device-tree/model");
    }
    std::ifstream params("/proc/driver/nvidia/params");
    for (std::string line; std::getline(params, line);) {
        if (line.rfind("RmProfilingAdminOnly:", 0) == 0)
            probe.profilingAdminOnly = line.find('1') != std::string::npos;
    }

    void* library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (library) {
        probe.driverLoaded = true;
        auto symbol = [library](const char* name) { return dlsym(library, name); };
        auto init = reinterpret_cast<CuInit>(symbol("cuInit"));
        auto getVersion = reinterpret_cast<CuDriverGetVersion>(symbol("cuDriverGetVersion"));
        auto getCount = reinterpret_cast<CuDeviceGetCount>(symbol("cuDeviceGetCount"));
        auto getDevice = reinterpret_cast<CuDeviceGet>(symbol("cuDeviceGet"));
        auto getName = reinterpret_cast<CuDeviceGetName>(symbol("cuDeviceGetName"));
        auto totalMem = reinterpret_cast<CuDeviceTotalMem>(symbol("cuDeviceTotalMem_v2"));
        auto getAttribute = reinterpret_cast<CuDeviceGetAttribute>(symbol("cuDeviceGetAttribute"));
        auto errorString = reinterpret_cast<CuGetErrorString>(symbol("cuGetErrorString"));
        if (init) {
            probe.driverInitResult = init(0);
            const char* text = nullptr;
            if (probe.driverInitResult != 0 && errorString && errorString(probe.driverInitResult, &text) == 0 && text)
                probe.driverError = text;
            else if (probe.driverInitResult != 0)
                probe.driverError = "CUresult " + std::to_string(probe.driverInitResult);
        }
        if (getVersion)
            getVersion(&probe.driverVersion);
        int count = 0;
        if (probe.driverInitResult == 0 && getCount && getCount(&count) == 0) {
            for (int i = 0; i < count; ++i) {
                CudaDevice device;
                device.index = i;
                int handle = 0;
                if (!getDevice || getDevice(&handle, i) != 0)
                    continue;
                char name[256] = {};
                if (getName && getName(name, sizeof name - 1, handle) == 0)
                    device.name = name;
                size_t bytes = 0;
                if (totalMem && totalMem(&bytes, handle) == 0)
                    device.totalMemoryBytes = int64_t(bytes);
                if (getAttribute) {
                    getAttribute(&device.computeMajor, kAttributeComputeMajor, handle);
                    getAttribute(&device.computeMinor, kAttributeComputeMinor, handle);
                }
                probe.devices.push_back(device);
            }
        }
        dlclose(library);
    }
    decideTracing(probe);
    return probe;
}

} // namespace es::prof
