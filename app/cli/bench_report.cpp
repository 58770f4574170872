// SPDX-License-Identifier: Apache-2.0
// The model bench's terminal table (edgescope-cli bench without --json).
#include "reports.h"

#include <cstdio>

namespace es::cli {

void printBenchTable(const engine::BenchResult& bench, std::ostream& out)
{
    out << "EdgeScope model bench on " << bench.deviceUsed << " (" << bench.deviceName << "), " << bench.threads
        << " threads, batch " << bench.batch << ", LibTorch " << bench.devices.torchVersion << "\n";
    out << "inputs: " << bench.inputs << "\n\n";
    char line[512];
    out << "Measured peak (best of a matrix product and a 1x1 convolution, same device and precision):\n";
    for (const auto& peak : bench.peaks) {
        if (peak.status != "ok")
            std::snprintf(line, sizeof line, "  %-5s unsupported: %s\n", peak.precision.c_str(), peak.reason.c_str());
        else
            std::snprintf(line, sizeof line, "  %-5s %9.1f GFLOP/s (matmul %.1f, conv1x1 %.1f; ratio uses %s)\n",
                peak.precision.c_str(), peak.peakGflops, peak.matmulGflops, peak.convGflops, peak.peakSource.c_str());
        out << line;
    }
    out << "\n";
    std::snprintf(line, sizeof line, "%-22s %-5s %8s %8s %8s %9s %9s %6s %8s %8s %9s  %s\n", "model", "prec", "p50 ms",
        "p95 ms", "FPS", "GFLOP/img", "GFLOP/s", "peak%", "params M", "MB", "mem MB", "vs fp32");
    out << line;
    for (const auto& m : bench.models) {
        if (m.status != "ok") {
            std::snprintf(line, sizeof line, "%-22s %-5s %s: %s\n", m.model.c_str(), m.precision.c_str(),
                m.status.c_str(), m.reason.c_str());
            out << line;
            continue;
        }
        std::string agreement = "reference";
        if (m.agreement) {
            char text[80];
            std::snprintf(text, sizeof text, "%s %.3f", m.agreementMetric.c_str(), *m.agreement);
            agreement = text;
        }
        std::snprintf(line, sizeof line, "%-22s %-5s %8.2f %8.2f %8.1f %9.2f %9.1f %6.1f %8.2f %8.1f %9.0f  %s\n",
            m.model.c_str(), m.precision.c_str(), m.latencyP50Ms, m.latencyP95Ms, m.fps, m.gflopsPerImage,
            m.achievedGflops, 100.0 * m.peakShare, double(m.parameters) / 1e6, m.weightsMb,
            m.peakMemoryBytes >= 0 ? double(m.peakMemoryBytes) / 1e6 : -1.0, agreement.c_str());
        out << line;
    }
    out << "\n(latency per batch; FLOPs = 2 x multiply-accumulates of the convolutions and matrix products that ran; "
           "peak% = GFLOP/s over the measured peak of the same precision; mem = "
        << (bench.models.empty() ? std::string("peak memory") : bench.models.front().peakMemoryKind) << ")\n";
    for (const auto& m : bench.models)
        if (m.agreement)
            out << m.model << " " << m.precision << " vs fp32: " << m.agreementDetail << "\n";
    if (!bench.models.empty())
        out << "weights: " << bench.models.front().weights << "\n";
    for (const auto& note : bench.notes)
        out << "note: " << note << "\n";
    if (!bench.sessionPath.empty())
        out << "session: " << bench.sessionPath << "\n";
}

} // namespace es::cli
