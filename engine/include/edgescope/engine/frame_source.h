// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "base/status.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace es::engine {

/// One decoded video frame: 8-bit RGB, rows tightly packed (stride = 3 * width). Value type.
struct Frame
{
    int width = 0;
    int height = 0;
    std::vector<uint8_t> rgb;
    int64_t index = 0; ///< 0-based position in its source
};

/// A stream of frames: a video file, a camera, a Y4M file or generated frames. One thread at a time.
class FrameSource
{
public:
    virtual ~FrameSource() = default;
    /// What is being read, for messages and reports ("vtest.mp4 (OpenCV FFMPEG, 768x576 @ 10 fps)").
    virtual std::string description() const = 0;
    /// Reads the next frame into `frame`: true when one was read, false at the end of the stream, or the Status
    /// of a read that failed (a camera that disappeared, a file that stopped decoding).
    virtual Result<bool> read(Frame& frame) = 0;
    virtual int width() const = 0;
    virtual int height() const = 0;
    /// Frames per second the source declares, 0 when unknown.
    virtual double fps() const = 0;
    /// Frames the source says it holds, -1 when unknown (cameras, pipelines).
    virtual int64_t frameCountHint() const { return -1; }
};

/// Opens a video by what `spec` looks like: a path ending in .y4m (built-in reader), a GStreamer pipeline (contains
/// '!'), a camera ("/dev/videoN" or a number), or any other file OpenCV can decode. Missing files, files that are not
/// videos and builds without OpenCV give a Status naming the file and the fix; an empty `spec` is an InvalidArgument
/// about the "video" option. Any thread.
Result<std::unique_ptr<FrameSource>> openVideo(const std::string& spec);

/// A deterministic generated scene (moving coloured shapes on a gradient) of the given size; `frameCount` < 0 is
/// endless. For tests and machines without video input.
Result<std::unique_ptr<FrameSource>> openSynthetic(int width, int height, int64_t frameCount = -1, uint32_t seed = 1);

/// Parses "WxH" (e.g. "640x480") as used by --synthetic.
Result<std::pair<int, int>> parseFrameSize(const std::string& text);

/// Whether this build reads video through OpenCV, and whether that OpenCV has GStreamer.
bool openCvBuiltIn();
bool openCvHasGStreamer();
std::string openCvVersion();

/// Where frames come from: a video spec for openVideo, or the synthetic scene of a size.
struct FrameSpec
{
    std::string video;
    bool isSynthetic = false;
    int width = 640, height = 480;
    static FrameSpec fromVideo(std::string spec) { return { std::move(spec), false, 640, 480 }; }
    static FrameSpec fromSynthetic(int width, int height) { return { "", true, width, height }; }
};

/// Frames decoded ahead of a measurement, so that decoding is not part of what is measured.
struct DecodedFrames
{
    std::vector<Frame> frames;
    std::string description;
    double decodeMsPerFrame = 0;
    std::string
        stopReason; ///< why the source stopped before `wanted` frames with an error (empty: it ended or gave all)
};

/// Decodes up to `wanted` frames (fewer when the source ends; a source that stops decoding part-way keeps what was
/// read). No frame at all, or frames that change size, give a Status naming the source and the fix. Any thread.
Result<DecodedFrames> decodeFrames(const FrameSpec& spec, int64_t wanted);

} // namespace es::engine
