// SPDX-License-Identifier: Apache-2.0
#include "edgescope/engine/frame_source.h"

#include "base/clock.h"

#include "es_config.h"
#include "video/y4m.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#if ES_HAS_OPENCV
#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#endif

namespace es::engine {

namespace {

bool endsWith(std::string text, const std::string& suffix)
{
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

[[maybe_unused]] bool isCameraSpec(const std::string& spec, int& index)
{
    if (!spec.empty() && std::all_of(spec.begin(), spec.end(), [](unsigned char c) { return std::isdigit(c); })) {
        index = std::atoi(spec.c_str());
        return true;
    }
    if (spec.rfind("/dev/video", 0) == 0) {
        const std::string number = spec.substr(10);
        if (!number.empty()
            && std::all_of(number.begin(), number.end(), [](unsigned char c) { return std::isdigit(c); })) {
            index = std::atoi(number.c_str());
            return true;
        }
    }
    return false;
}

/// Generated frames: a vertical gradient with a few moving discs and boxes, the same for the same seed.
class SyntheticSource final : public FrameSource
{
public:
    SyntheticSource(int width, int height, int64_t frameCount, uint32_t seed)
        : m_width(width), m_height(height), m_frameCount(frameCount), m_seed(seed)
    { }
    std::string description() const override
    {
        return "synthetic " + std::to_string(m_width) + "x" + std::to_string(m_height) + " (seed "
            + std::to_string(m_seed) + ")";
    }
    int width() const override { return m_width; }
    int height() const override { return m_height; }
    double fps() const override { return 30.0; }
    int64_t frameCountHint() const override { return m_frameCount; }

    Result<bool> read(Frame& frame) override
    {
        if (m_frameCount >= 0 && m_next >= m_frameCount)
            return false;
        frame.width = m_width;
        frame.height = m_height;
        frame.index = m_next;
        frame.rgb.resize(size_t(m_width) * m_height * 3);
        const double t = double(m_next++);
        for (int y = 0; y < m_height; ++y) {
            const uint8_t shade = uint8_t(40 + 140 * y / std::max(1, m_height - 1));
            for (int x = 0; x < m_width; ++x) {
                uint8_t* p = &frame.rgb[(size_t(y) * m_width + x) * 3];
                p[0] = uint8_t(shade / 2 + (m_seed * 37) % 40);
                p[1] = uint8_t(shade * 3 / 4);
                p[2] = shade;
            }
        }
        for (uint32_t k = 0; k < 5; ++k) {
            const uint32_t h = (m_seed + 1) * 2654435761u * (k + 1);
            const double cx = std::fmod(double(h % 997) / 997.0 * m_width + t * (2.0 + k), double(m_width));
            const double cy = double((h >> 10) % 991) / 991.0 * m_height;
            const double radius = std::max(4.0, std::min(m_width, m_height) * (0.06 + 0.03 * k));
            const uint8_t color[3] = { uint8_t(h >> 3), uint8_t(h >> 11), uint8_t(h >> 19) };
            const int x0 = std::max(0, int(cx - radius)), x1 = std::min(m_width - 1, int(cx + radius));
            const int y0 = std::max(0, int(cy - radius)), y1 = std::min(m_height - 1, int(cy + radius));
            for (int y = y0; y <= y1; ++y) {
                for (int x = x0; x <= x1; ++x) {
                    const bool inside = k % 2 ? true : (x - cx) * (x - cx) + (y - cy) * (y - cy) <= radius * radius;
                    if (inside)
                        std::memcpy(&frame.rgb[(size_t(y) * m_width + x) * 3], color, 3);
                }
            }
        }
        return true;
    }

private:
    int m_width;
    int m_height;
    int64_t m_frameCount;
    uint32_t m_seed;
    int64_t m_next = 0;
};

#if ES_HAS_OPENCV
/// Files, cameras and GStreamer pipelines through cv::VideoCapture; converts BGR to RGB.
class OpenCvSource final : public FrameSource
{
public:
    static Result<std::unique_ptr<FrameSource>> open(const std::string& spec)
    {
        cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_ERROR);
        std::unique_ptr<OpenCvSource> source(new OpenCvSource());
        source->m_spec = spec;
        int cameraIndex = -1;
        try {
            if (spec.find('!') != std::string::npos) {
                if (!openCvHasGStreamer())
                    return Status(StatusCode::Unsupported,
                        "cannot open the GStreamer pipeline \"" + spec + "\": this OpenCV " + CV_VERSION
                            + " was built without GStreamer (use JetPack's OpenCV on a Jetson, or a video file)");
                source->m_capture.open(spec, cv::CAP_GSTREAMER);
                source->m_kind = "GStreamer";
            } else if (isCameraSpec(spec, cameraIndex)) {
                source->m_capture.open(cameraIndex, cv::CAP_ANY);
                source->m_kind = "camera";
                if (!source->m_capture.isOpened())
                    return Status(StatusCode::NotFound,
                        "cannot open camera " + spec
                            + ": no such device or it is busy (ls /dev/video*; on a "
                              "Jetson CSI camera use a GStreamer nvarguscamerasrc pipeline)");
            } else {
                struct stat info;
                if (stat(spec.c_str(), &info) != 0)
                    return Status(StatusCode::NotFound,
                        "cannot open " + spec + ": " + std::strerror(errno)
                            + " (choose an existing video file, or synthetic frames (WxH))");
                if (S_ISDIR(info.st_mode))
                    return Status(
                        StatusCode::InvalidArgument, "cannot open " + spec + ": it is a directory, not a video");
                if (info.st_size == 0)
                    return Status(StatusCode::CorruptData, "cannot open " + spec + ": the file is empty (zero frames)");
                source->m_capture.open(spec, cv::CAP_ANY);
                source->m_kind = "file";
            }
        } catch (const std::exception& error) {
            return Status(StatusCode::CorruptData, "cannot open " + spec + ": " + error.what());
        }
        if (!source->m_capture.isOpened())
            return Status(StatusCode::CorruptData,
                "cannot open " + spec + ": no video stream OpenCV " + CV_VERSION
                    + " can decode (not a video, or a codec this OpenCV lacks; try a .y4m file or install "
                      "libopencv-videoio with FFmpeg)");
        source->m_width = int(source->m_capture.get(cv::CAP_PROP_FRAME_WIDTH));
        source->m_height = int(source->m_capture.get(cv::CAP_PROP_FRAME_HEIGHT));
        source->m_fps = source->m_capture.get(cv::CAP_PROP_FPS);
        const double count = source->m_capture.get(cv::CAP_PROP_FRAME_COUNT);
        source->m_frameCount = source->m_kind == "file" && count > 0 ? int64_t(count) : -1;
        source->m_backend = source->m_capture.getBackendName();
        return std::unique_ptr<FrameSource>(std::move(source));
    }

    std::string description() const override
    {
        std::ostringstream out;
        out << m_spec << " (OpenCV " << m_backend << " " << m_kind << ", " << m_width << "x" << m_height << " @ "
            << m_fps << " fps)";
        return out.str();
    }
    int width() const override { return m_width; }
    int height() const override { return m_height; }
    double fps() const override { return m_fps; }
    int64_t frameCountHint() const override { return m_frameCount; }

    Result<bool> read(Frame& frame) override
    {
        try {
            if (!m_capture.read(m_bgr) || m_bgr.empty()) {
                if (m_kind == "camera" && m_next == 0)
                    return Status(StatusCode::Unavailable, "camera " + m_spec + " delivered no frame");
                return false;
            }
            if (m_bgr.depth() != CV_8U)
                return Status(StatusCode::Unsupported, m_spec + ": only 8-bit video is supported");
            cv::Mat rgb;
            if (m_bgr.channels() == 3)
                cv::cvtColor(m_bgr, rgb, cv::COLOR_BGR2RGB);
            else if (m_bgr.channels() == 4)
                cv::cvtColor(m_bgr, rgb, cv::COLOR_BGRA2RGB);
            else
                cv::cvtColor(m_bgr, rgb, cv::COLOR_GRAY2RGB);
            frame.width = rgb.cols;
            frame.height = rgb.rows;
            frame.index = m_next++;
            frame.rgb.resize(size_t(rgb.cols) * rgb.rows * 3);
            for (int y = 0; y < rgb.rows; ++y)
                std::memcpy(&frame.rgb[size_t(y) * rgb.cols * 3], rgb.ptr(y), size_t(rgb.cols) * 3);
            return true;
        } catch (const std::exception& error) {
            return Status(StatusCode::CorruptData,
                "cannot decode frame " + std::to_string(m_next) + " of " + m_spec + ": " + error.what());
        }
    }

private:
    cv::VideoCapture m_capture;
    cv::Mat m_bgr;
    std::string m_spec, m_kind, m_backend;
    int m_width = 0, m_height = 0;
    double m_fps = 0;
    int64_t m_frameCount = -1;
    int64_t m_next = 0;
};
#endif

} // namespace

Result<std::unique_ptr<FrameSource>> openVideo(const std::string& spec)
{
    if (spec.empty())
        return Status::invalidOption("video", "no video given: choose a video file, or synthetic frames (WxH)");
    if (endsWith(spec, ".y4m")) {
        auto reader = Y4mReader::open(spec);
        if (!reader)
            return reader.status();
        return std::unique_ptr<FrameSource>(std::move(reader).value());
    }
#if ES_HAS_OPENCV
    return OpenCvSource::open(spec);
#else
    struct stat info;
    if (spec.find('!') == std::string::npos && stat(spec.c_str(), &info) != 0)
        return Status(StatusCode::NotFound, "cannot open " + spec + ": " + std::strerror(errno));
    return Status(StatusCode::Unsupported,
        "cannot open " + spec
            + ": this build has no OpenCV, so it reads only .y4m files and synthetic "
              "frames (convert with: ffmpeg -i "
            + spec + " -pix_fmt yuv420p clip.y4m, or rebuild with libopencv-dev)");
#endif
}

Result<std::unique_ptr<FrameSource>> openSynthetic(int width, int height, int64_t frameCount, uint32_t seed)
{
    if (width < 16 || height < 16 || width > 8192 || height > 8192)
        return Status(StatusCode::InvalidArgument,
            "synthetic frame size " + std::to_string(width) + "x" + std::to_string(height)
                + " is out of range (16..8192 per side)");
    return std::unique_ptr<FrameSource>(new SyntheticSource(width, height, frameCount, seed));
}

Result<std::pair<int, int>> parseFrameSize(const std::string& text)
{
    int width = 0, height = 0;
    char separator = 0, extra = 0;
    if (std::sscanf(text.c_str(), "%d%c%d%c", &width, &separator, &height, &extra) != 3
        || (separator != 'x' && separator != 'X') || width <= 0 || height <= 0)
        return Status(StatusCode::InvalidArgument, "\"" + text + "\" is not a frame size: use WxH, e.g. 640x480");
    return std::make_pair(width, height);
}

bool openCvBuiltIn()
{
    return ES_HAS_OPENCV != 0;
}

bool openCvHasGStreamer()
{
#if ES_HAS_OPENCV
    static const bool has = [] {
        const std::string info = cv::getBuildInformation();
        const size_t at = info.find("GStreamer:");
        return at != std::string::npos && info.substr(at, 40).find("YES") != std::string::npos;
    }();
    return has;
#else
    return false;
#endif
}

std::string openCvVersion()
{
#if ES_HAS_OPENCV
    return CV_VERSION;
#else
    return "";
#endif
}

Result<DecodedFrames> decodeFrames(const FrameSpec& spec, int64_t wanted)
{
    std::unique_ptr<FrameSource> source;
    if (spec.isSynthetic) {
        ES_ASSIGN_OR_RETURN(source, openSynthetic(spec.width, spec.height));
    } else {
        ES_ASSIGN_OR_RETURN(source, openVideo(spec.video));
    }
    DecodedFrames decoded;
    decoded.description = source->description();
    const int64_t startNs = prof::nowNs();
    while (int64_t(decoded.frames.size()) < wanted) {
        Frame frame;
        auto read = source->read(frame);
        if (!read) {
            if (decoded.frames.empty())
                return read.status();
            // A file that stops decoding part-way or a camera that went away: keep what was read, say why.
            decoded.stopReason = read.status().message();
            break;
        }
        if (!read.value())
            break;
        if (!decoded.frames.empty()
            && (frame.width != decoded.frames.front().width || frame.height != decoded.frames.front().height))
            return Status(StatusCode::Unsupported,
                decoded.description + ": the frame size changes at frame " + std::to_string(frame.index)
                    + "; re-encode at one size");
        decoded.frames.push_back(std::move(frame));
    }
    if (decoded.frames.empty())
        return Status(StatusCode::CorruptData,
            "no frame could be decoded from " + decoded.description
                + " (zero frames: an empty, truncated or unsupported video; try another file or a .y4m)");
    decoded.decodeMsPerFrame = double(prof::nowNs() - startNs) / 1e6 / double(decoded.frames.size());
    return decoded;
}

} // namespace es::engine
