// SPDX-License-Identifier: Apache-2.0
#include "base/sqlite_util.h"
#include "reports/session_stats.h"
#include "store/session_store.h"
#include "synthetic_run.h"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace es;
using namespace es::prof;

namespace {

std::string tempSession(const std::string& name)
{
    const std::string path = testing::TempDir() + "/es_store_" + std::to_string(getpid()) + "_" + name + ".sqlite";
    std::remove(path.c_str());
    return path;
}

std::map<std::string, std::vector<StatsTable::Cell>> rowsByLastColumn(const StatsTable& table)
{
    std::map<std::string, std::vector<StatsTable::Cell>> rows;
    for (const auto& row : table.rows)
        rows[std::get<std::string>(row.back())] = row;
    return rows;
}

} // namespace

TEST(SessionStore, WritesRunsAndReadsThemBack)
{
    const std::string path = tempSession("roundtrip");
    {
        auto store = SessionStore::openForWriting(path);
        ASSERT_TRUE(store.isOk()) << store.status().message();
        ASSERT_TRUE(store.value()->writeEnvironment({ { "cpu_model", "test cpu" } }).isOk());
        auto first = store.value()->writeRun(syntheticRun("s0-baseline", 4));
        ASSERT_TRUE(first.isOk()) << first.status().message();
        EXPECT_EQ(first.value(), 1);
    }
    {
        auto store = SessionStore::openForWriting(path); // appends
        ASSERT_TRUE(store.isOk());
        EXPECT_EQ(store.value()->writeRun(syntheticRun("s2-device-pre-post", 2)).value(), 2);
    }
    auto store = SessionStore::openForReading(path);
    ASSERT_TRUE(store.isOk()) << store.status().message();
    EXPECT_EQ(store.value()->schemaVersion(), kSessionSchemaVersion);
    const auto runs = store.value()->runs().value();
    ASSERT_EQ(runs.size(), 2u);
    EXPECT_EQ(runs[0].record.step, "s0-baseline");
    EXPECT_EQ(runs[1].record.frames, 2);
    EXPECT_EQ(store.value()->environment().value().at("cpu_model"), "test cpu");

    // nsys's own query shapes run on the session.
    Statement nvtx(store.value()->database(),
        "SELECT s.value, count(*) FROM NVTX_EVENTS e JOIN StringIds s ON e.textId = s.id GROUP BY 1 ORDER BY 1");
    std::map<std::string, int64_t> counts;
    while (nvtx.step() == SQLITE_ROW)
        counts[nvtx.columnText(0)] = nvtx.columnInt(1);
    EXPECT_EQ(counts["detector"], 6);
    EXPECT_EQ(counts["postprocess"], 6);
    Statement tid(store.value()->database(),
        "SELECT DISTINCT globalTid / 0x1000000 % 0x1000000, globalTid % 0x1000000 FROM NVTX_EVENTS WHERE eventType = "
        "59");
    ASSERT_EQ(tid.step(), SQLITE_ROW);
    EXPECT_EQ(tid.columnInt(0), getpid());
    EXPECT_EQ(tid.columnInt(1), 4242);
    Statement domain(
        store.value()->database(), "SELECT count(*) FROM NVTX_EVENTS WHERE eventType = 75 AND text = 'edgescope'");
    ASSERT_EQ(domain.step(), SQLITE_ROW);
    EXPECT_EQ(domain.columnInt(0), 2) << "one domain row per run";
    std::remove(path.c_str());
}

TEST(SessionStats, NvtxSumHasNsysColumnsAndValues)
{
    const std::string path = tempSession("stats");
    ASSERT_TRUE(SessionStore::openForWriting(path).value()->writeRun(syntheticRun("s0-baseline", 4)).isOk());
    auto store = SessionStore::openForReading(path).value();
    const StatsTable table = computeReport(*store, "nvtx_sum", {}).value();
    EXPECT_EQ(table.columns.front(), "Time (%)");
    EXPECT_EQ(table.columns[1], "Total Time (ns)");
    EXPECT_EQ(table.columns.back(), "Range");
    auto rows = rowsByLastColumn(table);
    // detector durations 60, 61, 62, 63; postprocess 30, 29, 28, 27.
    EXPECT_EQ(std::get<int64_t>(rows["detector"][1]), 246);
    EXPECT_EQ(std::get<int64_t>(rows["detector"][2]), 4);
    EXPECT_DOUBLE_EQ(std::get<double>(rows["detector"][3]), 61.5);
    EXPECT_DOUBLE_EQ(std::get<double>(rows["detector"][4]), 61.5);
    EXPECT_EQ(std::get<int64_t>(rows["detector"][5]), 60);
    EXPECT_EQ(std::get<int64_t>(rows["postprocess"][6]), 30);
    EXPECT_NEAR(std::get<double>(rows["detector"][7]), 1.2909944, 1e-6);
    EXPECT_NEAR(std::get<double>(rows["detector"][0]), 100.0 * 246 / (246 + 114), 1e-9);

    const StatsTable frames = computeReport(*store, "frames", {}).value();
    ASSERT_EQ(frames.rows.size(), 1u);
    EXPECT_EQ(std::get<int64_t>(frames.rows[0][4]), 4);
    EXPECT_NEAR(std::get<double>(frames.rows[0][6]), 115e-6, 1e-12) << "median of 100, 110, 120, 130 ns in ms";

    const StatsTable ops = computeReport(*store, "op_sum", {}).value();
    ASSERT_EQ(ops.rows.size(), 1u);
    EXPECT_EQ(std::get<int64_t>(ops.rows[0][2]), 2);
    const StatsTable os = computeReport(*store, "os_util", {}).value();
    ASSERT_EQ(os.rows.size(), 1u);
    EXPECT_DOUBLE_EQ(std::get<double>(os.rows[0][4]), 60.0);
    std::remove(path.c_str());
}

