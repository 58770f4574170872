// SPDX-License-Identifier: Apache-2.0
#include "edgescope/engine/frame_source.h"
#include "es_config.h"
#include "video/y4m.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <unistd.h>

#if ES_HAS_OPENCV
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#endif

using namespace es;
using namespace es::engine;

namespace {

std::string tempPath(const std::string& name)
{
    return testing::TempDir() + "/es_" + std::to_string(getpid()) + "_" + name;
}

std::vector<Frame> syntheticFrames(int width, int height, int count)
{
    auto source = openSynthetic(width, height, count, 3);
    EXPECT_TRUE(source.isOk());
    std::vector<Frame> frames;
    Frame frame;
    while (source.value()->read(frame).value())
        frames.push_back(frame);
    return frames;
}

double meanAbsoluteDifference(const Frame& a, const Frame& b)
{
    double sum = 0;
    for (size_t i = 0; i < a.rgb.size(); ++i)
        sum += std::abs(int(a.rgb[i]) - int(b.rgb[i]));
    return sum / double(a.rgb.size());
}

void writeBytes(const std::string& path, const std::string& bytes)
{
    std::ofstream file(path, std::ios::binary);
    file << bytes;
}

} // namespace

TEST(SyntheticSource, IsDeterministicAndSized)
{
    const auto first = syntheticFrames(64, 48, 3);
    const auto second = syntheticFrames(64, 48, 3);
    ASSERT_EQ(first.size(), 3u);
    for (size_t i = 0; i < first.size(); ++i) {
        EXPECT_EQ(first[i].width, 64);
        EXPECT_EQ(first[i].height, 48);
        EXPECT_EQ(first[i].rgb.size(), size_t(64 * 48 * 3));
        EXPECT_EQ(first[i].rgb, second[i].rgb);
        EXPECT_EQ(first[i].index, int64_t(i));
    }
    EXPECT_NE(first[0].rgb, first[2].rgb) << "shapes move between frames";
}

TEST(SyntheticSource, RejectsSillySizes)
{
    EXPECT_FALSE(openSynthetic(0, 10).isOk());
    EXPECT_FALSE(openSynthetic(100000, 100).isOk());
    EXPECT_TRUE(parseFrameSize("640x480").isOk());
    EXPECT_EQ(parseFrameSize("320X240").value().second, 240);
    EXPECT_FALSE(parseFrameSize("640").isOk());
    EXPECT_FALSE(parseFrameSize("-3x4").isOk());
    EXPECT_FALSE(parseFrameSize("10x10x").isOk());
}

TEST(Y4m, RoundTrips444And420)
{
    const auto frames = syntheticFrames(64, 48, 4);
    for (bool chroma420 : { false, true }) {
        const std::string path = tempPath(chroma420 ? "rt420.y4m" : "rt444.y4m");
        auto writer = Y4mWriter::create(path, 64, 48, 30, 1, chroma420);
        ASSERT_TRUE(writer.isOk()) << writer.status().message();
        for (const Frame& frame : frames)
            ASSERT_TRUE(writer.value()->write(frame).isOk());
        ASSERT_TRUE(writer.value()->close().isOk());

        auto source = openVideo(path);
        ASSERT_TRUE(source.isOk()) << source.status().message();
        EXPECT_EQ(source.value()->width(), 64);
        EXPECT_EQ(source.value()->height(), 48);
        EXPECT_DOUBLE_EQ(source.value()->fps(), 30.0);
        EXPECT_EQ(source.value()->frameCountHint(), 4);
        Frame frame;
        for (const Frame& expected : frames) {
            ASSERT_TRUE(source.value()->read(frame).value());
            // 4:4:4 loses only rounding; 4:2:0 also averages chroma over 2x2 blocks at shape edges.
            EXPECT_LT(meanAbsoluteDifference(expected, frame), chroma420 ? 6.0 : 1.5);
        }
        EXPECT_FALSE(source.value()->read(frame).value()) << "end of stream after the last frame";
        std::remove(path.c_str());
    }
}

TEST(DecodeFrames, ASourceThatStopsPartWayKeepsItsFramesAndSaysWhy)
{
    // A copy cut short, or a camera unplugged: read() fails after some frames.
    const std::string path = tempPath("cut.y4m");
    auto writer = Y4mWriter::create(path, 64, 48, 30, 1, true);
    ASSERT_TRUE(writer.isOk()) << writer.status().message();
    for (const Frame& frame : syntheticFrames(64, 48, 6))
        ASSERT_TRUE(writer.value()->write(frame).isOk());
    ASSERT_TRUE(writer.value()->close().isOk());
    struct stat info;
    ASSERT_EQ(stat(path.c_str(), &info), 0);
    ASSERT_EQ(truncate(path.c_str(), info.st_size - 100), 0);

    auto decoded = decodeFrames(FrameSpec::fromVideo(path), 10);
    ASSERT_TRUE(decoded.isOk()) << decoded.status().message();
    EXPECT_EQ(decoded->frames.size(), 5u);
    EXPECT_NE(decoded->stopReason.find("frame 5 is truncated"), std::string::npos) << decoded->stopReason;

    auto whole = decodeFrames(FrameSpec::fromSynthetic(64, 48), 3);
    ASSERT_TRUE(whole.isOk());
    EXPECT_TRUE(whole->stopReason.empty()) << "a source that gave every frame has no reason";
    std::remove(path.c_str());
}

