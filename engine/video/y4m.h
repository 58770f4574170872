// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "edgescope/engine/frame_source.h"

#include <cstdio>

namespace es::engine {

/// Reads YUV4MPEG2 (.y4m) files without OpenCV: 4:2:0 (jpeg, mpeg2, paldv sitings), 4:2:2, 4:4:4 and mono,
/// progressive 8-bit; converts to RGB with BT.601 (limited range unless the header says XCOLORRANGE=FULL).
/// One thread at a time.
class Y4mReader final : public FrameSource
{
public:
    ~Y4mReader() override;
    /// Opens and checks the header; a Status names the file and what is wrong with it.
    static Result<std::unique_ptr<Y4mReader>> open(const std::string& path);

    std::string description() const override;
    Result<bool> read(Frame& frame) override;
    int width() const override { return m_width; }
    int height() const override { return m_height; }
    double fps() const override { return m_fps; }
    int64_t frameCountHint() const override { return m_frameCountHint; }

private:
    Y4mReader() = default;
    std::string m_path;
    FILE* m_file = nullptr;
    int m_width = 0;
    int m_height = 0;
    double m_fps = 0;
    std::string m_colorspace = "420jpeg";
    bool m_fullRange = false;
    int m_chromaWidth = 0;
    int m_chromaHeight = 0;
    int64_t m_frameCountHint = -1;
    int64_t m_nextIndex = 0;
    std::vector<uint8_t> m_planes;
};

/// Writes RGB frames as a 4:4:4 or 4:2:0 YUV4MPEG2 file (BT.601 limited range). One thread at a time.
class Y4mWriter
{
public:
    ~Y4mWriter();
    static Result<std::unique_ptr<Y4mWriter>> create(
        const std::string& path, int width, int height, int fpsNum, int fpsDen, bool chroma420 = true);
    Status write(const Frame& frame);
    Status close();

private:
    Y4mWriter() = default;
    std::string m_path;
    FILE* m_file = nullptr;
    int m_width = 0;
    int m_height = 0;
    bool m_chroma420 = true;
};

} // namespace es::engine
