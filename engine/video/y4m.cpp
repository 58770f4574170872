// SPDX-License-Identifier: Apache-2.0
#include "video/y4m.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <sstream>
#include <sys/stat.h>

namespace es::engine {

namespace {

uint8_t clampByte(double value)
{
    return uint8_t(std::clamp(std::lround(value), 0L, 255L));
}

Status y4mError(const std::string& path, const std::string& what)
{
    return Status(StatusCode::CorruptData,
        "cannot read " + path + ": " + what
            + " (is it a YUV4MPEG2 file? ffmpeg -i IN -pix_fmt yuv420p OUT.y4m "
              "writes one)");
}

bool readLine(FILE* file, std::string& line, size_t limit)
{
    line.clear();
    int c;
    while ((c = fgetc(file)) != EOF) {
        if (c == '\n')
            return true;
        line.push_back(char(c));
        if (line.size() > limit)
            return false;
    }
    return false;
}

} // namespace

Y4mReader::~Y4mReader()
{
    if (m_file)
        fclose(m_file);
}

Result<std::unique_ptr<Y4mReader>> Y4mReader::open(const std::string& path)
{
    std::unique_ptr<Y4mReader> reader(new Y4mReader());
    reader->m_path = path;
    reader->m_file = fopen(path.c_str(), "rb");
    if (!reader->m_file)
        return Status(errno == ENOENT ? StatusCode::NotFound : StatusCode::IoError,
            "cannot open " + path + ": " + std::strerror(errno));
    std::string header;
    if (!readLine(reader->m_file, header, 4096) || header.rfind("YUV4MPEG2", 0) != 0)
        return y4mError(path, "no YUV4MPEG2 header");
    std::istringstream tokens(header.substr(9));
    std::string token;
    while (tokens >> token) {
        const char tag = token[0];
        const std::string value = token.substr(1);
        if (tag == 'W')
            reader->m_width = std::atoi(value.c_str());
        else if (tag == 'H')
            reader->m_height = std::atoi(value.c_str());
        else if (tag == 'F') {
            int num = 0, den = 0;
            if (std::sscanf(value.c_str(), "%d:%d", &num, &den) == 2 && den > 0)
                reader->m_fps = double(num) / double(den);
        } else if (tag == 'I') {
            if (value != "p" && value != "?")
                return Status(StatusCode::Unsupported,
                    "cannot read " + path + ": interlaced Y4M (I" + value
                        + ") is not supported; deinterlace it first (ffmpeg -vf yadif)");
        } else if (tag == 'C') {
            reader->m_colorspace = value;
        } else if (tag == 'X') {
            if (value == "COLORRANGE=FULL")
                reader->m_fullRange = true;
        }
    }
    if (reader->m_width <= 0 || reader->m_height <= 0 || reader->m_width > 16384 || reader->m_height > 16384)
        return y4mError(path, "missing or invalid frame size in the header");
    const std::string& cs = reader->m_colorspace;
    const int w = reader->m_width, h = reader->m_height;
    if (cs == "420jpeg" || cs == "420paldv" || cs == "420mpeg2" || cs == "420") {
        reader->m_chromaWidth = (w + 1) / 2;
        reader->m_chromaHeight = (h + 1) / 2;
    } else if (cs == "422") {
        reader->m_chromaWidth = (w + 1) / 2;
        reader->m_chromaHeight = h;
    } else if (cs == "444") {
        reader->m_chromaWidth = w;
        reader->m_chromaHeight = h;
    } else if (cs == "mono") {
        reader->m_chromaWidth = 0;
        reader->m_chromaHeight = 0;
    } else {
        return Status(StatusCode::Unsupported,
            "cannot read " + path + ": Y4M colour space C" + cs
                + " is not supported (8-bit 420, 422, 444 or mono are)");
    }
    const long headerEnd = ftell(reader->m_file);
    struct stat info;
    if (headerEnd > 0 && stat(path.c_str(), &info) == 0) {
        const int64_t frameBytes = int64_t(w) * h + 2 * int64_t(reader->m_chromaWidth) * reader->m_chromaHeight + 6;
        reader->m_frameCountHint = (int64_t(info.st_size) - headerEnd) / frameBytes;
    }
    return reader;
}

std::string Y4mReader::description() const
{
    std::ostringstream out;
    out << m_path << " (Y4M " << m_colorspace << ", " << m_width << "x" << m_height << " @ " << m_fps << " fps)";
    return out.str();
}

Result<bool> Y4mReader::read(Frame& frame)
{
    std::string line;
    if (!readLine(m_file, line, 1024)) {
        if (line.empty() && feof(m_file))
            return false;
        return y4mError(m_path, "frame " + std::to_string(m_nextIndex) + " has no FRAME header");
    }
    if (line.rfind("FRAME", 0) != 0)
        return y4mError(m_path, "frame " + std::to_string(m_nextIndex) + " has no FRAME header");
    const size_t lumaBytes = size_t(m_width) * m_height;
    const size_t chromaBytes = size_t(m_chromaWidth) * m_chromaHeight;
    m_planes.resize(lumaBytes + 2 * chromaBytes);
    if (fread(m_planes.data(), 1, m_planes.size(), m_file) != m_planes.size())
        return y4mError(m_path, "frame " + std::to_string(m_nextIndex) + " is truncated (the file ends early)");

    frame.width = m_width;
    frame.height = m_height;
    frame.index = m_nextIndex++;
    frame.rgb.resize(lumaBytes * 3);
    const uint8_t* yPlane = m_planes.data();
    const uint8_t* uPlane = yPlane + lumaBytes;
    const uint8_t* vPlane = uPlane + chromaBytes;
    const int xShift = m_chromaWidth && m_chromaWidth < m_width ? 1 : 0;
    const int yShift = m_chromaHeight && m_chromaHeight < m_height ? 1 : 0;
    for (int y = 0; y < m_height; ++y) {
        for (int x = 0; x < m_width; ++x) {
            double luma = yPlane[size_t(y) * m_width + x];
            double cb = 0, cr = 0;
            if (m_chromaWidth) {
                const size_t c = size_t(y >> yShift) * m_chromaWidth + size_t(x >> xShift);
                cb = double(uPlane[c]) - 128.0;
                cr = double(vPlane[c]) - 128.0;
            }
            double r, g, b;
            if (m_fullRange) {
                r = luma + 1.402 * cr;
                g = luma - 0.344136 * cb - 0.714136 * cr;
                b = luma + 1.772 * cb;
            } else {
                luma = (luma - 16.0) * 255.0 / 219.0;
                r = luma + 1.596027 * cr;
                g = luma - 0.391762 * cb - 0.812968 * cr;
                b = luma + 2.017232 * cb;
            }
            uint8_t* out = &frame.rgb[(size_t(y) * m_width + x) * 3];
            out[0] = clampByte(r);
            out[1] = clampByte(g);
            out[2] = clampByte(b);
        }
    }
    return true;
}

Y4mWriter::~Y4mWriter()
{
    if (m_file)
        fclose(m_file);
}

Result<std::unique_ptr<Y4mWriter>> Y4mWriter::create(
    const std::string& path, int width, int height, int fpsNum, int fpsDen, bool chroma420)
{
    if (width <= 0 || height <= 0 || (chroma420 && (width % 2 || height % 2)))
        return Status(StatusCode::InvalidArgument,
            "Y4M frame size " + std::to_string(width) + "x" + std::to_string(height)
                + " is invalid (4:2:0 needs even sizes)");
    std::unique_ptr<Y4mWriter> writer(new Y4mWriter());
    writer->m_path = path;
    writer->m_width = width;
    writer->m_height = height;
    writer->m_chroma420 = chroma420;
    writer->m_file = fopen(path.c_str(), "wb");
    if (!writer->m_file)
        return Status(StatusCode::IoError, "cannot write " + path + ": " + std::strerror(errno));
    std::fprintf(writer->m_file, "YUV4MPEG2 W%d H%d F%d:%d Ip A1:1 C%s\n", width, height, fpsNum, fpsDen,
        chroma420 ? "420jpeg" : "444");
    return writer;
}

Status Y4mWriter::write(const Frame& frame)
{
    if (frame.width != m_width || frame.height != m_height || frame.rgb.size() != size_t(m_width) * m_height * 3)
        return Status(StatusCode::InvalidArgument, "frame size does not match the Y4M stream " + m_path);
    const size_t pixels = size_t(m_width) * m_height;
    std::vector<uint8_t> yPlane(pixels);
    std::vector<double> cbFull(pixels), crFull(pixels);
    for (size_t i = 0; i < pixels; ++i) {
        const double r = frame.rgb[i * 3], g = frame.rgb[i * 3 + 1], b = frame.rgb[i * 3 + 2];
        yPlane[i] = clampByte(16.0 + 0.256788 * r + 0.504129 * g + 0.097906 * b);
        cbFull[i] = 128.0 - 0.148223 * r - 0.290993 * g + 0.439216 * b;
        crFull[i] = 128.0 + 0.439216 * r - 0.367788 * g - 0.071427 * b;
    }
    std::vector<uint8_t> cb, cr;
    if (m_chroma420) {
        const int cw = m_width / 2, ch = m_height / 2;
        cb.resize(size_t(cw) * ch);
        cr.resize(size_t(cw) * ch);
        for (int y = 0; y < ch; ++y) {
            for (int x = 0; x < cw; ++x) {
                double sumB = 0, sumR = 0;
                for (int dy = 0; dy < 2; ++dy) {
                    for (int dx = 0; dx < 2; ++dx) {
                        const size_t i = size_t(2 * y + dy) * m_width + size_t(2 * x + dx);
                        sumB += cbFull[i];
                        sumR += crFull[i];
                    }
                }
                cb[size_t(y) * cw + x] = clampByte(sumB / 4);
                cr[size_t(y) * cw + x] = clampByte(sumR / 4);
            }
        }
    } else {
        cb.resize(pixels);
        cr.resize(pixels);
        for (size_t i = 0; i < pixels; ++i) {
            cb[i] = clampByte(cbFull[i]);
            cr[i] = clampByte(crFull[i]);
        }
    }
    const bool ok = std::fputs("FRAME\n", m_file) >= 0
        && fwrite(yPlane.data(), 1, yPlane.size(), m_file) == yPlane.size()
        && fwrite(cb.data(), 1, cb.size(), m_file) == cb.size() && fwrite(cr.data(), 1, cr.size(), m_file) == cr.size();
    if (!ok)
        return Status(StatusCode::IoError, "cannot write " + m_path + ": " + std::strerror(errno));
    return Status::ok();
}

Status Y4mWriter::close()
{
    if (!m_file)
        return Status::ok();
    const bool ok = fclose(m_file) == 0;
    m_file = nullptr;
    return ok ? Status::ok() : Status(StatusCode::IoError, "cannot finish " + m_path + ": " + std::strerror(errno));
}

} // namespace es::engine