TEST(Y4m, RefusesBadFilesClearly)
{
    auto missing = openVideo("/nonexistent/clip.y4m");
    ASSERT_FALSE(missing.isOk());
    EXPECT_EQ(missing.status().code(), StatusCode::NotFound);
    EXPECT_NE(missing.status().message().find("/nonexistent/clip.y4m"), std::string::npos);

    const std::string notY4m = tempPath("junk.y4m");
    writeBytes(notY4m, "this is not a video\n");
    auto junk = openVideo(notY4m);
    ASSERT_FALSE(junk.isOk());
    EXPECT_EQ(junk.status().code(), StatusCode::CorruptData);
    EXPECT_NE(junk.status().message().find("YUV4MPEG2"), std::string::npos);

    const std::string interlaced = tempPath("interlaced.y4m");
    writeBytes(interlaced, "YUV4MPEG2 W16 H16 F25:1 It C420jpeg\n");
    EXPECT_EQ(openVideo(interlaced).status().code(), StatusCode::Unsupported);

    const std::string noFrames = tempPath("empty.y4m");
    writeBytes(noFrames, "YUV4MPEG2 W16 H16 F25:1 Ip C420jpeg\n");
    auto empty = openVideo(noFrames);
    ASSERT_TRUE(empty.isOk());
    Frame frame;
    auto read = empty.value()->read(frame);
    ASSERT_TRUE(read.isOk());
    EXPECT_FALSE(read.value()) << "zero frames: end of stream at once";

    const std::string truncated = tempPath("truncated.y4m");
    writeBytes(truncated, "YUV4MPEG2 W16 H16 F25:1 Ip C420jpeg\nFRAME\n" + std::string(100, '\x80'));
    auto cut = openVideo(truncated);
    ASSERT_TRUE(cut.isOk());
    auto cutRead = cut.value()->read(frame);
    ASSERT_FALSE(cutRead.isOk());
    EXPECT_NE(cutRead.status().message().find("truncated"), std::string::npos);
    for (const auto& path : { notY4m, interlaced, noFrames, truncated })
        std::remove(path.c_str());
}

#if ES_HAS_OPENCV
TEST(OpenCvSource, ReadsAVideoTheTestWrote)
{
    const auto frames = syntheticFrames(160, 120, 10);
    const std::string path = tempPath("written.avi");
    {
        cv::VideoWriter writer(path, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10.0, cv::Size(160, 120));
        ASSERT_TRUE(writer.isOpened());
        for (const Frame& frame : frames) {
            cv::Mat rgb(120, 160, CV_8UC3, const_cast<uint8_t*>(frame.rgb.data())), bgr;
            cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
            writer.write(bgr);
        }
    }
    auto source = openVideo(path);
    ASSERT_TRUE(source.isOk()) << source.status().message();
    EXPECT_EQ(source.value()->width(), 160);
    EXPECT_EQ(source.value()->height(), 120);
    EXPECT_EQ(source.value()->frameCountHint(), 10);
    Frame frame;
    int count = 0;
    while (source.value()->read(frame).value()) {
        EXPECT_LT(meanAbsoluteDifference(frames[size_t(count)], frame), 8.0) << "JPEG keeps the picture, RGB order";
        ++count;
    }
    EXPECT_EQ(count, 10);

    // A truncated copy: no crash; either a clear error or fewer frames.
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string cut = tempPath("truncated.avi");
    writeBytes(cut, bytes.substr(0, bytes.size() / 2));
    auto truncated = openVideo(cut);
    if (truncated.isOk()) {
        int read = 0;
        for (auto r = truncated.value()->read(frame); r.isOk() && r.value(); r = truncated.value()->read(frame))
            ++read;
        EXPECT_LT(read, 10);
    } else {
        EXPECT_NE(truncated.status().message().find(cut), std::string::npos);
    }
    std::remove(path.c_str());
    std::remove(cut.c_str());
}

TEST(OpenCvSource, RefusesWhatIsNotAVideo)
{
    const std::string junk = tempPath("junk.mp4");
    std::mt19937 random(7);
    std::string bytes(50000, '\0');
    for (char& c : bytes)
        c = char(random());
    writeBytes(junk, bytes);
    auto notVideo = openVideo(junk);
    ASSERT_FALSE(notVideo.isOk());
    EXPECT_EQ(notVideo.status().code(), StatusCode::CorruptData);
    EXPECT_NE(notVideo.status().message().find(junk), std::string::npos);

    const std::string empty = tempPath("empty.mp4");
    writeBytes(empty, "");
    EXPECT_EQ(openVideo(empty).status().code(), StatusCode::CorruptData);
    EXPECT_EQ(openVideo("/nonexistent/clip.mp4").status().code(), StatusCode::NotFound);
    EXPECT_EQ(openVideo(testing::TempDir()).status().code(), StatusCode::InvalidArgument);
    std::remove(junk.c_str());
    std::remove(empty.c_str());
}

TEST(OpenCvSource, OpensTheBundledSample)
{
    auto source = openVideo(std::string(ES_SAMPLE_VIDEO_DIR) + "/vtest_pedestrians.mp4");
    ASSERT_TRUE(source.isOk()) << source.status().message();
    EXPECT_EQ(source.value()->width(), 768);
    EXPECT_EQ(source.value()->height(), 576);
    Frame frame;
    int count = 0;
    while (source.value()->read(frame).value())
        ++count;
    EXPECT_EQ(count, 60);
}
#else
TEST(OpenCvSource, WithoutOpenCvOnlyY4mIsRead)
{
    auto result = openVideo(std::string(ES_SAMPLE_VIDEO_DIR) + "/vtest_pedestrians.mp4");
    ASSERT_FALSE(result.isOk());
    EXPECT_EQ(result.status().code(), StatusCode::Unsupported);
    EXPECT_NE(result.status().message().find("y4m"), std::string::npos);
}
#endif
