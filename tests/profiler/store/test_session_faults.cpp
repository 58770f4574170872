// SPDX-License-Identifier: Apache-2.0
// Faults while a session is written: the file removed, locked by another process, the disk (file size limit) full,
// a read-only folder. Each must end with a message naming the file and the fix, and keep the runs written before.
#include "store/session_store.h"
#include "synthetic_run.h"

#include <sqlite3.h>

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace es;
using namespace es::prof;

namespace {

std::string tempSession(const std::string& name)
{
    const std::string path = testing::TempDir() + "/es_faults_" + std::to_string(getpid()) + "_" + name + ".sqlite";
    std::remove(path.c_str());
    std::remove((path + "-journal").c_str());
    return path;
}

size_t runsIn(const std::string& path)
{
    auto store = SessionStore::openForReading(path);
    if (!store)
        return 0;
    auto runs = store.value()->runs();
    return runs ? runs->size() : 0;
}

bool exists(const std::string& path)
{
    struct stat info;
    return stat(path.c_str(), &info) == 0;
}

/// Limits the size of every file this process writes while alive (RLIMIT_FSIZE), as a full disk would; writes
/// beyond it fail with EFBIG instead of raising SIGXFSZ.
class FileSizeLimit
{
public:
    explicit FileSizeLimit(rlim_t bytes)
    {
        getrlimit(RLIMIT_FSIZE, &m_saved);
        m_previousHandler = std::signal(SIGXFSZ, SIG_IGN);
        rlimit limit = m_saved;
        limit.rlim_cur = bytes;
        setrlimit(RLIMIT_FSIZE, &limit);
    }
    ~FileSizeLimit()
    {
        setrlimit(RLIMIT_FSIZE, &m_saved);
        std::signal(SIGXFSZ, m_previousHandler);
    }

private:
    rlimit m_saved {};
    void (*m_previousHandler)(int) = nullptr;
};

} // namespace

TEST(SessionFaults, RemovedSessionIsWrittenAgainFromTheOpenFile)
{
    const std::string path = tempSession("removed");
    auto store = SessionStore::openForWriting(path);
    ASSERT_TRUE(store) << store.status().message();
    ASSERT_TRUE(store.value()->writeRun(syntheticRun("s0-baseline", 3)));
    ASSERT_EQ(std::remove(path.c_str()), 0);

    auto second = store.value()->writeRun(syntheticRun("s1-cpu-postprocess", 3));
    ASSERT_TRUE(second) << second.status().message();
    ASSERT_EQ(store.value()->notes().size(), 1u);
    EXPECT_NE(store.value()->notes()[0].find("removed"), std::string::npos) << store.value()->notes()[0];
    EXPECT_EQ(store.value()->path(), path);
    store.value().reset();
    EXPECT_EQ(runsIn(path), 2u) << "the run written before the removal and the one after are both in the file";
    std::remove(path.c_str());
}

TEST(SessionFaults, SessionReplacedByAnotherFileIsRecoveredBesideIt)
{
    const std::string path = tempSession("replaced");
    auto store = SessionStore::openForWriting(path);
    ASSERT_TRUE(store) << store.status().message();
    ASSERT_TRUE(store.value()->writeRun(syntheticRun("s0-baseline", 2)));
    ASSERT_EQ(std::rename(path.c_str(), (path + ".moved").c_str()), 0);
    {
        std::ofstream(path) << "someone else's file";
    }

    ASSERT_TRUE(store.value()->writeRun(syntheticRun("s2-device-pre-post", 2)));
    const std::string recovered = store.value()->path();
    EXPECT_NE(recovered, path) << "the other file at the path is left alone";
    store.value().reset();
    EXPECT_EQ(runsIn(recovered), 2u);
    EXPECT_EQ(runsIn(path + ".moved"), 1u) << "the moved file keeps its run";
    std::ifstream other(path);
    std::string text;
    std::getline(other, text);
    EXPECT_EQ(text, "someone else's file");
    for (const std::string& file : { path, path + ".moved", recovered })
        std::remove(file.c_str());
}

