// SPDX-License-Identifier: Apache-2.0
// The weights cache (edgescope/engine/weights_cache.h): SHA-256 against FIPS 180-4's vectors, the cache folder, names
// and paths, and fetches from a real HTTP server on 127.0.0.1 (tests/data/http/serve.py): a download, a resume after
// a cut, a server that ignores ranges, a wrong checksum, a 404, a time-out, a refused connection, a proxy, a cancel.
#include "edgescope/engine/model_bench.h"
#include "edgescope/engine/weights_cache.h"
#include "es_config.h"
#include "fetch/sha256.h"
#include "local_http_server.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace es;
using namespace es::engine;
using es::test_support::LocalHttpServer;

namespace {

std::string readFile(const std::string& path)
{
    std::ifstream file(path, std::ios::binary);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

void writeFile(const std::string& path, const std::string& bytes)
{
    std::ofstream(path, std::ios::binary) << bytes;
}

bool exists(const std::string& path)
{
    return std::filesystem::exists(path);
}

/// Sets an environment variable for the life of the object and puts the old value back.
class ScopedEnv
{
public:
    ScopedEnv(const char* name, const char* value) : m_name(name)
    {
        if (const char* old = std::getenv(name))
            m_old = old;
        value ? ::setenv(name, value, 1) : ::unsetenv(name);
    }
    ~ScopedEnv() { m_old ? ::setenv(m_name, m_old->c_str(), 1) : ::unsetenv(m_name); }

private:
    const char* m_name;
    std::optional<std::string> m_old;
};

/// Each test: its own folder with XDG_CACHE_HOME in it (an empty cache) and a 300 kB fixture served from www/.
class WeightsFetch : public ::testing::Test
{
protected:
    void SetUp() override
    {
        m_dir = testing::TempDir() + "/es_weights_" + std::to_string(::getpid()) + "_"
            + testing::UnitTest::GetInstance()->current_test_info()->name();
        std::filesystem::remove_all(m_dir);
        std::filesystem::create_directories(m_dir + "/www");
        m_xdg.emplace("XDG_CACHE_HOME", (m_dir + "/cache").c_str());
        m_proxy.emplace("http_proxy", nullptr);
        for (int i = 0; i < 300000; ++i)
            m_bytes += char((uint32_t(i) * 7919u + uint32_t(i) / 251u) & 0xffu);
        writeFile(m_dir + "/www/fixture.bin", m_bytes);
    }

    void TearDown() override
    {
        m_xdg.reset();
        m_proxy.reset();
        std::filesystem::remove_all(m_dir);
    }

    /// The server, or the reason the test is skipped.
    bool startServer(const std::vector<std::string>& extra = {})
    {
        if (!ES_HAS_CURL)
            return false;
        m_server.emplace(m_dir + "/www", extra);
        return m_server->ok();
    }

    std::string ssdPath() const { return m_dir + "/cache/edgescope/weights/nvidia_ssdpyt_amp_200703.pt"; }

    FetchOptions from(const std::string& mode, const std::string& name = "fixture.bin") const
    {
        FetchOptions options;
        options.url = m_server->url(mode, name);
        options.timeoutSeconds = 10;
        return options;
    }

    std::string m_dir;
    std::string m_bytes;
    std::optional<ScopedEnv> m_xdg, m_proxy;
    std::optional<LocalHttpServer> m_server;
};

#define START_SERVER_OR_SKIP(...)                                                                                      \
    if (!startServer(__VA_ARGS__))                                                                                     \
    GTEST_SKIP() << (ES_HAS_CURL ? "serve.py did not start: " + m_server->error() : std::string("no libcurl"))

} // namespace

TEST(Sha256, StandardVectors)
{
    // FIPS 180-4 examples (NIST's SHA256.pdf, SHA256ShortMsg) and the million 'a' of the NESSIE set.
    EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    EXPECT_EQ(
        sha256Hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
                  "mnopqrstnopqrstu"),
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
    EXPECT_EQ(sha256Hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, PiecesAndFilesAgreeWithOneShot)
{
    std::string bytes;
    for (int i = 0; i < 1000; ++i)
        bytes += char(i * 31);
    for (size_t length : { 0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000 }) {
        const std::string part = bytes.substr(0, length);
        Sha256 pieces;
        for (size_t at = 0, step = 1; at < length; at += step, step = step * 2 + 1)
            pieces.update(part.data() + at, std::min(step, length - at));
        EXPECT_EQ(pieces.hexDigest(), sha256Hex(part)) << length << " bytes";
    }
    const std::string path = testing::TempDir() + "/es_sha256_" + std::to_string(::getpid());
    writeFile(path, bytes);
    auto hash = sha256OfFile(path);
    ASSERT_TRUE(hash) << hash.status().message();
    EXPECT_EQ(hash.value(), sha256Hex(bytes));
    std::remove(path.c_str());
    EXPECT_EQ(sha256OfFile(path).status().code(), StatusCode::NotFound);
    EXPECT_TRUE(isSha256Hex(sha256Hex("x")));
    EXPECT_FALSE(isSha256Hex("0676ba61"));
}

TEST(WeightsCacheDir, XdgCacheHomeThenHome)
{
    {
        const ScopedEnv xdg("XDG_CACHE_HOME", "/srv/cache");
        EXPECT_EQ(weightsCacheDir(), "/srv/cache/edgescope/weights");
    }
    const ScopedEnv home("HOME", "/home/student");
    {
        const ScopedEnv xdg("XDG_CACHE_HOME", nullptr);
        EXPECT_EQ(weightsCacheDir(), "/home/student/.cache/edgescope/weights");
    }
    {
        const ScopedEnv xdg("XDG_CACHE_HOME", "");
        EXPECT_EQ(weightsCacheDir(), "/home/student/.cache/edgescope/weights");
    }
    {
        const ScopedEnv xdg("XDG_CACHE_HOME", "relative/cache"); // the XDG spec ignores a relative path
        EXPECT_EQ(weightsCacheDir(), "/home/student/.cache/edgescope/weights");
    }
}

TEST(WeightsSources, NamesModelsAndAliases)
{
    ASSERT_EQ(weightsSources().size(), 6u);
    for (const WeightsSource& source : weightsSources()) {
        auto model = parseModelList(source.model);
        ASSERT_TRUE(model) << source.name << ": " << model.status().message();
        EXPECT_EQ(model->front(), source.model);
        EXPECT_EQ(findWeightsSource(source.name), &source);
        EXPECT_FALSE(source.fileName.empty());
        EXPECT_FALSE(source.publisher.empty());
        if (!source.sha256Prefix.empty()) {
            EXPECT_NE(source.fileName.find(source.sha256Prefix), std::string::npos) << source.fileName;
        }
        EXPECT_TRUE(source.url.empty() || source.url.rfind("https://", 0) == 0) << source.url;
    }
    EXPECT_EQ(findWeightsSource("SSD")->name, "ssd300");
    EXPECT_EQ(findWeightsSource("yolo")->name, "yolov3-tiny");
    EXPECT_EQ(findWeightsSource("pose")->name, "pose-resnet50");
    EXPECT_EQ(findWeightsSource("deeplabv3")->name, "deeplabv3-mobilenetv2");
    EXPECT_EQ(findWeightsSource("mobilenet_v2")->name, "mobilenetv2");
    EXPECT_EQ(findWeightsSource("resnet50")->fileName, "resnet50-0676ba61.pth");
    EXPECT_EQ(findWeightsSource("vgg16"), nullptr);
}

TEST_F(WeightsFetch, ResolvesNamesPathsAndUnknowns)
{
    auto notFetched = resolveWeights("ssd300");
    ASSERT_FALSE(notFetched);
    EXPECT_EQ(notFetched.status().code(), StatusCode::NotFound);
    EXPECT_NE(notFetched.status().message().find("edgescope-cli weights fetch ssd300"), std::string::npos);
    EXPECT_NE(notFetched.status().message().find(m_dir + "/cache/edgescope/weights"), std::string::npos);
    EXPECT_NE(notFetched.status().message().find("docs/weights.md"), std::string::npos);

    auto unknown = resolveWeights(m_dir + "/nothing.pt");
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.status().code(), StatusCode::NotFound);
    EXPECT_NE(unknown.status().message().find("nothing.pt"), std::string::npos);
    EXPECT_NE(unknown.status().message().find("ssd300, yolov3-tiny"), std::string::npos);

    auto path = resolveWeights(m_dir + "/www/fixture.bin");
    ASSERT_TRUE(path) << path.status().message();
    EXPECT_EQ(path.value(), m_dir + "/www/fixture.bin");

    // The manual route: a file copied into the cache by hand is found by name and by alias.
    std::filesystem::create_directories(m_dir + "/cache/edgescope/weights");
    writeFile(ssdPath(), m_bytes);
    EXPECT_EQ(cachedWeights("ssd"), ssdPath());
    auto byName = resolveWeights("ssd300");
    ASSERT_TRUE(byName) << byName.status().message();
    EXPECT_EQ(byName.value(), ssdPath());
    // A darknet file of the wrong size is not complete.
    writeFile(m_dir + "/cache/edgescope/weights/yolov3-tiny.weights", "short");
    EXPECT_FALSE(cachedWeights("yolo"));
}

TEST_F(WeightsFetch, VerifiesSizeAndChecksum)
{
    WeightsSource source = *findWeightsSource("ssd300");
    const std::string file = m_dir + "/www/fixture.bin";
    EXPECT_TRUE(verifyWeights(file, source).isOk()) << "nothing published: nothing to refuse";
    source.sha256 = sha256Hex(m_bytes);
    EXPECT_TRUE(verifyWeights(file, source).isOk());
    source.sha256 = sha256Hex("other");
    EXPECT_EQ(verifyWeights(file, source).code(), StatusCode::CorruptData);
    source = *findWeightsSource("resnet50");
    const Status prefix = verifyWeights(file, source);
    EXPECT_EQ(prefix.code(), StatusCode::CorruptData);
    EXPECT_NE(prefix.message().find("0676ba61"), std::string::npos) << prefix.message();
    source = *findWeightsSource("yolov3-tiny");
    const Status size = verifyWeights(file, source);
    EXPECT_EQ(size.code(), StatusCode::CorruptData);
    EXPECT_NE(size.message().find("35434956"), std::string::npos) << size.message();
    EXPECT_EQ(verifyWeights(m_dir + "/none", source).code(), StatusCode::NotFound);
}

TEST_F(WeightsFetch, RefusesBadOptionsAndNamesWithoutAddress)
{
    FetchOptions options;
    options.sha256 = "xyz";
    EXPECT_EQ(fetchWeights("ssd300", options).status().option(), "sha256");
    options = {};
    options.url = "ftp://127.0.0.1/x";
    EXPECT_EQ(fetchWeights("ssd300", options).status().option(), "url");
    options = {};
    options.timeoutSeconds = 0;
    EXPECT_EQ(fetchWeights("ssd300", options).status().option(), "timeout");
    EXPECT_EQ(fetchWeights("vgg16", {}).status().code(), StatusCode::InvalidArgument);
    auto pose = fetchWeights("pose", {});
    ASSERT_FALSE(pose);
    EXPECT_EQ(pose.status().code(), StatusCode::Unsupported);
    EXPECT_NE(pose.status().message().find("no stable public address"), std::string::npos);
    EXPECT_NE(pose.status().message().find("--url"), std::string::npos);
}

TEST_F(WeightsFetch, DownloadsChecksAndRenamesIntoPlace)
{
    START_SERVER_OR_SKIP();
    FetchOptions options = from("ok");
    int64_t lastDone = -1, lastTotal = -1;
    options.progress = [&](int64_t done, int64_t total) {
        EXPECT_GE(done, lastDone);
        lastDone = done;
        lastTotal = total;
    };
    auto fetched = fetchWeights("ssd300", options);
    ASSERT_TRUE(fetched) << fetched.status().message();
    EXPECT_EQ(fetched->path, ssdPath());
    EXPECT_EQ(fetched->url, options.url);
    EXPECT_EQ(fetched->bytes, int64_t(m_bytes.size()));
    EXPECT_EQ(fetched->resumedFrom, 0);
    EXPECT_EQ(fetched->sha256, sha256Hex(m_bytes));
    EXPECT_FALSE(fetched->alreadyCached);
    EXPECT_EQ(readFile(ssdPath()), m_bytes);
    EXPECT_FALSE(exists(ssdPath() + ".partial"));
    EXPECT_EQ(lastDone, int64_t(m_bytes.size()));
    EXPECT_EQ(lastTotal, int64_t(m_bytes.size()));
    ASSERT_FALSE(fetched->notes.empty());
    EXPECT_NE(fetched->notes.back().find("no checksum"), std::string::npos) << fetched->notes.back();
    EXPECT_EQ(cachedWeights("ssd300"), ssdPath());
    EXPECT_EQ(resolveWeights("ssd300").value(), ssdPath());
}

TEST_F(WeightsFetch, ChecksAGivenChecksumAndFollowsRedirects)
{
    START_SERVER_OR_SKIP();
    FetchOptions options = from("redirect");
    options.sha256 = sha256Hex(m_bytes);
    auto fetched = fetchWeights("resnet50", options); // --sha256 replaces the file name's prefix
    ASSERT_TRUE(fetched) << fetched.status().message();
    EXPECT_EQ(fetched->path, m_dir + "/cache/edgescope/weights/resnet50-0676ba61.pth");
    EXPECT_NE(fetched->notes.back().find("SHA-256 matches"), std::string::npos) << fetched->notes.back();
    EXPECT_EQ(m_server->requests().size(), 2u);
}

TEST_F(WeightsFetch, ResumesAfterTheServerCutTheConnection)
{
    START_SERVER_OR_SKIP({ "--cut-after", "100000" });
    auto first = fetchWeights("ssd300", from("cut"));
    ASSERT_FALSE(first);
    EXPECT_EQ(first.status().code(), StatusCode::IoError);
    EXPECT_NE(first.status().message().find(from("cut").url), std::string::npos) << first.status().message();
    EXPECT_NE(first.status().message().find("weights fetch ssd300` again resumes"), std::string::npos);
    EXPECT_EQ(std::filesystem::file_size(ssdPath() + ".partial"), 100000u);
    EXPECT_FALSE(exists(ssdPath()));

    auto second = fetchWeights("ssd300", from("cut"));
    ASSERT_TRUE(second) << second.status().message();
    EXPECT_EQ(second->resumedFrom, 100000);
    EXPECT_EQ(second->bytes, int64_t(m_bytes.size()));
    EXPECT_EQ(readFile(ssdPath()), m_bytes);
    EXPECT_FALSE(exists(ssdPath() + ".partial"));
    const auto requests = m_server->requests();
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_TRUE(requests[0]["range"].is_null());
    EXPECT_EQ(requests[1]["range"], "bytes=100000-");
}

TEST_F(WeightsFetch, StartsOverWhenTheServerIgnoresTheRange)
{
    START_SERVER_OR_SKIP();
    std::filesystem::create_directories(m_dir + "/cache/edgescope/weights");
    writeFile(ssdPath() + ".partial", std::string(5000, 'x'));
    auto fetched = fetchWeights("ssd300", from("norange"));
    ASSERT_TRUE(fetched) << fetched.status().message();
    EXPECT_EQ(fetched->resumedFrom, 0);
    EXPECT_EQ(readFile(ssdPath()), m_bytes);
    EXPECT_NE(fetched->notes.front().find("ignored the range"), std::string::npos) << fetched->notes.front();
    EXPECT_EQ(m_server->requests().at(0)["range"], "bytes=5000-");
}

TEST_F(WeightsFetch, TakesACompletePartialFileAndRestartsAnOverlongOne)
{
    START_SERVER_OR_SKIP();
    std::filesystem::create_directories(m_dir + "/cache/edgescope/weights");
    // The whole file already in the partial file (a fetch that ended before its rename): HTTP 416, then checked.
    // (A libcurl that hands over no header of the 416 answer, before 7.85, cannot tell: it starts over and says so.)
    writeFile(ssdPath() + ".partial", m_bytes);
    auto complete = fetchWeights("ssd300", from("ok"));
    ASSERT_TRUE(complete) << complete.status().message();
    const bool sizeUnknown = complete->resumedFrom == 0;
    if (sizeUnknown) {
        ASSERT_FALSE(complete->notes.empty());
        EXPECT_NE(complete->notes.front().find("did not say the file's size"), std::string::npos);
    } else {
        EXPECT_EQ(complete->resumedFrom, int64_t(m_bytes.size()));
    }
    EXPECT_EQ(readFile(ssdPath()), m_bytes);
    EXPECT_EQ(m_server->requests().at(0)["range"], "bytes=300000-");
    // A partial file longer than the server's file: started over.
    std::filesystem::remove(ssdPath());
    writeFile(ssdPath() + ".partial", m_bytes + "trailing bytes");
    auto overlong = fetchWeights("ssd300", from("ok"));
    ASSERT_TRUE(overlong) << overlong.status().message();
    EXPECT_EQ(overlong->resumedFrom, 0);
    EXPECT_EQ(readFile(ssdPath()), m_bytes);
    EXPECT_EQ(m_server->requests().size(), sizeUnknown ? 4u : 3u);
    EXPECT_TRUE(m_server->requests().back()["range"].is_null());
}

TEST_F(WeightsFetch, RefusesAWrongChecksumAndRemovesThePartialFile)
{
    START_SERVER_OR_SKIP();
    FetchOptions options = from("wrong");
    options.sha256 = sha256Hex(m_bytes);
    auto fetched = fetchWeights("ssd300", options);
    ASSERT_FALSE(fetched);
    EXPECT_EQ(fetched.status().code(), StatusCode::CorruptData);
    EXPECT_NE(fetched.status().message().find(sha256Hex(m_bytes)), std::string::npos) << fetched.status().message();
    EXPECT_NE(fetched.status().message().find("partial file was removed"), std::string::npos);
    EXPECT_FALSE(exists(ssdPath() + ".partial"));
    EXPECT_FALSE(exists(ssdPath()));

    // torchvision's file-name prefix is checked without --sha256 (a mirror of the same file).
    auto prefixed = fetchWeights("resnet50", from("ok"));
    ASSERT_FALSE(prefixed);
    EXPECT_EQ(prefixed.status().code(), StatusCode::CorruptData);
    EXPECT_NE(prefixed.status().message().find("0676ba61"), std::string::npos) << prefixed.status().message();
    EXPECT_FALSE(exists(m_dir + "/cache/edgescope/weights/resnet50-0676ba61.pth.partial"));
}

TEST_F(WeightsFetch, NamesTheAddressOfA404)
{
    START_SERVER_OR_SKIP();
    const FetchOptions options = from("ok", "missing.pt");
    auto fetched = fetchWeights("ssd300", options);
    ASSERT_FALSE(fetched);
    EXPECT_EQ(fetched.status().code(), StatusCode::NotFound);
    EXPECT_NE(fetched.status().message().find("not found at " + options.url), std::string::npos)
        << fetched.status().message();
    EXPECT_NE(fetched.status().message().find("404"), std::string::npos);
    EXPECT_FALSE(exists(ssdPath()));
}

TEST_F(WeightsFetch, TimesOutOnAStalledServer)
{
    START_SERVER_OR_SKIP({ "--stall-seconds", "20" });
    FetchOptions options = from("stall");
    options.timeoutSeconds = 1;
    const auto start = std::chrono::steady_clock::now();
    auto fetched = fetchWeights("ssd300", options);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_FALSE(fetched);
    EXPECT_LT(seconds, 8.0);
    EXPECT_GE(seconds, 0.9);
    EXPECT_EQ(fetched.status().code(), StatusCode::Unavailable);
    EXPECT_NE(fetched.status().message().find(options.url), std::string::npos) << fetched.status().message();
    EXPECT_NE(fetched.status().message().find("1 s"), std::string::npos);
    EXPECT_FALSE(exists(ssdPath()));
}

TEST_F(WeightsFetch, ConnectionRefusedNamesTheAddressAndTheManualRoute)
{
    if (!ES_HAS_CURL)
        GTEST_SKIP() << "no libcurl";
    FetchOptions options;
    options.url = "http://127.0.0.1:" + std::to_string(es::test_support::closedLocalPort()) + "/ok/fixture.bin";
    auto fetched = fetchWeights("ssd300", options);
    ASSERT_FALSE(fetched);
    const std::string& message = fetched.status().message();
    EXPECT_EQ(fetched.status().code(), StatusCode::Unavailable);
    EXPECT_NE(message.find("cannot connect to " + options.url), std::string::npos) << message;
    EXPECT_NE(message.find("without a network here"), std::string::npos) << message;
    EXPECT_NE(message.find("copy its cache folder"), std::string::npos) << message;
    EXPECT_NE(message.find(m_dir + "/cache/edgescope/weights"), std::string::npos) << message;
    EXPECT_NE(message.find("docs/weights.md"), std::string::npos) << message;
}

TEST_F(WeightsFetch, DoesNotDownloadAVerifiedCachedFileAgain)
{
    START_SERVER_OR_SKIP();
    FetchOptions options = from("ok");
    options.sha256 = sha256Hex(m_bytes);
    ASSERT_TRUE(fetchWeights("ssd300", options));
    auto again = fetchWeights("ssd300", options);
    ASSERT_TRUE(again) << again.status().message();
    EXPECT_TRUE(again->alreadyCached);
    EXPECT_EQ(again->sha256, sha256Hex(m_bytes));
    EXPECT_EQ(m_server->requests().size(), 1u);

    // A cached file that no longer matches is downloaded again, and said so.
    writeFile(ssdPath(), "damaged");
    auto repaired = fetchWeights("ssd300", options);
    ASSERT_TRUE(repaired) << repaired.status().message();
    EXPECT_FALSE(repaired->alreadyCached);
    EXPECT_EQ(readFile(ssdPath()), m_bytes);
    EXPECT_NE(repaired->notes.front().find("downloaded again"), std::string::npos);
    EXPECT_EQ(m_server->requests().size(), 2u);
}

TEST_F(WeightsFetch, UsesTheProxyOfTheEnvironmentButNeverForLoopback)
{
    START_SERVER_OR_SKIP();
    {
        // A proxy that refuses: a loopback address is still reached directly.
        const ScopedEnv proxy(
            "http_proxy", ("http://127.0.0.1:" + std::to_string(test_support::closedLocalPort())).c_str());
        auto direct = fetchWeights("ssd300", from("ok"));
        ASSERT_TRUE(direct) << direct.status().message();
    }
    // The local server as the proxy of a host that does not exist: the request goes to it in absolute form.
    const ScopedEnv proxy("http_proxy", ("http://127.0.0.1:" + std::to_string(m_server->port())).c_str());
    FetchOptions options;
    options.url = "http://weights.example.invalid/ok/fixture.bin";
    auto proxied = fetchWeights("deeplabv3", options);
    ASSERT_TRUE(proxied) << proxied.status().message();
    EXPECT_EQ(readFile(proxied->path), m_bytes);
    EXPECT_EQ(m_server->requests().back()["path"], options.url);
}

TEST_F(WeightsFetch, CancelStopsTheTransferAtOnce)
{
    START_SERVER_OR_SKIP({ "--stall-seconds", "20" });
    std::atomic<bool> cancel { false };
    FetchOptions options = from("stall");
    options.cancel = &cancel;
    std::thread stopper([&cancel] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        cancel = true;
    });
    const auto start = std::chrono::steady_clock::now();
    auto fetched = fetchWeights("ssd300", options);
    stopper.join();
    ASSERT_FALSE(fetched);
    EXPECT_EQ(fetched.status().code(), StatusCode::Cancelled) << fetched.status().message();
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 5.0);
}

TEST_F(WeightsFetch, WithoutLibcurlSaysSoAndGivesTheManualRoute)
{
    if (ES_HAS_CURL)
        GTEST_SKIP() << "this build has libcurl";
    auto fetched = fetchWeights("ssd300", {});
    ASSERT_FALSE(fetched);
    EXPECT_EQ(fetched.status().code(), StatusCode::Unsupported);
    EXPECT_NE(fetched.status().message().find("no libcurl"), std::string::npos);
    EXPECT_NE(fetched.status().message().find("copy its cache folder"), std::string::npos);
}
