// SPDX-License-Identifier: Apache-2.0
#include "reports.h"

#include "model/vocabulary.h"

#include <cstdio>
#include <iomanip>
#include <sstream>

namespace es::cli {

namespace {

std::string fixed(double value, int decimals)
{
    std::ostringstream out;
    out << std::fixed << std::setprecision(decimals) << value;
    return out.str();
}

std::string gib(int64_t bytes)
{
    return fixed(double(bytes) / (1024.0 * 1024.0 * 1024.0), 1) + " GiB";
}

/// "2.41-2.70", with the coverage when it is not the 95 % asked ("2.41-2.70 75%"); "-" without samples.
std::string intervalText(const prof::Interval& interval)
{
    if (interval.samples == 0)
        return "-";
    std::string text = fixed(interval.low, 2) + "-" + fixed(interval.high, 2);
    if (interval.confidence + 1e-9 < prof::kIntervalConfidence)
        text += " " + fixed(100.0 * interval.confidence, 0) + "%";
    return text;
}

/// The speedup column: "1.45x", or "noise" when its interval holds 1: never a gain or a loss that is not one.
std::string speedupText(const engine::StepResult& step)
{
    if (!step.speedupVsBaseline)
        return "-";
    if (step.number != 0 && step.speedupVerdict == "within noise")
        return "noise";
    return fixed(*step.speedupVsBaseline, 2) + "x";
}

/// Under the table: each speedup with its interval, each disturbed step with its reasons.
void printTrust(const engine::LabResult& lab, std::ostream& out)
{
    out << "\n";
    for (const auto& step : lab.steps) {
        if (step.number == 0 || !step.speedupVsBaseline || !step.speedupInterval)
            continue;
        out << step.id << " vs s0: " << fixed(*step.speedupVsBaseline, 2) << "x, 95% interval "
            << intervalText(*step.speedupInterval) << ": " << step.speedupVerdict << "\n";
    }
    for (const auto& step : lab.steps) {
        for (const std::string& reason : step.verdict.reasons)
            out << step.id << " disturbed: " << reason << "\n";
    }
    if (!lab.verdict.disturbed())
        out << "verdict: steady (no other process, clock change or drift seen while the steps measured)\n";
    else
        out << "verdict: DISTURBED: the figures above are not to be trusted; quiet the machine and run again\n";
}

} // namespace

void printLabTable(const engine::LabResult& lab, std::ostream& out)
{
    out << "EdgeScope lab on " << lab.deviceUsed << " (" << lab.deviceName << "), " << lab.threads
        << " threads, LibTorch " << lab.devices.torchVersion << "\n";
    out << "video:   " << lab.video << "\n";
    out << "weights: " << lab.weights << "\n";
    out << "frames:  " << lab.frames << " measured per step";
    if (lab.repeat > 1)
        out << " in each of " << lab.repeat << " interleaved rounds";
    out << ", after " << lab.warmup << " warm-up frames" << (lab.repeat > 1 ? " each round" : "") << "\n";
    for (const std::string& risk : lab.driftRisks)
        out << "warning: " << risk << "\n";
    out << "\n";

    char line[640];
    std::snprintf(line, sizeof line, "%-20s %5s %5s %8s %17s %8s %8s %8s %8s %8s %8s %8s %6s %8s %9s %6s %9s\n", "step",
        "batch", "prec", "FPS", "95% interval", "vs s0", "p50 ms", "p95 ms", "b2t ms", "pre ms", "det ms", "post ms",
        "det/f", "cand/f", "det-only", "eff", "verdict");
    out << line;
    for (const auto& step : lab.steps) {
        // "-" for what was not measured: stages under --profile off, detector-only under --no-detector-only.
        auto stage = [&](const char* name, int decimals) {
            auto found = step.stagesMs.find(name);
            return found == step.stagesMs.end() ? std::string("-") : fixed(found->second, decimals);
        };
        const bool detectorOnly = step.detectorOnlyFps > 0;
        std::snprintf(line, sizeof line,
            "%-20s %5lld %5s %8.2f %17s %8s %8.1f %8.1f %8s %8s %8s %8s %6.1f %8.0f %9s %6s %9s\n", step.id.c_str(),
            static_cast<long long>(step.batch), step.precision.c_str(), step.fps,
            intervalText(step.fpsInterval).c_str(), speedupText(step).c_str(), step.latencyP50Ms, step.latencyP95Ms,
            stage(es::stage::kBufferToImageTensor, 2).c_str(), stage(es::stage::kPreprocess, 2).c_str(),
            stage(es::stage::kDetector, 1).c_str(), stage(es::stage::kPostprocess, 2).c_str(), step.detectionsPerFrame,
            step.candidatesPerFrame, detectorOnly ? fixed(step.detectorOnlyFps, 2).c_str() : "-",
            detectorOnly ? fixed(step.pipelineEfficiency, 2).c_str() : "-", step.verdict.state());
        out << line;
    }
    printTrust(lab, out);
    out << "\n(stage times are ms per frame; det-only = detector-only FPS at the same batch and precision; "
           "eff = FPS / det-only)\n";
    for (const auto& step : lab.steps) {
        if (step.agreement) {
            const auto& a = *step.agreement;
            out << step.id << " vs " << a.referenceStep << ": "
                << (a.identical ? "same detections (within 1e-4)" : "detections differ") << ", " << a.matched << "/"
                << std::max(a.referenceDetections, a.detections) << " matched (IoU >= 0.5, same label), largest score "
                << "difference " << std::scientific << std::setprecision(2) << a.maxScoreDifference << std::defaultfloat
                << "\n";
        }
        if (step.number == 4)
            out << step.id << " precision: " << step.precisionReason << "\n";
    }
    printGpuFigures(lab, out);
    for (const auto& note : lab.notes)
        out << "note: " << note << "\n";
}

void printGpuFigures(const engine::LabResult& lab, std::ostream& out)
{
    bool any = false;
    for (const auto& step : lab.steps)
        any = any || step.gpu.has_value();
    if (!any)
        return;
    out << "\nGPU activity per frame (CUPTI), by stage:\n";
    char line[512];
    std::snprintf(line, sizeof line, "%-20s %-24s %8s %9s %7s %7s %7s %7s %9s %8s %7s\n", "step", "stage", "kernels",
        "kern ms", "HtoD", "DtoH", "DtoD", "syncs", "wait ms", "busy ms", "idle%");
    out << line;
    for (const auto& step : lab.steps) {
        if (!step.gpu)
            continue;
        auto row = [&](const std::string& stage, const engine::GpuStageFigures& f) {
            std::snprintf(line, sizeof line, "%-20s %-24s %8.1f %9.3f %7.1f %7.1f %7.1f %7.1f %9.3f %8.3f %7.1f\n",
                step.id.c_str(), stage.c_str(), f.kernels, f.kernelMs, f.copiesHtoD, f.copiesDtoH, f.copiesDtoD,
                f.syncs, f.syncWaitMs, f.gpuBusyMs, f.gpuIdlePercent);
            out << line;
        };
        for (const auto& [stage, figures] : step.gpu->stages)
            row(stage, figures);
        row("(total)", step.gpu->total);
        out << step.id << ": " << step.gpu->records << " GPU records, " << step.gpu->droppedRecords << " dropped, "
            << step.gpu->unattributed << " not attributed to a stage";
        if (step.nmsIterationsPerFrame > 0)
            out << ", " << fixed(step.nmsIterationsPerFrame, 1) << " host NMS iterations per frame";
        out << "\n";
        for (const auto& note : step.gpu->notes)
            out << "  " << step.id << " GPU note: " << note << "\n";
    }
}

void printDevices(const engine::DeviceReport& report, std::ostream& out)
{
    out << "OS:        " << report.os << "\n";
    out << "CPU:       " << report.cpuModel << " (" << report.logicalCores << " logical cores, LibTorch uses "
        << report.torchThreads << " threads; " << (report.cpuFlags.empty() ? "no SIMD flags read" : report.cpuFlags)
        << (report.cpuNativeBf16 ? "; native bf16" : "") << ")\n";
    out << "LibTorch:  " << report.torchVersion << ", CUDA "
        << (report.torchCuda ? "yes" : "no (CPU-only build or no GPU)") << "\n";
    out << "Driver:    ";
    if (!report.gpu.driverLoaded)
        out << "no NVIDIA driver (libcuda.so.1 not found)\n";
    else if (report.gpu.driverInitResult != 0)
        out << "loaded, cuInit failed: " << report.gpu.driverError << "\n";
    else
        out << "CUDA " << prof::cudaVersionText(report.gpu.driverVersion) << "\n";
    for (const auto& device : report.gpu.devices)
        out << "GPU " << device.index << ":     " << device.name << ", compute capability " << device.computeMajor
            << "." << device.computeMinor << ", " << gib(device.totalMemoryBytes) << "\n";
    if (report.gpu.jetson)
        out << "Jetson:    " << (report.gpu.jetsonModel.empty() ? "yes" : report.gpu.jetsonModel) << "\n";
    out << "Video:     "
        << (report.openCv.empty() ? "no OpenCV (Y4M and synthetic input only)" : "OpenCV " + report.openCv)
        << (report.gstreamer ? ", GStreamer" : "") << "\n";
    out << "NVTX:      " << (report.nvtx ? "ranges compiled in (domain edgescope)" : "not compiled in") << "\n";
    out << "GPU tracing: "
        << (report.gpu.tracing.available ? "available" : "not available: " + report.gpu.tracing.reason) << "\n";
    if (!report.gpu.tracing.available && !report.gpu.tracing.fix.empty())
        out << "  fix: " << report.gpu.tracing.fix << "\n";
}

} // namespace es::cli
