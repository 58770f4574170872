// SPDX-License-Identifier: Apache-2.0
#pragma once

// Shared by the fuzz targets: the readers under test take paths, so each input is written to a scratch file first.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <unistd.h>

namespace es::fuzz {

/// A scratch file of this process with the given suffix, rewritten with each input. One thread.
class ScratchFile
{
public:
    explicit ScratchFile(const std::string& suffix)
    {
        const char* tmp = std::getenv("TMPDIR");
        m_path = std::string(tmp && *tmp ? tmp : "/tmp") + "/es-fuzz-" + std::to_string(getpid()) + suffix;
    }
    ~ScratchFile() { std::remove(m_path.c_str()); }
    const std::string& write(const uint8_t* data, size_t size)
    {
        if (FILE* file = std::fopen(m_path.c_str(), "wb")) {
            if (size)
                std::fwrite(data, 1, size, file);
            std::fclose(file);
        }
        // A reader that wrote beside it (SQLite's journal) must not leak state into the next input.
        std::remove((m_path + "-journal").c_str());
        return m_path;
    }
    const std::string& path() const { return m_path; }

private:
    std::string m_path;
};

} // namespace es::fuzz
