// SPDX-License-Identifier: Apache-2.0
// Reading the PyTorch profiler's trace JSON (Kineto's output_json): the 2021 form (categories Operator, Runtime,
// Kernel, Memcpy, Memset; tids such as "stream 7") and the current one (cpu_op, cuda_runtime, kernel, gpu_memcpy,
// gpu_memset, cuda_sync, user_annotation; numeric tids; relative timestamps with baseTimeNanoseconds), plain or
// gzipped. Timestamps are microseconds.
#include "exchange/import/import_internal.h"

#include "es_config.h"

#include <nlohmann/json.hpp>
#if ES_HAS_ZLIB
#include <zlib.h>
#endif

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>

namespace es::prof {

namespace {

using json = nlohmann::json;

#if ES_HAS_ZLIB
Result<std::string> readMaybeGzipped(const std::string& path, int64_t& bytesRead)
{
    gzFile file = gzopen(path.c_str(), "rb");
    if (!file)
        return Status(StatusCode::NotFound, "cannot open " + path);
    gzbuffer(file, 1 << 20);
    std::string text;
    char chunk[1 << 16];
    int got;
    while ((got = gzread(file, chunk, sizeof chunk)) > 0)
        text.append(chunk, size_t(got));
    int error = Z_OK;
    const char* message = gzerror(file, &error);
    const bool failed = got < 0 || error != Z_OK; // Z_BUF_ERROR: the file ends inside the compressed stream
    const std::string why = message ? message : "";
    gzclose(file);
    if (failed)
        return Status(StatusCode::CorruptData, path + " is a damaged or truncated gzip file (" + why + ")");
    bytesRead = int64_t(text.size());
    return text;
}
#else
Result<std::string> readMaybeGzipped(const std::string& path, int64_t& bytesRead)
{
    std::ifstream file(path, std::ios::binary);
    if (!file)
        return Status(StatusCode::NotFound, "cannot open " + path);
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (text.size() >= 2 && static_cast<unsigned char>(text[0]) == 0x1f && static_cast<unsigned char>(text[1]) == 0x8b)
        return Status(StatusCode::Unsupported,
            path + " is gzipped and this build has no zlib: gunzip it first, or rebuild with zlib1g-dev installed");
    bytesRead = int64_t(text.size());
    return text;
}
#endif

/// A pid or tid: a number, or a string ending in one ("stream 7", "25738"); -1 otherwise ("Spans").
int64_t idOf(const json& value)
{
    if (value.is_number_integer())
        return value.get<int64_t>();
    if (value.is_number())
        return toInt64Saturated(value.get<double>(), -1);
    if (!value.is_string())
        return -1;
    const std::string& text = value.get_ref<const std::string&>();
    size_t end = text.size();
    while (end > 0 && !std::isdigit(static_cast<unsigned char>(text[end - 1])))
        --end;
    size_t start = end;
    while (start > 0 && std::isdigit(static_cast<unsigned char>(text[start - 1])))
        --start;
    if (start == end || end - start > 18)
        return -1; // no number, or one beyond int64
    return std::stoll(text.substr(start, end - start));
}

int64_t argInt(const json& args, const char* key, int64_t fallback)
{
    auto found = args.find(key);
    if (found == args.end() || !found->is_number())
        return fallback;
    return found->is_number_integer() ? found->get<int64_t>() : toInt64Saturated(found->get<double>(), fallback);
}

uint8_t memoryKind(const std::string& word)
{
    static const char* names[]
        = { "Pageable", "Pinned", "Device", "Array", "Managed", "Device Static", "Managed Static" };
    for (uint8_t i = 0; i < 7; ++i)
        if (word == names[i])
            return i;
    return 7;
}

/// "Memcpy HtoD (Pageable -> Device)" -> copy kind 1, source 0, destination 2.
void parseMemcpyName(const std::string& name, GpuCopy& copy)
{
    static const std::pair<const char*, uint8_t> kinds[] = { { "HtoD", 1 }, { "DtoH", 2 }, { "HtoA", 3 }, { "AtoH", 4 },
        { "AtoA", 5 }, { "AtoD", 6 }, { "DtoA", 7 }, { "DtoD", 8 }, { "HtoH", 9 }, { "PtoP", 10 } };
    for (const auto& [text, kind] : kinds)
        if (name.find(text) != std::string::npos)
            copy.copyKind = kind;
    const size_t open = name.find('('), arrow = name.find(" -> "), close = name.rfind(')');
    if (open != std::string::npos && arrow != std::string::npos && close != std::string::npos && arrow > open) {
        copy.srcKind = memoryKind(name.substr(open + 1, arrow - open - 1));
        copy.dstKind = memoryKind(name.substr(arrow + 4, close - arrow - 4));
    }
}

uint32_t syncType(const std::string& kind)
{
    if (kind.find("Event Sync") != std::string::npos)
        return 1;
    if (kind.find("Wait") != std::string::npos)
        return 2;
    if (kind.find("Stream") != std::string::npos)
        return 3;
    if (kind.find("Context") != std::string::npos || kind.find("Device") != std::string::npos)
        return 4;
    return 0;
}

/// What every complete ("X") event carries, read once before it is sorted by category.
struct CompleteEvent
{
    int64_t pid = -1, tid = -1;
    std::string category; ///< lower case
    std::string name;
    int64_t startNs = 0, endNs = 0; ///< relative to baseTimeNanoseconds
    json args;
    int64_t correlation = 0;
};

/// Where and when a kernel, copy or memset ran; the device falls back to the pid, the stream to the tid.
GpuWorkPlace eventWorkPlace(const CompleteEvent& e)
{
    return { e.startNs, e.endNs, uint32_t(argInt(e.args, "device", std::max<int64_t>(0, e.pid))),
        uint32_t(argInt(e.args, "context", 0)), uint32_t(argInt(e.args, "stream", std::max<int64_t>(0, e.tid))),
        uint32_t(e.correlation) };
}

/// args[key] as three ints (a kernel's "grid" or "block"), if it is an array of three.
void readDim3(const json& args, const char* key, int32_t& x, int32_t& y, int32_t& z)
{
    if (!args.contains(key) || !args[key].is_array() || args[key].size() != 3)
        return;
    x = args[key][0].get<int32_t>();
    y = args[key][1].get<int32_t>();
    z = args[key][2].get<int32_t>();
}

/// The events of one trace, one at a time from a streaming parse, into a run. Times stay relative to
/// baseTimeNanoseconds (which may come after the events in the file) until finish(). One thread.
class KinetoEvents
{
public:
    explicit KinetoEvents(const std::string& path) : run(path, "PyTorch profiler") { }

