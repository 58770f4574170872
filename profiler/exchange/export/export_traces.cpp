// SPDX-License-Identifier: Apache-2.0
// Timeline exports of lab runs: NVTXT (Nsight Systems' ImportNvtxt) and Chrome/Perfetto trace JSON in the form the
// PyTorch profiler writes. Both read the run through loadRun (the trace model) and write through TextWriter.
#include "analysis/gpu_attribution.h"
#include "base/sqlite_util.h"
#include "base/text_writer.h"
#include "exchange/exchange.h"
#include "exchange/export/export_internal.h"
#include "model/trace_model.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

namespace es::prof {

namespace {

/// NVTXT colours go by name; the nearest named colour to a range's ARGB.
const char* nearestColorName(uint32_t argb)
{
    struct Named
    {
        const char* name;
        int r, g, b;
    };
    static const Named named[] = { { "Black", 0, 0, 0 }, { "Blue", 0, 114, 178 }, { "Cyan", 86, 180, 233 },
        { "Green", 0, 158, 115 }, { "Yellow", 240, 228, 66 }, { "Orange", 230, 159, 0 }, { "Red", 213, 94, 0 },
        { "Magenta", 204, 121, 167 }, { "Gray", 153, 153, 153 }, { "White", 255, 255, 255 } };
    const int r = int(argb >> 16 & 0xFF), g = int(argb >> 8 & 0xFF), b = int(argb & 0xFF);
    const Named* best = &named[0];
    int bestDistance = 1 << 30;
    for (const Named& candidate : named) {
        const int distance = (candidate.r - r) * (candidate.r - r) + (candidate.g - g) * (candidate.g - g)
            + (candidate.b - b) * (candidate.b - b);
        if (distance < bestDistance) {
            bestDistance = distance;
            best = &candidate;
        }
    }
    return best->name;
}

/// An NVTXT message: double-quoted, inner quotes and backslashes escaped, line breaks as spaces.
void nvtxtMessage(TextWriter& out, const std::string& text)
{
    out << '"';
    for (char c : text) {
        if (c == '"' || c == '\\')
            out << '\\' << c;
        else if (c == '\n' || c == '\r')
            out << ' ';
        else
            out << c;
    }
    out << '"';
}

} // namespace

Result<int64_t> writeNvtxt(const SessionStore& store, const std::vector<ExportRun>& runs, TextWriter& out)
{
    int64_t events = 0;
    const size_t slash = store.path().rfind('/');
    out << "# NVTXT written by EdgeScope from the lab session "
        << (slash == std::string::npos ? store.path() : store.path().substr(slash + 1)) << "\n";
    out << "# Times are CLOCK_MONOTONIC ns of the machine that recorded the lab (TimeBase = Manual, absolute ns).\n";
    out << "# Create a report: ImportNvtxt --cmd create -n FILE.nvtxt -o FILE.nsys-rep\n";
    out << "# Merge into a capture of the same run: ImportNvtxt --cmd merge -i capture.nsys-rep -n FILE.nvtxt -o "
           "out.nsys-rep"
           " --update_report_time (see docs/user-guide.md for lining times up)\n";
    const size_t nameStart = store.path().rfind('/') == std::string::npos ? 0 : store.path().rfind('/') + 1;
    std::string title = "EdgeScope lab " + store.path().substr(nameStart) + ":";
    for (const ExportRun& run : runs)
        title += " " + run.summary.record.step;
    for (char& c : title)
        if (c == ',' || c == '"')
            c = ' ';
    out << "SetFileDisplayName, " << title << "\n";
    out << "@RangeStartEnd, Start, End, ThreadId, Message\n";
    out << "@Marker, Time, ThreadId, Message\n";
    out << "TimeBase = Manual\n";
    for (const ExportRun& run : runs) {
        const TraceModel& model = run.model;
        out << "# run " << run.summary.runId << ": " << run.summary.record.step << " (" << run.summary.record.title
            << "), " << int64_t(model.frames.size()) << " frames, first range at " << model.startNs << " ns\n";
        out << "ProcessId = " << run.pid << "\n";
        // Ranges grouped by name so that CategoryId and Color are set once per name.
        std::map<StringId, std::vector<std::pair<const SliceEvent*, int64_t>>> byName;
        for (const ThreadTrack& thread : model.threads)
            for (const SliceEvent& range : thread.ranges)
                byName[range.name].emplace_back(&range, thread.osTid);
        int64_t category = 0;
        for (const auto& [name, ranges] : byName) {
            ++category;
            const std::string& text = model.strings.get(name);
            out << "CategoryId = " << category << "\n";
            out << "Color = " << nearestColorName(run.colors.count(text) ? run.colors.at(text) : 0xFF999999u) << "\n";
            for (const auto& [range, tid] : ranges) {
                out << "RangeStartEnd, " << range->startNs << ", " << range->endNs << ", " << tid << ", ";
                nvtxtMessage(out, text); // the name alone, so that nvtx_sum groups the ranges of a stage
                out << '\n';
                ++events;
            }
        }
        // One marker per frame, when its detections are on the host.
        const int64_t labThread = model.threads.empty() ? 0 : model.threads.front().osTid;
        out << "CategoryId = " << (category + 1) << "\nColor = Gray\n";
        for (const FrameEvent& frame : model.frames) {
            out << "Marker, " << frame.endNs << ", " << labThread << ", ";
            nvtxtMessage(out,
                "frame " + std::to_string(frame.frameIndex) + " (batch " + std::to_string(frame.batchIndex)
                    + "): " + std::to_string(frame.detections) + " detections");
            out << '\n';
            ++events;
        }
    }
    return events;
}

namespace {

/// One complete ("X") event before nesting is enforced.
struct Slice
{
    int64_t startNs;
    int64_t endNs;
    const char* category;
    StringId name;
    int64_t correlation; ///< 0: none
    int kind; ///< 0 range, 1 operator, 2 runtime, 3 kernel, 4 memcpy, 5 memset, 6 sync
    const void* source;
};

/// Trace viewers draw a thread's slices as a stack: a slice that starts inside another must end inside it. Mapped
/// CUPTI times can straddle a range edge by the clock mapping's uncertainty; such slices are clipped to their parent.
void enforceNesting(std::vector<Slice>& slices)
{
    std::sort(slices.begin(), slices.end(), [](const Slice& a, const Slice& b) {
        return a.startNs != b.startNs ? a.startNs < b.startNs : a.endNs > b.endNs;
    });
    std::vector<int64_t> openEnds;
    for (Slice& slice : slices) {
        while (!openEnds.empty() && openEnds.back() <= slice.startNs)
            openEnds.pop_back();
        if (!openEnds.empty() && slice.endNs > openEnds.back())
            slice.endNs = openEnds.back();
        if (slice.endNs < slice.startNs)
            slice.endNs = slice.startNs;
        openEnds.push_back(slice.endNs);
    }
}

const char* memcpyName(const CopyEvent& copy)
{
    static const char* kinds[]
        = { "Pageable", "Pinned", "Device", "Array", "Managed", "Device Static", "Managed Static", "Unknown" };
    static thread_local std::string text;
    const char* src = kinds[std::min<int>(copy.srcKind, 7)];
    const char* dst = kinds[std::min<int>(copy.dstKind, 7)];
    text = std::string("Memcpy ")
        + (copy.copyKind == 1         ? "HtoD"
                : copy.copyKind == 2  ? "DtoH"
                : copy.copyKind == 8  ? "DtoD"
                : copy.copyKind == 10 ? "PtoP"
                : copy.copyKind == 9  ? "HtoH"
                                      : "Unknown")
        + " (" + src + " -> " + dst + ")";
    return text.c_str();
}

/// Writes the events of a Chrome trace section by section (per run: process, threads with their host slices, GPU
/// streams with their device slices and launch flows, counters), comma-separated; counts them. One thread.
class ChromeTraceWriter
{
public:
    explicit ChromeTraceWriter(TextWriter& out) : m_out(out) { }
    int64_t events() const { return m_events; }
    /// One run; `many`: the trace holds several runs, each as its own processes.
    void writeRun(const ExportRun& run, bool many);

private:
    using Launches = std::unordered_map<uint32_t, std::pair<int64_t, const ApiEvent*>>; ///< correlation -> (tid, call)

