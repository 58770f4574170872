// SPDX-License-Identifier: Apache-2.0
// Faults during a real edgescope-cli run: SIGINT and SIGTERM, the session removed or locked, the disk (file size
// limit) filling up, a read-only output folder, a video that ends early. Each ends with a clear message, keeps the
// runs finished before it, and leaves a session that opens.
#include "store/session_store.h"
#include "video/y4m.h"

#include <sqlite3.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace es;

namespace {

constexpr uid_t kNobody = 65534; ///< the user a test runs the CLI as when it runs as root

std::string tempPath(const std::string& name)
{
    const std::string path = testing::TempDir() + "/es_cli_faults_" + std::to_string(getpid()) + "_" + name;
    std::remove(path.c_str());
    std::remove((path + "-journal").c_str());
    return path;
}

/// How the child CLI process is started: limits and the user it runs as.
struct ChildSetup
{
    rlim_t fileSizeLimit = RLIM_INFINITY;
    bool dropRoot = false; ///< run as nobody when the test runs as root (permissions apply)
    std::string program = ES_CLI_PATH; ///< the edgescope-cli to run
};

/// A running edgescope-cli with its stderr in a file.
struct Child
{
    pid_t pid = -1;
    std::string stderrPath;

    int wait()
    {
        int status = 0;
        waitpid(pid, &status, 0);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::string messages() const
    {
        std::ifstream file(stderrPath);
        std::stringstream text;
        text << file.rdbuf();
        return text.str();
    }
};

Child spawn(std::vector<std::string> arguments, const std::string& name, ChildSetup setup = {})
{
    Child child;
    child.stderrPath = tempPath(name + ".stderr");
    arguments.insert(arguments.begin(), setup.program);
    child.pid = fork();
    if (child.pid == 0) {
        const int err = open(child.stderrPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
        dup2(err, STDERR_FILENO);
        const int null = open("/dev/null", O_WRONLY);
        dup2(null, STDOUT_FILENO);
        if (setup.fileSizeLimit != RLIM_INFINITY) {
            rlimit limit { setup.fileSizeLimit, setup.fileSizeLimit };
            setrlimit(RLIMIT_FSIZE, &limit);
        }
        if (setup.dropRoot && getuid() == 0 && setuid(kNobody) != 0)
            _exit(126);
        std::vector<char*> argv;
        for (auto& argument : arguments)
            argv.push_back(argument.data());
        argv.push_back(nullptr);
        setenv("OMP_NUM_THREADS", "1", 1);
        execv(argv[0], argv.data());
        _exit(127);
    }
    return child;
}

/// Runs in the session, or -1 when it does not open.
int runsIn(const std::string& path)
{
    auto store = prof::SessionStore::openForReading(path);
    if (!store)
        return -1;
    auto runs = store.value()->runs();
    return runs ? int(runs->size()) : -1;
}

/// Waits until the session being written holds `count` runs (polling, read-only).
bool waitForRuns(const std::string& path, int count, double seconds = 240)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
        if (runsIn(path) >= count)
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

bool exists(const std::string& path)
{
    struct stat info;
    return stat(path.c_str(), &info) == 0;
}

/// The lab on small synthetic frames: each step takes a second or two.
std::vector<std::string> smallLab(const std::string& session, const std::string& steps = "all")
{
    return { "run", "--synthetic", "96x96", "--steps", steps, "--frames", "3", "--warmup", "0", "--threads", "1",
        "--no-detector-only", "--out", session };
}

void expectStoppedBySignal(int signalNumber, const std::string& name)
{
    const std::string session = tempPath(name + ".sqlite");
    Child child = spawn(smallLab(session), name);
    ASSERT_TRUE(waitForRuns(session, 1)) << child.messages();
    kill(child.pid, signalNumber);
    const int code = child.wait();
    EXPECT_EQ(code, 128 + signalNumber) << child.messages();
    const std::string messages = child.messages();
    EXPECT_NE(messages.find(signalNumber == SIGINT ? "stopped by SIGINT" : "stopped by SIGTERM"), std::string::npos)
        << messages;
    EXPECT_NE(messages.find("is closed and holds"), std::string::npos) << messages;
    const int runs = runsIn(session);
    EXPECT_GE(runs, 1);
    EXPECT_LT(runs, 5) << "the lab stopped before its last step";
    EXPECT_FALSE(exists(session + "-journal")) << "the session was closed cleanly";
}

} // namespace

TEST(CliFaults, SigintStopsAfterTheBatchAndClosesTheSession)
{
    expectStoppedBySignal(SIGINT, "sigint");
}

TEST(CliFaults, SigtermStopsAfterTheBatchAndClosesTheSession)
{
    expectStoppedBySignal(SIGTERM, "sigterm");
}

TEST(CliFaults, SessionRemovedDuringTheRunIsWrittenAgain)
{
    const std::string session = tempPath("removed.sqlite");
    Child child = spawn(smallLab(session, "0,1,2"), "removed");
    ASSERT_TRUE(waitForRuns(session, 1)) << child.messages();
    ASSERT_EQ(std::remove(session.c_str()), 0);
    EXPECT_EQ(child.wait(), 0) << child.messages();
    EXPECT_NE(child.messages().find("was removed or moved during the run"), std::string::npos) << child.messages();
    EXPECT_EQ(runsIn(session), 3) << "the run written before the removal is back, with the ones after it";
}

TEST(CliFaults, LockedSessionFailsClearlyAndKeepsItsRuns)
{
    const std::string session = tempPath("locked.sqlite");
    ASSERT_EQ(spawn(smallLab(session, "2"), "locked-first").wait(), 0);
    ASSERT_EQ(runsIn(session), 1);
    sqlite3* other = nullptr;
    ASSERT_EQ(sqlite3_open(session.c_str(), &other), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
    Child child = spawn(smallLab(session, "2"), "locked");
    const int code = child.wait();
    sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(other);
    EXPECT_EQ(code, 1) << child.messages();
    EXPECT_NE(child.messages().find("is locked by another process"), std::string::npos) << child.messages();
    EXPECT_EQ(runsIn(session), 1);
}

TEST(CliFaults, FullDiskEndsTheRunWithAMessageAndKeepsEarlierRuns)
{
    // With operators recorded, the baseline's run takes tens of MB and each later step several more.
    auto fullLab = [](const std::string& session, const std::string& steps) {
        auto arguments = smallLab(session, steps);
        arguments.insert(arguments.end(), { "--profile", "full" });
        return arguments;
    };
    const std::string reference = tempPath("full-reference.sqlite");
    ASSERT_EQ(spawn(fullLab(reference, "0"), "full-reference").wait(), 0);
    struct stat info;
    ASSERT_EQ(stat(reference.c_str(), &info), 0);
    std::remove(reference.c_str());
    // Room for the first step's run and a little more, not for five.
    const std::string session = tempPath("full.sqlite");
    ChildSetup setup;
    setup.fileSizeLimit = rlim_t(info.st_size) + (rlim_t(3) << 20);
    Child child = spawn(fullLab(session, "all"), "full", setup);
    const int code = child.wait();
    EXPECT_EQ(code, 1) << child.messages();
    EXPECT_NE(child.messages().find("the disk is full"), std::string::npos) << child.messages();
    EXPECT_NE(child.messages().find(session), std::string::npos) << child.messages();
    const int runs = runsIn(session);
    EXPECT_GE(runs, 1) << child.messages();
    EXPECT_LT(runs, 5);
    EXPECT_FALSE(exists(session + "-journal"));
}

/// A copy of edgescope-cli that user nobody can run, in a folder of its own (removed with it): the build's own binary
/// may sit in a checkout that only its owner may enter (a clone under /root, or in a mktemp -d folder). Empty, with
/// the reason in `why`, when nobody cannot run even the copy (a noexec /tmp, say).
struct CliForNobody
{
    std::filesystem::path folder;
    std::string program;
    std::string why;

    CliForNobody()
    {
        namespace fs = std::filesystem;
        std::string pattern = (fs::temp_directory_path() / "es_cli_nobody_XXXXXX").string();
        if (!mkdtemp(pattern.data())) {
            why = "cannot make a folder in " + fs::temp_directory_path().string() + ": " + std::strerror(errno);
            return;
        }
        folder = pattern;
        std::error_code error;
        fs::permissions(folder,
            fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read
                | fs::perms::others_exec,
            error);
        const fs::path copy = folder / "edgescope-cli";
        if (!error)
            fs::copy_file(ES_CLI_PATH, copy, error);
        if (!error)
            fs::permissions(copy,
                fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read
                    | fs::perms::others_exec,
                error);
        if (error) {
            why = "cannot copy " + std::string(ES_CLI_PATH) + " to " + copy.string() + ": " + error.message();
            return;
        }
        ChildSetup setup;
        setup.dropRoot = true;
        setup.program = copy.string();
        Child probe = spawn({ "--help" }, "nobody-probe", setup);
        const int code = probe.wait();
        if (code != 0) {
            why = "user nobody cannot run " + copy.string() + " (exit " + std::to_string(code) + "; is "
                + fs::temp_directory_path().string() + " mounted noexec?)";
            return;
        }
        program = copy.string();
    }
    ~CliForNobody()
    {
        std::error_code ignored;
        if (!folder.empty())
            std::filesystem::remove_all(folder, ignored);
    }
};

TEST(CliFaults, ReadOnlyFolderIsRefusedBeforeAnythingIsLost)
{
    namespace fs = std::filesystem;
    // Root writes anywhere: the refusal is seen by an ordinary user. Run as root, the test runs the CLI as nobody;
    // run as any other user, as that user.
    CliForNobody cli;
    if (getuid() == 0 && cli.program.empty())
        GTEST_SKIP() << "the read-only folder needs a user other than root to run edgescope-cli: " << cli.why;
    // Inside the folder of the copy, which user nobody can enter whatever TMPDIR or TEST_TMPDIR say.
    const fs::path folder = getuid() == 0 ? cli.folder / "readonly" : fs::path(tempPath("readonly"));
    fs::remove_all(folder);
    fs::create_directories(folder);
    fs::permissions(folder,
        fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read | fs::perms::group_exec
            | fs::perms::others_read | fs::perms::others_exec);
    const std::string session = (folder / "lab.sqlite").string();
    ChildSetup setup;
    setup.dropRoot = true;
    if (getuid() == 0)
        setup.program = cli.program;
    Child child = spawn(smallLab(session, "2"), "readonly", setup);
    EXPECT_EQ(child.wait(), 1) << child.messages();
    EXPECT_NE(child.messages().find(session), std::string::npos) << child.messages();
    EXPECT_NE(child.messages().find("writable"), std::string::npos) << child.messages();
    EXPECT_FALSE(exists(session));
    fs::permissions(folder, fs::perms::owner_all);
    fs::remove_all(folder);
}

TEST(CliFaults, VideoEndingEarlyIsSaidAndTheFramesReadAreUsed)
{
    const std::string video = tempPath("early.y4m");
    {
        auto writer = engine::Y4mWriter::create(video, 64, 48, 25, 1);
        ASSERT_TRUE(writer) << writer.status().message();
        engine::Frame frame;
        frame.width = 64;
        frame.height = 48;
        frame.rgb.assign(64 * 48 * 3, 90);
        for (int i = 0; i < 6; ++i)
            ASSERT_TRUE(writer.value()->write(frame).isOk());
        ASSERT_TRUE(writer.value()->close().isOk());
    }
    struct stat info;
    ASSERT_EQ(stat(video.c_str(), &info), 0);
    ASSERT_EQ(truncate(video.c_str(), info.st_size - 1000), 0); // the last frame is cut: a copy that stopped early
    const std::string session = tempPath("early.sqlite");
    Child child = spawn({ "run", "--video", video, "--steps", "2", "--frames", "8", "--warmup", "0", "--threads", "1",
                            "--no-detector-only", "--out", session },
        "early");
    EXPECT_EQ(child.wait(), 0) << child.messages();
    EXPECT_NE(child.messages().find("the video ended early after 5 frames"), std::string::npos) << child.messages();
    EXPECT_NE(child.messages().find("truncated"), std::string::npos) << child.messages();
    EXPECT_EQ(runsIn(session), 1);
}