    void add(const json& event)
    {
        if (!event.is_object())
            return;
        const std::string phase = event.value("ph", "");
        const int64_t pid = idOf(event.value("pid", json()));
        const int64_t tid = idOf(event.value("tid", json()));
        if (phase == "M") {
            addMetadata(event, pid, tid);
            return;
        }
        if (phase == "C" && event.contains("ts") && event["ts"].is_number()) {
            addCounter(event);
            return;
        }
        if (phase != "X" || !event.contains("ts") || !event["ts"].is_number())
            return;
        addComplete(readComplete(event, pid, tid));
    }

    RunData finish(int64_t baseNs, int64_t bytes, ExchangeStats& stats)
    {
        GpuActivity& gpu = run.gpu();
        RunData& data = run.data();
        auto shift = [baseNs](auto& records) {
            for (auto& r : records) {
                r.startNs += baseNs;
                r.endNs += baseNs;
            }
        };
        shift(data.ranges);
        shift(data.operators);
        shift(gpu.apiCalls);
        shift(gpu.kernels);
        shift(gpu.copies);
        shift(gpu.memsets);
        shift(gpu.syncs);
        int64_t pid = 0, most = -1;
        for (const auto& [candidate, count] : m_cpuEventsPerPid)
            if (count > most) {
                most = count;
                pid = candidate;
            }
        data.pid = pid > 0 ? pid : 1;
        data.processName = m_processNames.count(pid) ? m_processNames[pid] : "";
        for (const auto& [key, name] : m_threadNames)
            if (key.first == pid)
                run.nameThread(key.second, name);
        for (auto& [key, track] : m_counters) {
            for (auto& sample : track.samples)
                sample.first += baseNs;
            data.counters.push_back(std::move(track));
        }
        if (!gpu.kernels.empty() || !gpu.copies.empty())
            data.run.device = "cuda:0";
        if (m_skipped)
            stats.notes.push_back(std::to_string(m_skipped) + " complete events of other categories were left out");
        stats.bytes += bytes;
        return run.finish(stats);
    }

private:
    /// A thread or process name ("M" event).
    void addMetadata(const json& event, int64_t pid, int64_t tid)
    {
        const std::string what = event.value("name", "");
        const json args = event.value("args", json::object());
        if (what == "thread_name" && args.contains("name") && args["name"].is_string())
            m_threadNames[{ pid, tid }] = args["name"].get<std::string>();
        else if (what == "process_name" && args.contains("name") && args["name"].is_string())
            m_processNames[pid] = args["name"].get<std::string>();
    }

