// SPDX-License-Identifier: Apache-2.0
// Reading the PyTorch profiler's trace JSON (Kineto's output_json): the 2021 form (categories Operator, Runtime,
// Kernel, Memcpy, Memset; tids such as "stream 7") and the current one (cpu_op, cuda_runtime, kernel, gpu_memcpy,
// gpu_memset, cuda_sync, user_annotation; numeric tids; relative timestamps with baseTimeNanoseconds), plain or
// gzipped. Timestamps are microseconds.
#include "import_internal.h"

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
        return int64_t(value.get<double>());
    if (!value.is_string())
        return -1;
    const std::string& text = value.get_ref<const std::string&>();
    size_t end = text.size();
    while (end > 0 && !std::isdigit(static_cast<unsigned char>(text[end - 1])))
        --end;
    size_t start = end;
    while (start > 0 && std::isdigit(static_cast<unsigned char>(text[start - 1])))
        --start;
    return start == end ? -1 : std::stoll(text.substr(start, end - start));
}

int64_t argInt(const json& args, const char* key, int64_t fallback)
{
    auto found = args.find(key);
    if (found == args.end() || !found->is_number())
        return fallback;
    return found->is_number_integer() ? found->get<int64_t>() : int64_t(found->get<double>());
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

Result<RunData> readKinetoJsonUnchecked(const std::string& path, ExchangeStats& stats)
{
    int64_t bytes = 0;
    ES_ASSIGN_OR_RETURN(const std::string text, readMaybeGzipped(path, bytes));
    json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (root.is_discarded())
        return Status(StatusCode::CorruptData,
            path + " is not valid JSON (truncated or damaged?): a PyTorch profiler trace is one JSON object");
    const json* events = nullptr;
    if (root.is_object() && root.contains("traceEvents") && root["traceEvents"].is_array())
        events = &root["traceEvents"];
    else if (root.is_array())
        events = &root;
    if (!events)
        return Status(StatusCode::CorruptData, path + " is JSON but not a trace: it has no traceEvents array");
    const int64_t baseNs = root.is_object() ? root.value("baseTimeNanoseconds", int64_t(0)) : 0;
    auto toNs = [baseNs](const json& microseconds) -> int64_t {
        return baseNs + int64_t(std::llround(microseconds.get<double>() * 1000.0));
    };

    ImportedRun run(path, "PyTorch profiler");
    GpuActivity& gpu = run.gpu();
    std::map<int64_t, int64_t> cpuEventsPerPid;
    std::map<std::pair<int64_t, int64_t>, std::string> threadNames;
    std::map<int64_t, std::string> processNames;
    std::map<std::string, CounterTrack> counters;
    int64_t skipped = 0;
    for (const json& event : *events) {
        if (!event.is_object())
            continue;
        const std::string phase = event.value("ph", "");
        const int64_t pid = idOf(event.value("pid", json()));
        const int64_t tid = idOf(event.value("tid", json()));
        if (phase == "M") {
            const std::string what = event.value("name", "");
            const json args = event.value("args", json::object());
            if (what == "thread_name" && args.contains("name") && args["name"].is_string())
                threadNames[{ pid, tid }] = args["name"].get<std::string>();
            else if (what == "process_name" && args.contains("name") && args["name"].is_string())
                processNames[pid] = args["name"].get<std::string>();
            continue;
        }
        if (phase == "C" && event.contains("ts") && event["ts"].is_number()) {
            const json counterArgs = event.value("args", json::object());
            for (const auto& [key, value] : counterArgs.items()) {
                if (!value.is_number())
                    continue;
                CounterTrack& track = counters[event.value("name", "counter") + " " + key];
                track.name = event.value("name", "counter") + (key == "value" ? "" : " " + key);
                track.source = "PyTorch profiler";
                track.samples.emplace_back(toNs(event["ts"]), value.get<double>());
            }
            continue;
        }
        if (phase != "X" || !event.contains("ts") || !event["ts"].is_number())
            continue;
        std::string category = event.value("cat", "");
        std::transform(
            category.begin(), category.end(), category.begin(), [](unsigned char c) { return char(std::tolower(c)); });
        const std::string name = event.value("name", "");
        const int64_t start = toNs(event["ts"]);
        const int64_t end = start
            + (event.contains("dur") && event["dur"].is_number()
                    ? int64_t(std::llround(event["dur"].get<double>() * 1000.0))
                    : 0);
        const json args = event.value("args", json::object());
        const int64_t correlation = argInt(args, "correlation", 0);
        if (category == "kernel") {
            GpuKernel k;
            k.startNs = start;
            k.endNs = end;
            k.deviceId = uint32_t(argInt(args, "device", std::max<int64_t>(0, pid)));
            k.contextId = uint32_t(argInt(args, "context", 0));
            k.streamId = uint32_t(argInt(args, "stream", std::max<int64_t>(0, tid)));
            k.correlationId = uint32_t(correlation);
            k.nameIndex = gpu.intern(name);
            if (args.contains("grid") && args["grid"].is_array() && args["grid"].size() == 3) {
                k.gridX = args["grid"][0].get<int32_t>();
                k.gridY = args["grid"][1].get<int32_t>();
                k.gridZ = args["grid"][2].get<int32_t>();
            }
            if (args.contains("block") && args["block"].is_array() && args["block"].size() == 3) {
                k.blockX = args["block"][0].get<int32_t>();
                k.blockY = args["block"][1].get<int32_t>();
                k.blockZ = args["block"][2].get<int32_t>();
            }
            k.registersPerThread = int32_t(argInt(args, "registers per thread", 0));
            k.staticSharedMemory = int32_t(argInt(args, "shared memory", 0));
            gpu.kernels.push_back(k);
        } else if (category == "gpu_memcpy" || category == "memcpy") {
            GpuCopy c;
            c.startNs = start;
            c.endNs = end;
            c.deviceId = uint32_t(argInt(args, "device", std::max<int64_t>(0, pid)));
            c.contextId = uint32_t(argInt(args, "context", 0));
            c.streamId = uint32_t(argInt(args, "stream", std::max<int64_t>(0, tid)));
            c.correlationId = uint32_t(correlation);
            c.bytes = uint64_t(argInt(args, "bytes", 0));
            parseMemcpyName(name, c);
            gpu.copies.push_back(c);
        } else if (category == "gpu_memset" || category == "memset") {
            GpuMemset m;
            m.startNs = start;
            m.endNs = end;
            m.deviceId = uint32_t(argInt(args, "device", std::max<int64_t>(0, pid)));
            m.contextId = uint32_t(argInt(args, "context", 0));
            m.streamId = uint32_t(argInt(args, "stream", std::max<int64_t>(0, tid)));
            m.correlationId = uint32_t(correlation);
            m.bytes = uint64_t(argInt(args, "bytes", 0));
            const size_t open = name.find('('), close = name.rfind(')');
            if (open != std::string::npos && close != std::string::npos && close > open)
                m.memoryKind = memoryKind(name.substr(open + 1, close - open - 1));
            gpu.memsets.push_back(m);
        } else if (category == "cuda_sync") {
            GpuSync s;
            s.startNs = start;
            s.endNs = end;
            s.contextId = uint32_t(argInt(args, "context", 0));
            s.streamId = uint32_t(argInt(args, "stream", std::max<int64_t>(0, tid)));
            s.correlationId = uint32_t(correlation);
            s.syncType = syncType(args.value("cuda_sync_kind", name));
            gpu.syncs.push_back(s);
        } else if (category == "cuda_runtime" || category == "runtime" || category == "cuda_driver") {
            GpuApiCall call;
            call.startNs = start;
            call.endNs = end;
            call.threadId = uint32_t(tid);
            call.processId = uint32_t(pid);
            call.correlationId = uint32_t(correlation);
            call.callbackId = uint32_t(argInt(args, "cbid", 0));
            call.nameIndex = gpu.intern(name);
            call.driver = category == "cuda_driver";
            run.thread(tid);
            gpu.apiCalls.push_back(call);
            ++cpuEventsPerPid[pid];
        } else if (category == "cpu_op" || category == "operator" || category == "python_function") {
            run.addOperator(tid, start, end, name);
            ++cpuEventsPerPid[pid];
        } else if (category == "user_annotation") {
            run.addRange(tid, start, end, name);
            ++cpuEventsPerPid[pid];
        } else {
            ++skipped; // "Trace" spans, gpu_user_annotation, and categories of other tools
        }
    }
    int64_t pid = 0, most = -1;
    for (const auto& [candidate, count] : cpuEventsPerPid)
        if (count > most) {
            most = count;
            pid = candidate;
        }
    RunData& data = run.data();
    data.pid = pid > 0 ? pid : 1;
    data.processName = processNames.count(pid) ? processNames[pid] : "";
    for (const auto& [key, name] : threadNames)
        if (key.first == pid)
            run.nameThread(key.second, name);
    for (auto& [key, track] : counters)
        data.counters.push_back(std::move(track));
    if (!gpu.kernels.empty() || !gpu.copies.empty())
        data.run.device = "cuda:0";
    if (skipped)
        stats.notes.push_back(std::to_string(skipped) + " complete events of other categories were left out");
    stats.bytes += bytes;
    return run.finish(stats);
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