TEST(SessionStats, CudaReportsReadTheCuptiTables)
{
    const std::string path = tempSession("cuda");
    {
        auto store = SessionStore::openForWriting(path).value();
        ASSERT_TRUE(store->writeRun(syntheticRun("s0-baseline", 1)).isOk());
        ASSERT_TRUE(execute(store->database(),
            "INSERT INTO StringIds(id, value) VALUES (9001, 'gemm_kernel'), (9002, 'cudaLaunchKernel_v7000'), "
            "(9003, 'cudaMemcpyAsync_v3020');"
            "INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL(start, \"end\", deviceId, contextId, streamId, demangledName, "
            "shortName, registersPerThread, gridX, gridY, gridZ, blockX, blockY, blockZ, staticSharedMemory, "
            "dynamicSharedMemory, localMemoryPerThread, localMemoryTotal, gridId, runId) VALUES "
            "(100, 150, 0, 1, 7, 9001, 9001, 32, 1, 1, 1, 128, 1, 1, 0, 0, 0, 0, 1, 1),"
            "(200, 230, 0, 1, 7, 9001, 9001, 32, 1, 1, 1, 128, 1, 1, 0, 0, 0, 0, 2, 1);"
            "INSERT INTO CUPTI_ACTIVITY_KIND_MEMCPY(start, \"end\", deviceId, contextId, streamId, bytes, copyKind, "
            "runId) VALUES (10, 20, 0, 1, 7, 4, 2, 1), (30, 45, 0, 1, 7, 4, 2, 1), (50, 52, 0, 1, 7, 600, 1, 1);"
            "INSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME(start, \"end\", eventClass, nameId, returnValue, runId) "
            "VALUES (5, 9, 0, 9002, 0, 1), (9, 30, 0, 9003, 0, 1), (31, 33, 0, 9002, 0, 1);",
            path)
                        .isOk());
    }
    auto store = SessionStore::openForReading(path).value();
    auto kernels = rowsByLastColumn(computeReport(*store, "cuda_gpu_kern_sum", {}).value());
    EXPECT_EQ(std::get<int64_t>(kernels["gemm_kernel"][1]), 80);
    EXPECT_EQ(std::get<int64_t>(kernels["gemm_kernel"][2]), 2);
    auto memory = rowsByLastColumn(computeReport(*store, "cuda_gpu_mem_time_sum", {}).value());
    EXPECT_EQ(std::get<int64_t>(memory["[CUDA memcpy Device-to-Host]"][2]), 2);
    EXPECT_EQ(std::get<int64_t>(memory["[CUDA memcpy Device-to-Host]"][1]), 25);
    EXPECT_EQ(std::get<int64_t>(memory["[CUDA memcpy Host-to-Device]"][2]), 1);
    auto api = rowsByLastColumn(computeReport(*store, "cuda_api_sum", {}).value());
    EXPECT_EQ(std::get<int64_t>(api["cudaLaunchKernel"][2]), 2) << "the _v7000 suffix is stripped";
    EXPECT_EQ(std::get<int64_t>(api["cudaMemcpyAsync"][1]), 21);
    EXPECT_FALSE(computeReport(*store, "bogus", {}).isOk());
    std::remove(path.c_str());
}

TEST(SessionStats, SelectsRunsByIdAndStep)
{
    const std::string path = tempSession("select");
    {
        auto store = SessionStore::openForWriting(path).value();
        ASSERT_TRUE(store->writeRun(syntheticRun("s0-baseline", 1)));
        ASSERT_TRUE(store->writeRun(syntheticRun("s2-device-pre-post", 1)));
        ASSERT_TRUE(store->writeRun(syntheticRun("s2-device-pre-post", 1)));
    }
    auto store = SessionStore::openForReading(path).value();
    EXPECT_EQ(selectRuns(*store, "", "").value().size(), 3u);
    EXPECT_EQ(selectRuns(*store, "", "s2").value(), (std::vector<int64_t> { 2, 3 }));
    EXPECT_EQ(selectRuns(*store, "", "2").value(), (std::vector<int64_t> { 2, 3 }));
    EXPECT_EQ(selectRuns(*store, "1", "").value(), (std::vector<int64_t> { 1 }));
    auto missing = selectRuns(*store, "7", "");
    ASSERT_FALSE(missing.isOk());
    EXPECT_NE(missing.status().message().find("s0-baseline"), std::string::npos) << "lists the runs there are";
    std::remove(path.c_str());
}