    /// One sample per numeric arg of a counter ("C") event; stops at the first arg that is not a number.
    void addCounter(const json& event)
    {
        const json counterArgs = event.value("args", json::object());
        for (const auto& [key, value] : counterArgs.items()) {
            if (!value.is_number())
                return;
            CounterTrack& track = m_counters[event.value("name", "counter") + " " + key];
            track.name = event.value("name", "counter") + (key == "value" ? "" : " " + key);
            track.source = "PyTorch profiler";
            track.samples.emplace_back(relativeNs(event["ts"]), value.get<double>());
        }
    }

    static CompleteEvent readComplete(const json& event, int64_t pid, int64_t tid)
    {
        CompleteEvent e;
        e.pid = pid;
        e.tid = tid;
        e.category = event.value("cat", "");
        std::transform(e.category.begin(), e.category.end(), e.category.begin(),
            [](unsigned char c) { return char(std::tolower(c)); });
        e.name = event.value("name", "");
        e.startNs = relativeNs(event["ts"]);
        e.endNs = e.startNs
            + (event.contains("dur") && event["dur"].is_number()
                    ? std::max<int64_t>(0, clampImportedNs(std::round(event["dur"].get<double>() * 1000.0)))
                    : 0);
        e.args = event.value("args", json::object());
        e.correlation = argInt(e.args, "correlation", 0);
        return e;
    }

    /// Sorts a complete event by its category: GPU work, API calls, operators and annotations; the rest is counted.
    void addComplete(const CompleteEvent& e)
    {
        const std::string& category = e.category;
        if (category == "kernel") {
            addKernel(e);
        } else if (category == "gpu_memcpy" || category == "memcpy") {
            addCopy(e);
        } else if (category == "gpu_memset" || category == "memset") {
            addMemset(e);
        } else if (category == "cuda_sync") {
            addSync(e);
        } else if (category == "cuda_runtime" || category == "runtime" || category == "cuda_driver") {
            addApiCall(e);
            ++m_cpuEventsPerPid[e.pid];
        } else if (category == "cpu_op" || category == "operator" || category == "python_function") {
            run.addOperator(e.tid, e.startNs, e.endNs, e.name);
            ++m_cpuEventsPerPid[e.pid];
        } else if (category == "user_annotation") {
            run.addRange(e.tid, e.startNs, e.endNs, e.name);
            ++m_cpuEventsPerPid[e.pid];
        } else {
            ++m_skipped; // "Trace" spans, gpu_user_annotation, and categories of other tools
        }
    }

