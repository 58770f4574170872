// SPDX-License-Identifier: Apache-2.0
// Exports and imports: every format from a small session with GPU activity, read back by an independent reader
// (nlohmann for JSON, SQLite for nsys SQL, our NVTXT reader), round trips, golden files, the real traces of
// ../shared/testdata (skipped where absent), and bad files.
#include "base/sqlite_util.h"
#include "base/text_writer.h"
#include "exchange/exchange.h"
#include "model/trace_model.h"
#include "store/session_store.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <unistd.h>

#include "es_config.h"
#if ES_HAS_ZLIB
#include <zlib.h>
#endif

using namespace es;
using namespace es::prof;

namespace {

std::string temp(const std::string& name)
{
    const std::string path = testing::TempDir() + "/es_exchange_" + std::to_string(getpid()) + "_" + name;
    std::remove(path.c_str());
    return path;
}

std::string slurp(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

/// Two frames of an s0-like run recorded by pid 4242 on thread 4243: stage ranges, operators, three launches with
/// their kernels, three pageable copies back with a synchronization each, a memset, and a counter.
RunData smallRun()
{
    RunData data;
    data.pid = 4242;
    data.processName = "edgescope-cli";
    data.threadNames[4243] = "lab";
    data.run.step = "s0-baseline";
    data.run.stepNumber = 0;
    data.run.title = "baseline";
    data.run.device = "cuda:0";
    data.run.weights = "seeded (test)";
    data.run.precision = "fp32";
    data.run.frames = 2;
    data.run.fps = 10;
    data.run.startNs = 1'000'000;
    data.run.endNs = 3'000'000;
    data.rangeNames = { "frame", "detector", "postprocess" };
    data.rangeColors = { 0xFF999999, 0xFF009E73, 0xFFD55E00 };
    data.threads.push_back({ 0, 4243, 0 });
    GpuActivity& gpu = data.gpu;
    const uint32_t launch = gpu.intern("cudaLaunchKernel_v7000");
    const uint32_t memcpy = gpu.intern("cudaMemcpyAsync_v3020");
    const uint32_t sync = gpu.intern("cudaStreamSynchronize_v3020");
    const uint32_t kernel = gpu.intern("_ZN2at6native18elementwise_kernelILi128ELi2EEEviPf");
    uint32_t correlation = 1;
    for (int f = 0; f < 2; ++f) {
        const int64_t t = 1'000'000 + f * 1'000'000;
        data.ranges.push_back({ t, t + 900'000, f, 0, 0, 0 });
        data.ranges.push_back({ t + 100'000, t + 400'000, f, 1, 0, 1 });
        data.ranges.push_back({ t + 400'000, t + 800'000, f, 2, 0, 1 });
        data.frames.push_back({ f, f, t, t + 900'000, 3, 100 });
        data.operators.push_back({ t + 110'000, t + 390'000, "aten::conv2d", 4243, 0 });
        for (int k = 0; k < (f == 0 ? 2 : 1); ++k) {
            const int64_t at = t + 150'000 + k * 50'000;
            gpu.apiCalls.push_back({ at, at + 5'000, correlation, 4243, 4242, 211, launch, 0, false });
            gpu.kernels.push_back(
                { at + 10'000, at + 40'000, 0, 1, 7, correlation, kernel, 64, 1, 1, 256, 1, 1, 32, 0, 0, 1 });
            ++correlation;
        }
        const int64_t at = t + 450'000;
        gpu.apiCalls.push_back({ at, at + 2'000, correlation, 4243, 4242, 41, memcpy, 0, false });
        gpu.copies.push_back({ at + 10'000, at + 12'000, 0, 1, 7, correlation, 8, 2, 2, 0 });
        ++correlation;
        gpu.apiCalls.push_back({ at + 3'000, at + 30'000, correlation, 4243, 4242, 131, sync, 0, false });
        gpu.syncs.push_back({ at + 12'000, at + 30'000, 1, 7, correlation, 3, 0 });
        ++correlation;
    }
    gpu.memsets.push_back({ 1'050'000, 1'051'000, 0, 1, 7, 0, 4096, 0, 2 });
    data.counters.push_back({ "cpu0 load", "%", "/proc/stat", { { 1'000'000, 40.0 }, { 2'000'000, 60.0 } } });
    data.gpuTracingState = "traced";
    return data;
}

std::string smallSession(const std::string& name)
{
    const std::string path = temp(name + ".sqlite");
    auto store = SessionStore::openForWriting(path).value();
    EXPECT_TRUE(store->writeRun(smallRun()).isOk());
    return path;
}

Result<ExchangeStats> exportTo(const std::string& session, ExportFormat format, const std::string& path)
{
    auto store = SessionStore::openForReading(session).value();
    return exportRuns(*store, {}, format, path);
}

int64_t count(sqlite3* db, const std::string& sql)
{
    Statement query(db, sql);
    return query.step() == SQLITE_ROW ? query.columnInt(0) : -1;
}

} // namespace

TEST(Export, NvtxtIsValidAndReadsBack)
{
    const std::string session = smallSession("nvtxt");
    const std::string path = temp("small.nvtxt");
    auto stats = exportTo(session, ExportFormat::Nvtxt, path);
    ASSERT_TRUE(stats.isOk()) << stats.status().message();
    EXPECT_EQ(stats->events, 6 + 2) << "six ranges and a marker per frame";
    const std::string text = slurp(path);
    EXPECT_NE(text.find("TimeBase = Manual\n"), std::string::npos);
    EXPECT_NE(text.find("@RangeStartEnd, Start, End, ThreadId, Message\n"), std::string::npos);
    EXPECT_NE(text.find("ProcessId = 4242\n"), std::string::npos);
    EXPECT_NE(text.find("RangeStartEnd, 1100000, 1400000, 4243, \"detector\"\n"), std::string::npos) << text;
    EXPECT_NE(text.find("Color = Green\n"), std::string::npos) << "the detector's colour by name";
    EXPECT_LT(text.find("@RangeStartEnd"), text.find("RangeStartEnd, ")) << "declared before use";
    auto back = readTrace(path);
    ASSERT_TRUE(back.isOk()) << back.status().message();
    EXPECT_EQ(back->ranges.size(), 6u);
    EXPECT_EQ(back->pid, 4242);
    // Golden file: the whole output for this session.
    const std::string golden = slurp(std::string(ES_TEST_DATA_DIR) + "/golden/small.nvtxt");
    std::string normalized = text;
    const std::string sessionName = session.substr(session.rfind('/') + 1);
    for (size_t at; (at = normalized.find(sessionName)) != std::string::npos;)
        normalized.replace(at, sessionName.size(), "small.sqlite");
    EXPECT_EQ(normalized, golden) << "update tests/data/golden/small.nvtxt when the format changes on purpose";
}

TEST(Export, ChromeTraceNestsFlowsAndReadsBack)
{
    const std::string session = smallSession("chrome");
    const std::string path = temp("small.json");
    auto stats = exportTo(session, ExportFormat::Chrome, path);
    ASSERT_TRUE(stats.isOk()) << stats.status().message();
    const auto trace = nlohmann::json::parse(slurp(path));
    std::map<std::string, int> categories;
    int starts = 0, finishes = 0, counters = 0;
    std::map<std::pair<int64_t, int64_t>, std::vector<std::pair<double, double>>> slices;
    for (const auto& event : trace["traceEvents"]) {
        const std::string phase = event["ph"];
        if (phase == "X") {
            ++categories[event["cat"].get<std::string>()];
            const double ts = event["ts"].get<double>(), dur = event["dur"].get<double>();
            slices[{ event["pid"].get<int64_t>(), event["tid"].get<int64_t>() }].emplace_back(ts, ts + dur);
        }
        starts += phase == "s";
        finishes += phase == "f";
        counters += phase == "C";
    }
    EXPECT_EQ(categories["user_annotation"], 6);
    EXPECT_EQ(categories["cpu_op"], 2);
    EXPECT_EQ(categories["cuda_runtime"], 7);
    EXPECT_EQ(categories["kernel"], 3);
    EXPECT_EQ(categories["gpu_memcpy"], 2);
    EXPECT_EQ(categories["gpu_memset"], 1);
    EXPECT_EQ(categories["cuda_sync"], 2);
    EXPECT_EQ(starts, 5) << "a flow from each launch to its kernel or copy";
    EXPECT_EQ(finishes, 5);
    EXPECT_EQ(counters, 2);
    for (auto& [track, list] : slices) {
        std::sort(list.begin(), list.end(),
            [](const auto& a, const auto& b) { return a.first != b.first ? a.first < b.first : a.second > b.second; });
        std::vector<double> open;
        for (const auto& [start, end] : list) {
            while (!open.empty() && open.back() <= start + 1e-9)
                open.pop_back();
            EXPECT_TRUE(open.empty() || end <= open.back() + 1e-9) << "slices overlap on pid/tid " << track.first;
            open.push_back(end);
        }
    }
    EXPECT_TRUE(slices.count({ 4242, 4243 })) << "the lab thread under the recording pid";
    std::string normalized = slurp(path);
    const std::string sessionName = session.substr(session.rfind('/') + 1);
    for (size_t at; (at = normalized.find(sessionName)) != std::string::npos;)
        normalized.replace(at, sessionName.size(), "small.sqlite");
    EXPECT_EQ(normalized, slurp(std::string(ES_TEST_DATA_DIR) + "/golden/small.chrome.json"))
        << "update tests/data/golden/small.chrome.json when the format changes on purpose";
    EXPECT_TRUE(slices.count({ 0, 7 })) << "GPU 0, stream 7, as the PyTorch profiler puts them";
    // Round trip: the import gives the same events and the same kernel time, to the ns.
    auto back = readTrace(path);
    ASSERT_TRUE(back.isOk()) << back.status().message();
    EXPECT_EQ(back->gpu.kernels.size(), 3u);
    EXPECT_EQ(back->gpu.copies.size(), 2u);
    EXPECT_EQ(back->gpu.memsets.size(), 1u);
    EXPECT_EQ(back->gpu.syncs.size(), 2u);
    EXPECT_EQ(back->gpu.apiCalls.size(), 7u);
    EXPECT_EQ(back->ranges.size(), 6u);
    EXPECT_EQ(back->operators.size(), 2u);
    EXPECT_EQ(back->pid, 4242);
    int64_t kernelNs = 0;
    for (const GpuKernel& k : back->gpu.kernels)
        kernelNs += k.endNs - k.startNs;
    EXPECT_EQ(kernelNs, 90'000);
    EXPECT_EQ(back->gpu.copies[0].copyKind, 2);
    EXPECT_EQ(back->gpu.copies[0].dstKind, 0) << "pageable, from the name";
    EXPECT_EQ(back->gpu.copies[0].bytes, 8u);
    EXPECT_EQ(back->threadNames.at(4243), "lab");
}

TEST(Export, NsysSqliteRunsTheStatsQueries)
{
    const std::string session = smallSession("nsys");
    const std::string path = temp("small-nsys.sqlite");
    auto stats = exportTo(session, ExportFormat::NsysSqlite, path);
    ASSERT_TRUE(stats.isOk()) << stats.status().message();
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    {
        Statement version(db, "SELECT value FROM META_DATA_EXPORT WHERE name = 'EXPORT_SCHEMA_VERSION'");
        ASSERT_EQ(version.step(), SQLITE_ROW);
        EXPECT_EQ(version.columnText(0), "3.24.14");
        EXPECT_EQ(count(db, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'ES\\_%' ESCAPE '\\'"), 0)
            << "no EdgeScope tables";
        // cuda_gpu_kern_sum, cuda_gpu_mem_time_sum, cuda_api_sum and nvtx_sum, as nsys's scripts write them.
        EXPECT_EQ(count(db,
                      "SELECT sum(k.\"end\" - k.start) FROM CUPTI_ACTIVITY_KIND_KERNEL k JOIN StringIds s ON "
                      "k.demangledName = s.id"),
            90'000);
        EXPECT_EQ(count(db,
                      "SELECT count(*) FROM CUPTI_ACTIVITY_KIND_MEMCPY m JOIN ENUM_CUDA_MEMCPY_OPER o ON o.id = "
                      "m.copyKind WHERE o.label = 'Device-to-Host'"),
            2);
        EXPECT_EQ(count(db, "SELECT count(*) FROM CUPTI_ACTIVITY_KIND_MEMSET"), 1);
        EXPECT_EQ(count(db,
                      "SELECT count(*) FROM CUPTI_ACTIVITY_KIND_RUNTIME r JOIN StringIds s ON r.nameId = s.id "
                      "WHERE s.value = 'cudaLaunchKernel_v7000'"),
            3);
        EXPECT_EQ(count(db,
                      "SELECT count(*) FROM NVTX_EVENTS e LEFT JOIN StringIds s ON e.textId = s.id WHERE "
                      "e.eventType IN (59, 60, 70, 71) AND coalesce(e.text, s.value) = 'detector'"),
            2);
        EXPECT_EQ(count(db,
                      "SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL k JOIN CUPTI_ACTIVITY_KIND_RUNTIME r ON "
                      "k.correlationId = r.correlationId AND k.globalPid = (r.globalTid & 0xFFFFFFFFFF000000)"),
            3);
    }
    sqlite3_close(db);
    auto back = readTrace(path);
    ASSERT_TRUE(back.isOk()) << back.status().message();
    EXPECT_EQ(back->gpu.kernels.size(), 3u);
    EXPECT_EQ(back->gpu.copies.size(), 2u);
    EXPECT_EQ(back->gpu.syncs.size(), 2u);
    EXPECT_EQ(back->gpu.apiCalls.size(), 7u);
    EXPECT_EQ(back->ranges.size(), 6u);
    EXPECT_EQ(back->pid, 4242);
}

TEST(Export, CsvAndHtml)
{
    const std::string session = smallSession("report");
    const std::string csv = temp("small.csv");
    auto stats = exportTo(session, ExportFormat::Csv, csv);
    ASSERT_TRUE(stats.isOk()) << stats.status().message();
    const std::string frames = slurp(csv);
    EXPECT_EQ(std::count(frames.begin(), frames.end(), '\n'), 3) << frames;
    EXPECT_NE(
        frames.find(
            "1,s0-baseline,0,0,1000000,1900000,0.900,3,100,0.000,0.000,0.300,0.400,2.00,0.00,1.00,1.00,0.018,0.062"),
        std::string::npos)
        << frames;
    const std::string stages = slurp(csv.substr(0, csv.size() - 4) + ".stages.csv");
    EXPECT_NE(stages.find("1,s0-baseline,postprocess,2,0.800,0.400,0.400,0.00,0.00,1.00,1.00,0.018"), std::string::npos)
        << stages;
    const std::string html = temp("small.html");
    ASSERT_TRUE(exportTo(session, ExportFormat::Html, html).isOk());
    const std::string page = slurp(html);
    EXPECT_NE(page.find("<svg"), std::string::npos);
    std::string offline = page;
    for (size_t at; (at = offline.find("http://www.w3.org/2000/svg")) != std::string::npos;)
        offline.erase(at, 26);
    EXPECT_EQ(offline.find("http://"), std::string::npos) << "only the SVG namespace, nothing from the network";
    EXPECT_EQ(offline.find("https://"), std::string::npos);
    EXPECT_NE(page.find("seeded (test)"), std::string::npos) << "the weights caveat";
    EXPECT_NE(page.find("s0-baseline"), std::string::npos);
}

TEST(Import, RealTracesOfSharedTestdata)
{
    const std::string root = std::string(ES_PROJECT_DIR) + "/../shared/testdata";
    if (access(root.c_str(), R_OK) != 0)
        GTEST_SKIP() << "no " << root << " here (the project's shared test traces): skipped";
#if !ES_HAS_ZLIB
    GTEST_SKIP() << "this build has no zlib: the shared PyTorch traces are gzipped";
#else
    struct Expected
    {
        const char* file;
        size_t kernels, copies, memsets, syncs, runtime, operators, annotations;
    };
    const Expected expected[] = {
        { "kineto/hta_simple_add_a100.pt.trace.json.gz", 79, 16, 3, 41, 331, 359, 8 },
        { "kineto/hta_event_sync.pt.trace.json.gz", 4, 1, 0, 4, 12, 10, 1 },
        { "kineto/hta_cpu_only.pt.trace.json.gz", 0, 0, 0, 0, 0, 4, 11 },
        { "kineto/kineto2021_resnet50.pt.trace.json.gz", 8772, 12, 312, 0, 11923, 23646, 0 },
        { "nsys/gpu4_t4_nsys2022.4.sqlite", 4, 12, 0, 1, 38, 0, 0 },
        { "nsys/testcuda_4060ti_nsys2026.1.sqlite", 4, 12, 0, 1, 44, 0, 0 },
    };
    for (const Expected& e : expected) {
        ExchangeStats stats;
        auto run = readTrace(root + "/" + e.file, &stats);
        ASSERT_TRUE(run.isOk()) << e.file << ": " << run.status().message();
        EXPECT_EQ(run->gpu.kernels.size(), e.kernels) << e.file;
        EXPECT_EQ(run->gpu.copies.size(), e.copies) << e.file;
        EXPECT_EQ(run->gpu.memsets.size(), e.memsets) << e.file;
        EXPECT_EQ(run->gpu.syncs.size(), e.syncs) << e.file;
        EXPECT_EQ(run->gpu.apiCalls.size(), e.runtime) << e.file;
        EXPECT_EQ(run->operators.size(), e.operators) << e.file;
        EXPECT_EQ(run->ranges.size(), e.annotations) << e.file;
        EXPECT_GT(stats.events, 0) << e.file;
    }
    // Kernel time of each PyTorch trace, against a plain JSON reading of the same file (dur in us, to the ns).
    for (const char* name :
        { "kineto/hta_simple_add_a100.pt.trace.json.gz", "kineto/kineto2021_resnet50.pt.trace.json.gz" }) {
        gzFile file = gzopen((root + "/" + name).c_str(), "rb");
        std::string text;
        char chunk[65536];
        for (int got; (got = gzread(file, chunk, sizeof chunk)) > 0;)
            text.append(chunk, size_t(got));
        gzclose(file);
        int64_t want = 0;
        const auto trace = nlohmann::json::parse(text);
        for (const auto& event : trace["traceEvents"]) {
            std::string category = event.value("cat", "");
            std::transform(category.begin(), category.end(), category.begin(), ::tolower);
            if (event.value("ph", "") == "X" && category == "kernel")
                want += std::llround(event["dur"].get<double>() * 1000.0);
        }
        int64_t got = 0;
        const auto imported = readTrace(root + "/" + name);
        ASSERT_TRUE(imported.isOk()) << name;
        for (const GpuKernel& k : imported->gpu.kernels)
            got += k.endNs - k.startNs;
        EXPECT_EQ(got, want) << name;
    }
    // Kernel time of an nsys export, against sqlite3's own sum.
    const std::string nsys = root + "/nsys/testcuda_4060ti_nsys2026.1.sqlite";
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(nsys.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    const int64_t want = count(db, "SELECT sum(\"end\" - start) FROM CUPTI_ACTIVITY_KIND_KERNEL");
    sqlite3_close(db);
    auto run = readTrace(nsys);
    int64_t got = 0;
    for (const GpuKernel& k : run->gpu.kernels)
        got += k.endNs - k.startNs;
    EXPECT_EQ(got, want);
    // And through a session: the import is a run like the lab's.
    const std::string session = temp("imported.sqlite");
    auto runId = importTrace(nsys, session);
    ASSERT_TRUE(runId.isOk()) << runId.status().message();
    auto store = SessionStore::openForReading(session).value();
    EXPECT_EQ(count(store->database(), "SELECT sum(\"end\" - start) FROM CUPTI_ACTIVITY_KIND_KERNEL"), want);
#endif
}

// A PyTorch trace of an older profiler writes pthread ids (past nsys's 24 bits) and names threads "thread N (name)":
// the session keeps a stand-in id that round-trips, the thread's API calls and operators stay on it, and its name
// reads as nsys shows one.
TEST(Import, ThreadIdsPastTwentyFourBitsAndNames)
{
    const std::string trace = temp("pthread.json");
    std::ofstream(trace) << R"json({"traceEvents": [
{"ph": "M", "name": "thread_name", "pid": 77, "tid": 139871234567936, "args": {"name": "thread 139871234567936 (pt_main_thread)"}},
{"ph": "M", "name": "thread_name", "pid": 77, "tid": 1102, "args": {"name": "thread 1102 (pt_autograd_0)"}},
{"ph": "X", "cat": "cpu_op", "name": "aten::add", "pid": 77, "tid": 139871234567936, "ts": 10, "dur": 5},
{"ph": "X", "cat": "cuda_runtime", "name": "cudaLaunchKernel", "pid": 77, "tid": 139871234567936, "ts": 11, "dur": 2, "args": {"correlation": 9}},
{"ph": "X", "cat": "kernel", "name": "add_kernel", "pid": 0, "tid": 7, "ts": 14, "dur": 3, "args": {"correlation": 9, "stream": 7, "device": 0}},
{"ph": "X", "cat": "cpu_op", "name": "aten::mul", "pid": 77, "tid": 1102, "ts": 20, "dur": 4},
{"ph": "X", "cat": "cpu_op", "name": "aten::neg", "pid": 77, "tid": -247463936, "ts": 30, "dur": 1}
]})json";
    const std::string session = temp("pthread.sqlite");
    auto runId = importTrace(trace, session);
    ASSERT_TRUE(runId.isOk()) << runId.status().message();
    auto store = SessionStore::openForReading(session).value();
    auto model = loadRun(*store, runId.value());
    ASSERT_TRUE(model.isOk()) << model.status().message();
    std::map<std::string, const ThreadTrack*> byName;
    for (const ThreadTrack& thread : model->threads)
        byName[model->strings.get(thread.name)] = &thread;
    ASSERT_EQ(byName.size(), 3u);
    ASSERT_TRUE(byName.count("pt_main_thread"));
    ASSERT_TRUE(byName.count("pt_autograd_0"));
    ASSERT_TRUE(byName.count("thread -247463936"));
    const ThreadTrack& main = *byName["pt_main_thread"];
    EXPECT_GE(main.osTid, 0);
    EXPECT_LE(main.osTid, 0xFFFFFF);
    EXPECT_EQ(main.operators.size(), 1u);
    EXPECT_EQ(main.apiCalls.size(), 1u) << "the launch stays on the thread that made it";
    EXPECT_EQ(byName["pt_autograd_0"]->osTid, 1102);
    EXPECT_EQ(byName["pt_autograd_0"]->operators.size(), 1u);
    EXPECT_NE(byName["thread -247463936"]->osTid, main.osTid);
    EXPECT_EQ(displayThreadName("thread 3554 (pt_main_thread)"), "pt_main_thread");
    EXPECT_EQ(displayThreadName("thread 3554"), "thread 3554");
    EXPECT_EQ(displayThreadName("worker (2)"), "worker (2)");
}

TEST(Import, BadFilesGiveClearErrors)
{
    auto write = [](const std::string& name, const std::string& bytes) {
        const std::string path = temp(name);
        std::ofstream(path, std::ios::binary) << bytes;
        return path;
    };
    auto refused = [](const std::string& path, const char* expected) {
        auto run = readTrace(path);
        EXPECT_FALSE(run.isOk()) << path;
        if (!run.isOk()) {
            EXPECT_NE(run.status().message().find(expected), std::string::npos) << run.status().message();
        }
    };
    refused(write("empty.json", ""), "empty");
    refused(write("notjson.json", "{\"traceEvents\": [ {\"ph\": \"X\", "), "not valid JSON");
    refused(write("object.json", "{\"hello\": 1}"), "no traceEvents");
    refused(write("binary.bin", std::string("\x01\x02\x03\x04garbage", 11)), "not a trace");
    refused(write("bad.nvtxt", "# x\nTimeBase = Manual\nRangeStartEnd, 1, 2, 3, \"a\"\n"), "declaration");
    refused(write("unterminated.nvtxt", "@Marker, Time, ThreadId, Message\nMarker, 1, 2, \"open\n"), "unterminated");
    refused(write("types.json", "{\"traceEvents\": [{\"ph\": 3, \"ts\": \"x\"}]}"), "wrong type");
#if ES_HAS_ZLIB
    {
        const std::string path = temp("truncated.json.gz");
        gzFile file = gzopen(path.c_str(), "wb");
        const std::string text = "{\"traceEvents\": [" + std::string(100000, ' ') + "]}";
        gzwrite(file, text.data(), unsigned(text.size()));
        gzclose(file);
        const std::string bytes = slurp(path);
        std::ofstream(path, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
        refused(path, "truncated");
    }
#endif
    {
        const std::string path = temp("other.sqlite");
        sqlite3* db = nullptr;
        sqlite3_open(path.c_str(), &db);
        ASSERT_TRUE(execute(db, "CREATE TABLE t(x)", path).isOk());
        sqlite3_close(db);
        refused(path, "not an nsys export");
    }
    const std::string session = smallSession("again");
    refused(session, "already an EdgeScope lab session");
    auto missing = readTrace("/nonexistent/trace.json");
    EXPECT_FALSE(missing.isOk());
    EXPECT_NE(missing.status().message().find("/nonexistent/trace.json"), std::string::npos);
}

// The exports' number formatting: std::to_chars where the library has it for doubles, formatFixed before g++ 11.
// Both must write '.' whatever the locale's decimal point, and the same digits.
TEST(TextWriter, FixedNumbersIgnoreTheLocale)
{
    EXPECT_EQ(formatFixed(1234.5678, 2, "."), "1234.57");
    EXPECT_EQ(formatFixed(1234.5678, 2, ","), "1234.57");
    EXPECT_EQ(formatFixed(-0.125, 1, ","), "-0.1");
    EXPECT_EQ(formatFixed(3.0, 0, ","), "3");
    EXPECT_EQ(formatFixed(2.5e-7, 9, "\xd9\xab"), "0.000000250"); // Arabic decimal separator: two bytes
    EXPECT_EQ(formatFixed(1e300, 1, ",").size(), size_t(303));

    const std::string path = temp("numbers.txt");
    auto writer = TextWriter::create(path);
    ASSERT_TRUE(writer.isOk()) << writer.status().message();
    (*writer)->number(1234.5678, 2) << ' ';
    (*writer)->number(-0.125, 1) << ' ';
    (*writer)->number(std::nan(""), 3);
    ASSERT_TRUE((*writer)->finish().isOk());
    EXPECT_EQ(slurp(path), "1234.57 -0.1 0");
}