TEST(SessionStore, RefusesWhatIsNotASession)
{
    EXPECT_EQ(SessionStore::openForReading("/nonexistent/lab.sqlite").status().code(), StatusCode::NotFound);

    const std::string junk = tempSession("junk");
    std::ofstream(junk) << std::string(8192, 'x');
    auto notDb = SessionStore::openForReading(junk);
    ASSERT_FALSE(notDb.isOk());
    EXPECT_NE(notDb.status().message().find("not an SQLite database"), std::string::npos);
    EXPECT_FALSE(SessionStore::openForWriting(junk).isOk()) << "and is not overwritten";

    const std::string other = tempSession("other");
    {
        sqlite3* db = nullptr;
        sqlite3_open(other.c_str(), &db);
        sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr);
        sqlite3_close(db);
    }
    auto notSession = SessionStore::openForReading(other);
    ASSERT_FALSE(notSession.isOk());
    EXPECT_NE(notSession.status().message().find("not an EdgeScope session"), std::string::npos);

    const std::string empty = tempSession("empty");
    std::ofstream(empty).close();
    EXPECT_FALSE(SessionStore::openForReading(empty).isOk());
    for (const auto& path : { junk, other, empty })
        std::remove(path.c_str());
}

TEST(SessionStore, RefusesNewerAndTruncatedFiles)
{
    const std::string newer = tempSession("newer");
    {
        auto store = SessionStore::openForWriting(newer).value();
        ASSERT_TRUE(execute(store->database(), "UPDATE ES_SESSION SET value = '99' WHERE key = 'schema_version'", newer)
                        .isOk());
    }
    auto refused = SessionStore::openForReading(newer);
    ASSERT_FALSE(refused.isOk());
    EXPECT_EQ(refused.status().code(), StatusCode::Unsupported);
    EXPECT_NE(refused.status().message().find("newer EdgeScope"), std::string::npos);

    const std::string full = tempSession("full");
    {
        auto store = SessionStore::openForWriting(full).value();
        for (int i = 0; i < 3; ++i)
            ASSERT_TRUE(store->writeRun(syntheticRun("s0-baseline", 200)));
    }
    std::ifstream in(full, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string truncated = tempSession("truncated");
    std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() / 3);
    auto damaged = SessionStore::openForReading(truncated);
    ASSERT_FALSE(damaged.isOk());
    EXPECT_EQ(damaged.status().code(), StatusCode::CorruptData);
    // Large files get the header's check instead of reading every page (here forced by a limit of 0 bytes): the
    // truncated copy is refused in constant time, the whole file passes.
    for (const auto& [path, whole] : { std::pair { truncated, false }, std::pair { full, true } }) {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
        const Status checked = checkSqliteFile(db, path, int64_t(bytes.size()), 0);
        sqlite3_close(db);
        EXPECT_EQ(checked.isOk(), whole) << path;
        if (!whole) {
            EXPECT_EQ(checked.code(), StatusCode::CorruptData);
            EXPECT_NE(checked.message().find(path + " is truncated"), std::string::npos) << checked.message();
        }
    }
    for (const auto& path : { newer, full, truncated })
        std::remove(path.c_str());
}

TEST(SessionStore, ReadingRollsBackARunKilledWhileItWasWritten)
{
    const std::string path = tempSession("hot");
    ASSERT_TRUE(SessionStore::openForWriting(path).value()->writeRun(syntheticRun("s0-baseline", 2)).isOk());
    const pid_t child = fork();
    if (child == 0) {
        // A writer that dies mid-transaction after spilling pages to the file: the journal is hot.
        sqlite3* db = nullptr;
        sqlite3_open(path.c_str(), &db);
        sqlite3_exec(db, "PRAGMA cache_size=1; BEGIN IMMEDIATE; INSERT INTO ES_RUNS(status) VALUES ('complete');",
            nullptr, nullptr, nullptr);
        for (int i = 0; i < 20000; ++i)
            sqlite3_exec(
                db, "INSERT INTO NVTX_EVENTS(start, eventType, runId) VALUES (1, 59, 2)", nullptr, nullptr, nullptr);
        raise(SIGKILL);
    }
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status));
    struct stat journal;
    ASSERT_EQ(stat((path + "-journal").c_str(), &journal), 0) << "the child left a journal";
    auto store = SessionStore::openForReading(path);
    ASSERT_TRUE(store.isOk()) << store.status().message();
    EXPECT_EQ(store.value()->runs().value().size(), 1u) << "the unfinished run is rolled back";
    Statement count(store.value()->database(), "SELECT count(*) FROM NVTX_EVENTS WHERE runId = 2");
    ASSERT_EQ(count.step(), SQLITE_ROW);
    EXPECT_EQ(count.columnInt(0), 0);
    std::remove(path.c_str());
}