    void addKernel(const CompleteEvent& e)
    {
        GpuActivity& gpu = run.gpu();
        GpuKernel k;
        assignWorkPlace(k, eventWorkPlace(e));
        k.nameIndex = gpu.intern(e.name);
        readDim3(e.args, "grid", k.gridX, k.gridY, k.gridZ);
        readDim3(e.args, "block", k.blockX, k.blockY, k.blockZ);
        k.registersPerThread = int32_t(argInt(e.args, "registers per thread", 0));
        k.staticSharedMemory = int32_t(argInt(e.args, "shared memory", 0));
        gpu.kernels.push_back(k);
    }

    void addCopy(const CompleteEvent& e)
    {
        GpuCopy c;
        assignWorkPlace(c, eventWorkPlace(e));
        c.bytes = uint64_t(argInt(e.args, "bytes", 0));
        parseMemcpyName(e.name, c);
        run.gpu().copies.push_back(c);
    }

    /// A memset; its memory kind is the name's parenthesis ("Memset (Device)").
    void addMemset(const CompleteEvent& e)
    {
        GpuMemset m;
        assignWorkPlace(m, eventWorkPlace(e));
        m.bytes = uint64_t(argInt(e.args, "bytes", 0));
        const size_t open = e.name.find('('), close = e.name.rfind(')');
        if (open != std::string::npos && close != std::string::npos && close > open)
            m.memoryKind = memoryKind(e.name.substr(open + 1, close - open - 1));
        run.gpu().memsets.push_back(m);
    }

    void addSync(const CompleteEvent& e)
    {
        GpuSync s;
        s.startNs = e.startNs;
        s.endNs = e.endNs;
        s.contextId = uint32_t(argInt(e.args, "context", 0));
        s.streamId = uint32_t(argInt(e.args, "stream", std::max<int64_t>(0, e.tid)));
        s.correlationId = uint32_t(e.correlation);
        s.syncType = syncType(e.args.value("cuda_sync_kind", e.name));
        run.gpu().syncs.push_back(s);
    }

    /// A CUDA runtime or driver call, on the thread that made it.
    void addApiCall(const CompleteEvent& e)
    {
        GpuActivity& gpu = run.gpu();
        GpuApiCall call;
        call.startNs = e.startNs;
        call.endNs = e.endNs;
        call.threadId = uint32_t(run.storedTid(e.tid));
        call.processId = uint32_t(e.pid);
        call.correlationId = uint32_t(e.correlation);
        call.callbackId = uint32_t(argInt(e.args, "cbid", 0));
        call.nameIndex = gpu.intern(e.name);
        call.driver = e.category == "cuda_driver";
        gpu.apiCalls.push_back(call);
    }

    static int64_t relativeNs(const json& microseconds)
    {
        return microseconds.is_number() ? clampImportedNs(std::round(microseconds.get<double>() * 1000.0)) : 0;
    }

    ImportedRun run;
    std::map<int64_t, int64_t> m_cpuEventsPerPid;
    std::map<std::pair<int64_t, int64_t>, std::string> m_threadNames;
    std::map<int64_t, std::string> m_processNames;
    std::map<std::string, CounterTrack> m_counters;
    int64_t m_skipped = 0;
};

/// Streams the JSON: builds one small DOM per trace event (objects in "traceEvents", or in a top-level array) and
/// hands it on, so that a trace of hundreds of MB never exists as one DOM. Reads baseTimeNanoseconds on the way.
class TraceSax : public nlohmann::json_sax<json>
{
public:
    explicit TraceSax(KinetoEvents& sink) : m_sink(sink) { }
    int64_t baseNs = 0;
    bool sawEvents = false;
    std::string error;