    /// Starts the next event (after a comma unless it is the first).
    TextWriter& begin()
    {
        m_out << (m_first ? "" : ",\n");
        m_first = false;
        ++m_events;
        return m_out;
    }
    /// A thread's name and its ranges, operators and runtime calls; remembers the calls that launch device work.
    void writeThread(const TraceModel& model, const ThreadTrack& thread, int64_t cpuPid, Launches& launches);
    /// A stream's name and its kernels, copies, memsets and syncs, each with its flow from the launching call.
    void writeStream(
        const TraceModel& model, const StreamTrack& stream, int64_t pid, int64_t cpuPid, const Launches& launches);
    void writeDeviceSlice(const TraceModel& model, const StreamTrack& stream, const Slice& s, int64_t pid);
    /// The flow from the launch to the device work, as the PyTorch profiler links them (ac2g).
    void writeLaunchFlow(
        const StreamTrack& stream, const Slice& s, int64_t pid, int64_t cpuPid, const Launches& launches);
    void writeCounters(const TraceModel& model, int64_t cpuPid);

    TextWriter& m_out;
    int64_t m_events = 0;
    bool m_first = true;
};

void ChromeTraceWriter::writeRun(const ExportRun& run, bool many)
{
    const TraceModel& model = run.model;
    // One run: the real pid, GPUs as pid = device, as the PyTorch profiler does. Several: one process per run.
    const int64_t cpuPid = many ? run.summary.runId : run.pid;
    auto gpuPid = [&](int32_t device) { return many ? int64_t(1000000) * run.summary.runId + device : device; };
    const std::string suffix = many ? " (run " + std::to_string(run.summary.runId) + ")" : "";
    begin() << "{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": " << cpuPid
            << ", \"tid\": 0, \"args\": {\"name\": ";
    m_out.jsonString("EdgeScope " + run.summary.record.step + suffix) << "}}";
    Launches launches;
    for (const ThreadTrack& thread : model.threads)
        writeThread(model, thread, cpuPid, launches);
    for (const StreamTrack& stream : model.streams)
        writeStream(model, stream, gpuPid(stream.deviceId), cpuPid, launches);
    writeCounters(model, cpuPid);
}

void ChromeTraceWriter::writeThread(
    const TraceModel& model, const ThreadTrack& thread, int64_t cpuPid, Launches& launches)
{
    begin() << "{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": " << cpuPid << ", \"tid\": " << thread.osTid
            << ", \"args\": {\"name\": ";
    m_out.jsonString(model.strings.get(thread.name)) << "}}";
    std::vector<Slice> slices;
    slices.reserve(thread.ranges.size() + thread.operators.size() + thread.apiCalls.size());
    for (const SliceEvent& r : thread.ranges)
        slices.push_back({ r.startNs, r.endNs, "user_annotation", r.name, 0, 0, &r });
    for (const SliceEvent& o : thread.operators)
        slices.push_back({ o.startNs, o.endNs, "cpu_op", o.name, 0, 1, &o });
    for (const ApiEvent& a : thread.apiCalls) {
        slices.push_back({ a.startNs, a.endNs, "cuda_runtime", a.name, a.correlationId, 2, &a });
        if (a.correlationId)
            launches[a.correlationId] = { thread.osTid, &a };
    }
    enforceNesting(slices);
    for (const Slice& s : slices) {
        begin() << "{\"ph\": \"X\", \"cat\": \"" << s.category << "\", \"name\": ";
        m_out.jsonString(model.strings.get(s.name));
        m_out << ", \"pid\": " << cpuPid << ", \"tid\": " << thread.osTid << ", \"ts\": ";
        m_out.microseconds(s.startNs) << ", \"dur\": ";
        m_out.microseconds(s.endNs - s.startNs);
        if (s.kind == 0) {
            const auto* range = static_cast<const SliceEvent*>(s.source);
            if (range->payload >= 0)
                m_out << ", \"args\": {\"frame or batch\": " << range->payload << "}";
        } else if (s.kind == 2) {
            m_out << ", \"args\": {\"correlation\": " << s.correlation << "}";
        }
        m_out << "}";
    }
}

void ChromeTraceWriter::writeStream(
    const TraceModel& model, const StreamTrack& stream, int64_t pid, int64_t cpuPid, const Launches& launches)
{
    begin() << "{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": " << pid << ", \"tid\": " << stream.streamId
            << ", \"args\": {\"name\": \"stream " << stream.streamId << "\"}}";
    std::vector<Slice> slices;
    for (const KernelEvent& k : stream.kernels)
        slices.push_back({ k.startNs, k.endNs, "kernel", k.name, k.correlationId, 3, &k });
    for (const CopyEvent& c : stream.copies)
        slices.push_back({ c.startNs, c.endNs, c.isMemset ? "gpu_memset" : "gpu_memcpy", 0, c.correlationId,
            c.isMemset ? 5 : 4, &c });
    for (const SyncEvent& s : stream.syncs)
        slices.push_back({ s.startNs, s.endNs, "cuda_sync", 0, s.correlationId, 6, &s });
    enforceNesting(slices);
    for (const Slice& s : slices) {
        writeDeviceSlice(model, stream, s, pid);
        writeLaunchFlow(stream, s, pid, cpuPid, launches);
    }
}

void ChromeTraceWriter::writeDeviceSlice(
    const TraceModel& model, const StreamTrack& stream, const Slice& s, int64_t pid)
{
    begin() << "{\"ph\": \"X\", \"cat\": \"" << s.category << "\", \"name\": ";
    if (s.kind == 3)
        m_out.jsonString(model.strings.get(s.name));
    else if (s.kind == 4)
        m_out.jsonString(memcpyName(*static_cast<const CopyEvent*>(s.source)));
    else if (s.kind == 5)
        m_out << "\"Memset (Device)\"";
    else
        m_out.jsonString(syncTypeName(static_cast<const SyncEvent*>(s.source)->syncType));
    m_out << ", \"pid\": " << pid << ", \"tid\": " << stream.streamId << ", \"ts\": ";
    m_out.microseconds(s.startNs) << ", \"dur\": ";
    m_out.microseconds(s.endNs - s.startNs);
    m_out << ", \"args\": {\"device\": " << int64_t(stream.deviceId) << ", \"stream\": " << stream.streamId
          << ", \"correlation\": " << s.correlation;
    if (s.kind == 3) {
        const auto* k = static_cast<const KernelEvent*>(s.source);
        m_out << ", \"grid\": [" << int64_t(k->gridX) << ", " << int64_t(k->gridY) << ", " << int64_t(k->gridZ)
              << "], \"block\": [" << int64_t(k->blockX) << ", " << int64_t(k->blockY) << ", " << int64_t(k->blockZ)
              << "], \"registers per thread\": " << int64_t(k->registersPerThread);
    } else if (s.kind == 4 || s.kind == 5) {
        m_out << ", \"bytes\": " << int64_t(static_cast<const CopyEvent*>(s.source)->bytes);
    }
    m_out << "}}";
}

void ChromeTraceWriter::writeLaunchFlow(
    const StreamTrack& stream, const Slice& s, int64_t pid, int64_t cpuPid, const Launches& launches)
{
    auto launch = s.correlation && s.kind != 6 ? launches.find(uint32_t(s.correlation)) : launches.end();
    if (launch == launches.end())
        return;
    begin() << "{\"ph\": \"s\", \"id\": " << s.correlation << ", \"pid\": " << cpuPid
            << ", \"tid\": " << launch->second.first << ", \"ts\": ";
    m_out.microseconds(launch->second.second->startNs) << ", \"cat\": \"ac2g\", \"name\": \"ac2g\"}";
    begin() << "{\"ph\": \"f\", \"id\": " << s.correlation << ", \"pid\": " << pid << ", \"tid\": " << stream.streamId
            << ", \"ts\": ";
    m_out.microseconds(s.startNs) << ", \"cat\": \"ac2g\", \"name\": \"ac2g\", \"bp\": \"e\"}";
}

void ChromeTraceWriter::writeCounters(const TraceModel& model, int64_t cpuPid)
{
    for (const CounterTrackModel& counter : model.counters) {
        const std::string name = model.strings.get(counter.name) + " (" + model.strings.get(counter.unit) + ")";
        for (const CounterSample& sample : counter.samples) {
            begin() << "{\"ph\": \"C\", \"name\": ";
            m_out.jsonString(name) << ", \"pid\": " << cpuPid << ", \"ts\": ";
            m_out.microseconds(sample.timeNs) << ", \"args\": {\"value\": ";
            m_out.number(sample.value, 3) << "}}";
        }
    }
}

} // namespace

Result<int64_t> writeChrome(const SessionStore& store, const std::vector<ExportRun>& runs, TextWriter& out)
{
    const size_t slash = store.path().rfind('/');
    out << "{\"schemaVersion\": 1, \"traceName\": ";
    out.jsonString("EdgeScope " + (slash == std::string::npos ? store.path() : store.path().substr(slash + 1)));
    out << ", \"displayTimeUnit\": \"ms\", \"deviceProperties\": [], \"traceEvents\": [\n";
    ChromeTraceWriter writer(out);
    for (const ExportRun& run : runs)
        writer.writeRun(run, runs.size() > 1);
    out << "\n]}\n";
    return writer.events();
}

Result<std::vector<ExportRun>> loadExportRuns(
    const SessionStore& store, const std::vector<int64_t>& runIds, unsigned parts)
{
    ES_ASSIGN_OR_RETURN(std::vector<RunSummary> all, store.runs());
    std::vector<ExportRun> runs;
    for (RunSummary& summary : all) {
        if (!runIds.empty() && std::find(runIds.begin(), runIds.end(), summary.runId) == runIds.end())
            continue;
        ExportRun run;
        ES_ASSIGN_OR_RETURN(run.model, loadRun(store, summary.runId, parts));
        Statement pid(store.database(), "SELECT globalPid / 16777216 % 16777216 FROM ES_RUNS WHERE runId = ?");
        pid.bind(1, summary.runId);
        run.pid = pid.step() == SQLITE_ROW ? pid.columnInt(0) : 0;
        Statement colors(store.database(),
            "SELECT DISTINCT s.value, e.color FROM NVTX_EVENTS e JOIN StringIds s ON s.id = e.textId WHERE e.runId = ? "
            "AND e.color IS NOT NULL");
        colors.bind(1, summary.runId);
        while (colors.step() == SQLITE_ROW)
            run.colors[colors.columnText(0)] = uint32_t(colors.columnInt(1));
        run.summary = std::move(summary);
        runs.push_back(std::move(run));
    }
    if (runs.empty())
        return Status(StatusCode::InvalidArgument, store.path() + " has no run to export");
    return runs;
}

} // namespace es::prof
