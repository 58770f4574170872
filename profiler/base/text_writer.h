// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "base/status.h"

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

namespace es::prof {

/// `value` with `decimals` digits after a '.', whatever the locale's decimal point (printf's, then `localeDecimalPoint`
/// replaced by '.'): TextWriter::number where the standard library has no std::to_chars for doubles (before g++ 11).
std::string formatFixed(double value, int decimals, std::string_view localeDecimalPoint);

/// Buffered output to a file written under a temporary name and renamed into place by finish(), so that readers never
/// see a half-written export. Numbers are formatted with std::to_chars (no locale, no allocation; formatFixed where
/// the library lacks it for doubles). One thread.
class TextWriter
{
public:
    ~TextWriter();
    /// Opens `path`.partial for writing.
    static Result<std::unique_ptr<TextWriter>> create(const std::string& path);

    TextWriter& operator<<(std::string_view text)
    {
        if (m_buffer.size() + text.size() > kFlushAt)
            flush();
        m_buffer.append(text.data(), text.size());
        return *this;
    }
    TextWriter& operator<<(char c)
    {
        m_buffer.push_back(c);
        if (m_buffer.size() > kFlushAt)
            flush();
        return *this;
    }
    TextWriter& operator<<(int64_t value)
    {
        char digits[24];
        const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
        return *this << std::string_view(digits, size_t(end - digits));
    }
    TextWriter& number(double value, int decimals);
    /// ns as microseconds with three decimals ("1234.567"), as the PyTorch profiler writes timestamps.
    TextWriter& microseconds(int64_t ns);
    /// `text` as a JSON string, quotes included.
    TextWriter& jsonString(std::string_view text);
    /// `text` with '<', '>', '&' and '"' escaped for HTML and SVG.
    TextWriter& html(std::string_view text);

    /// Flushes, closes and renames into place; the bytes written.
    Result<int64_t> finish();

private:
    static constexpr size_t kFlushAt = size_t(1) << 20;
    TextWriter() = default;
    void flush();

    std::FILE* m_file = nullptr;
    std::string m_path;
    std::string m_buffer;
    int64_t m_written = 0;
    bool m_failed = false;
};

} // namespace es::prof