    bool null() override { return value(json()); }
    bool boolean(bool v) override { return value(json(v)); }
    bool number_integer(number_integer_t v) override { return value(json(v)); }
    bool number_unsigned(number_unsigned_t v) override { return value(json(v)); }
    bool number_float(number_float_t v, const string_t&) override { return value(json(v)); }
    bool string(string_t& v) override { return value(json(std::move(v))); }
    bool binary(binary_t&) override { return value(json()); }
    bool key(string_t& k) override
    {
        if (!m_stack.empty())
            m_slot = &(*m_stack.back())[k];
        else if (m_depth == 1)
            m_topKey = k;
        return true;
    }
    bool start_object(std::size_t) override { return open(json::object()); }
    bool start_array(std::size_t) override
    {
        if (m_stack.empty() && ((m_depth == 1 && m_topKey == "traceEvents") || m_depth == 0)) {
            m_eventsDepth = m_depth + 1;
            sawEvents = true;
        }
        return open(json::array());
    }
    bool end_object() override { return close(); }
    bool end_array() override { return close(); }
    bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) override
    {
        error = "at byte " + std::to_string(position) + ": " + e.what();
        return false;
    }

private:
    /// A value: stored in the event being built, or read at the top level.
    bool value(json v)
    {
        if (m_stack.empty()) {
            if (m_depth == 1 && m_topKey == "baseTimeNanoseconds" && v.is_number())
                baseNs = v.is_number_integer() ? clampImportedNs(v.get<int64_t>()) : clampImportedNs(v.get<double>());
            return true;
        }
        if (m_stack.back()->is_array())
            m_stack.back()->push_back(std::move(v));
        else if (m_slot)
            *m_slot = std::move(v);
        return true;
    }
    bool open(json container)
    {
        ++m_depth;
        if (!m_stack.empty()) {
            json* target;
            if (m_stack.back()->is_array()) {
                m_stack.back()->push_back(std::move(container));
                target = &m_stack.back()->back();
            } else {
                *m_slot = std::move(container);
                target = m_slot;
            }
            m_stack.push_back(target);
        } else if (m_eventsDepth > 0 && m_depth == m_eventsDepth + 1 && container.is_object()) {
            m_event = json::object();
            m_stack.push_back(&m_event);
        }
        return true;
    }
    bool close()
    {
        if (!m_stack.empty()) {
            m_stack.pop_back();
            if (m_stack.empty())
                m_sink.add(m_event);
        }
        if (m_depth == m_eventsDepth)
            m_eventsDepth = 0;
        --m_depth;
        return true;
    }

    KinetoEvents& m_sink;
    int m_depth = 0;
    int m_eventsDepth = 0; ///< depth of the events array while inside it
    std::string m_topKey;
    json m_event;
    std::vector<json*> m_stack;
    json* m_slot = nullptr;
};

Result<RunData> readKinetoJsonUnchecked(const std::string& path, ExchangeStats& stats)
{
    int64_t bytes = 0;
    ES_ASSIGN_OR_RETURN(const std::string text, readMaybeGzipped(path, bytes));
    KinetoEvents events(path);
    TraceSax sax(events);
    const bool parsed = json::sax_parse(text, &sax);
    if (!parsed)
        return Status(StatusCode::CorruptData,
            path + " is not valid JSON (truncated or damaged?) " + sax.error
                + ": a PyTorch profiler trace is one JSON object");
    if (!sax.sawEvents)
        return Status(StatusCode::CorruptData, path + " is JSON but not a trace: it has no traceEvents array");
    return events.finish(sax.baseNs, bytes, stats);
}

} // namespace

Result<RunData> readKinetoJson(const std::string& path, ExchangeStats& stats)
{
    try {
        return readKinetoJsonUnchecked(path, stats);
    } catch (const nlohmann::json::exception& error) {
        return Status(StatusCode::CorruptData, path + ": an event has fields of the wrong type (" + error.what() + ")");
    } catch (const std::exception& error) {
        return Status(StatusCode::CorruptData, path + ": " + error.what());
    }
}

} // namespace es::prof