TEST(SessionFaults, LockHeldByAnotherProcessFailsClearlyAndKeepsRuns)
{
    const std::string path = tempSession("locked");
    auto store = SessionStore::openForWriting(path);
    ASSERT_TRUE(store) << store.status().message();
    ASSERT_TRUE(store.value()->writeRun(syntheticRun("s0-baseline", 2)));

    sqlite3* other = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
    const auto started = std::chrono::steady_clock::now();
    auto locked = store.value()->writeRun(syntheticRun("s1-cpu-postprocess", 2));
    const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    ASSERT_FALSE(locked);
    EXPECT_EQ(locked.status().code(), StatusCode::Unavailable);
    EXPECT_NE(locked.status().message().find("locked by another process"), std::string::npos)
        << locked.status().message();
    EXPECT_NE(locked.status().message().find(path), std::string::npos);
    EXPECT_GE(waited, 4.0) << "a writer waits for a short lock before giving up";
    sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(other);

    // Once the other process lets go, the same store writes again.
    ASSERT_TRUE(store.value()->writeRun(syntheticRun("s2-device-pre-post", 2)));
    store.value().reset();
    EXPECT_EQ(runsIn(path), 2u);
    std::remove(path.c_str());
}

TEST(SessionFaults, FullDiskFailsTheRunAndKeepsTheOnesBefore)
{
    const std::string path = tempSession("full");
    auto store = SessionStore::openForWriting(path);
    ASSERT_TRUE(store) << store.status().message();
    ASSERT_TRUE(store.value()->writeRun(syntheticRun("s0-baseline", 4)));
    struct stat info;
    ASSERT_EQ(stat(path.c_str(), &info), 0);
    Result<int64_t> big = Status(StatusCode::Internal, "not run");
    {
        // Room for a few pages more, not for a run of 20000 frames.
        const FileSizeLimit limit(rlim_t(info.st_size) + 3 * 65536);
        big = store.value()->writeRun(syntheticRun("s1-cpu-postprocess", 20000));
    }
    ASSERT_FALSE(big);
    EXPECT_NE(big.status().message().find("disk is full"), std::string::npos) << big.status().message();
    EXPECT_NE(big.status().message().find(path), std::string::npos);
    EXPECT_NE(big.status().message().find("kept"), std::string::npos);

    // Space again: the same store goes on, and the file holds the first run and the new one, nothing half-written.
    ASSERT_TRUE(store.value()->writeRun(syntheticRun("s2-device-pre-post", 4)));
    store.value().reset();
    EXPECT_FALSE(exists(path + "-journal"));
    auto reread = SessionStore::openForReading(path);
    ASSERT_TRUE(reread) << reread.status().message();
    auto runs = reread.value()->runs();
    ASSERT_TRUE(runs);
    ASSERT_EQ(runs->size(), 2u);
    EXPECT_EQ((*runs)[0].record.step, "s0-baseline");
    EXPECT_EQ((*runs)[1].record.step, "s2-device-pre-post");
    std::remove(path.c_str());
}

TEST(SessionFaults, ReadOnlyFolderIsRefusedWithTheFix)
{
    namespace fs = std::filesystem;
    const fs::path folder = testing::TempDir() + "/es_faults_readonly_" + std::to_string(getpid());
    fs::create_directories(folder);
    fs::permissions(folder,
        fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read | fs::perms::group_exec
            | fs::perms::others_read | fs::perms::others_exec);
    const std::string path = (folder / "lab.sqlite").string();
    // root ignores permissions: the child drops to nobody first, as a user running the lab would be.
    EXPECT_EXIT(
        {
            if (getuid() == 0 && setuid(65534) != 0)
                _exit(4);
            auto store = SessionStore::openForWriting(path);
            if (store)
                _exit(5);
            fprintf(stderr, "%s\n", store.status().message().c_str());
            _exit(3);
        },
        testing::ExitedWithCode(3), "cannot open .*lab.sqlite for writing.*writable");
    fs::permissions(folder, fs::perms::owner_all);
    fs::remove_all(folder);
}
