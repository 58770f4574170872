// SPDX-License-Identifier: Apache-2.0
#include "base/text_writer.h"

#include <algorithm>
#include <cerrno>
#include <clocale>
#include <cmath>
#include <cstring>
#include <memory>

namespace es::prof {

TextWriter::~TextWriter()
{
    if (m_file) {
        std::fclose(m_file);
        std::remove((m_path + ".partial").c_str());
    }
}

Result<std::unique_ptr<TextWriter>> TextWriter::create(const std::string& path)
{
    std::unique_ptr<TextWriter> writer(new TextWriter());
    writer->m_path = path;
    writer->m_file = std::fopen((path + ".partial").c_str(), "wb");
    if (!writer->m_file)
        return Status(StatusCode::IoError, "cannot write " + path + ": " + std::strerror(errno));
    writer->m_buffer.reserve(kFlushAt + 4096);
    return writer;
}

void TextWriter::flush()
{
    if (m_buffer.empty() || m_failed)
        return;
    if (std::fwrite(m_buffer.data(), 1, m_buffer.size(), m_file) != m_buffer.size())
        m_failed = true;
    m_written += int64_t(m_buffer.size());
    m_buffer.clear();
}

std::string formatFixed(double value, int decimals, std::string_view localeDecimalPoint)
{
    // %f of the largest double is 309 digits before the point; decimals beyond 17 carry nothing.
    char digits[400];
    const int precision = std::clamp(decimals, 0, 17);
    const int length = std::snprintf(digits, sizeof digits, "%.*f", precision, value);
    std::string text(digits, length > 0 ? std::min(size_t(length), sizeof digits - 1) : 0);
    if (!localeDecimalPoint.empty() && localeDecimalPoint != ".") {
        const size_t at = text.find(localeDecimalPoint);
        if (at != std::string::npos)
            text.replace(at, localeDecimalPoint.size(), ".");
    }
    return text;
}

TextWriter& TextWriter::number(double value, int decimals)
{
    if (!std::isfinite(value))
        return *this << std::string_view("0");
#if defined(__cpp_lib_to_chars) && __cpp_lib_to_chars >= 201611L
    char digits[64];
    const auto end = std::to_chars(digits, digits + sizeof digits, value, std::chars_format::fixed, decimals).ptr;
    return *this << std::string_view(digits, size_t(end - digits));
#else
    // Before g++ 11 libstdc++ has no std::to_chars for doubles.
    return *this << std::string_view(formatFixed(value, decimals, std::localeconv()->decimal_point));
#endif
}

TextWriter& TextWriter::microseconds(int64_t ns)
{
    if (ns < 0) {
        *this << '-';
        ns = -ns;
    }
    *this << int64_t(ns / 1000) << '.';
    const int64_t fraction = ns % 1000;
    char digits[3] = { char('0' + fraction / 100), char('0' + fraction / 10 % 10), char('0' + fraction % 10) };
    return *this << std::string_view(digits, 3);
}

TextWriter& TextWriter::jsonString(std::string_view text)
{
    *this << '"';
    size_t plain = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        *this << text.substr(plain, i - plain);
        plain = i + 1;
        switch (c) {
        case '"':
            *this << std::string_view("\\\"");
            break;
        case '\\':
            *this << std::string_view("\\\\");
            break;
        case '\n':
            *this << std::string_view("\\n");
            break;
        case '\t':
            *this << std::string_view("\\t");
            break;
        default: {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
            *this << std::string_view(escaped, 6);
        }
        }
    }
    *this << text.substr(plain);
    return *this << '"';
}

TextWriter& TextWriter::html(std::string_view text)
{
    for (char c : text) {
        switch (c) {
        case '<':
            *this << std::string_view("&lt;");
            break;
        case '>':
            *this << std::string_view("&gt;");
            break;
        case '&':
            *this << std::string_view("&amp;");
            break;
        case '"':
            *this << std::string_view("&quot;");
            break;
        default:
            *this << c;
        }
    }
    return *this;
}

Result<int64_t> TextWriter::finish()
{
    flush();
    const bool closed = std::fclose(m_file) == 0;
    m_file = nullptr;
    const std::string partial = m_path + ".partial";
    if (m_failed || !closed) {
        std::remove(partial.c_str());
        return Status(StatusCode::IoError, "cannot write " + m_path + ": " + std::strerror(errno) + " (disk full?)");
    }
    if (std::rename(partial.c_str(), m_path.c_str()) != 0) {
        std::remove(partial.c_str());
        return Status(StatusCode::IoError, "cannot write " + m_path + ": " + std::strerror(errno));
    }
    return m_written;
}

} // namespace es::prof
