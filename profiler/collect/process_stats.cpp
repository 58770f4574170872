// SPDX-License-Identifier: Apache-2.0
#include "collect/process_stats.h"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <sys/stat.h>

namespace es::prof {

namespace {

/// The whole number after a "Key:" prefix of a /proc/self/status line; -1 when there is none.
int64_t numberField(const std::string& line, size_t prefixLength)
{
    const char* begin = line.c_str() + prefixLength;
    char* end = nullptr;
    errno = 0;
    const long long value = std::strtoll(begin, &end, 10);
    return end == begin || value < 0 || errno == ERANGE ? -1 : int64_t(value);
}

/// "VmRSS:     123456 kB" -> 123456 * 1024 bytes; -1 when the line holds no number or one too large for bytes.
int64_t kilobytesField(const std::string& line, size_t prefixLength)
{
    const int64_t kilobytes = numberField(line, prefixLength);
    return kilobytes < 0 || kilobytes > INT64_MAX / 1024 ? -1 : kilobytes * 1024;
}

} // namespace

ProcessStats readProcessStats(const std::string& procRoot)
{
    ProcessStats stats;
    std::ifstream status(procRoot + "/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0)
            stats.rssBytes = kilobytesField(line, 6);
        else if (line.rfind("VmHWM:", 0) == 0)
            stats.rssPeakBytes = kilobytesField(line, 6);
        else if (line.rfind("Threads:", 0) == 0)
            stats.threads = numberField(line, 8);
    }
    if (DIR* fds = opendir((procRoot + "/proc/self/fd").c_str())) {
        int64_t count = 0;
        while (const dirent* entry = readdir(fds)) {
            if (entry->d_name[0] != '.')
                ++count;
        }
        closedir(fds);
        // The real /proc/self/fd lists the descriptor of this listing too.
        stats.openFds = procRoot.empty() ? count - 1 : count;
    }
    return stats;
}

int64_t fileSizeBytes(const std::string& path)
{
    struct stat info;
    return stat(path.c_str(), &info) == 0 ? int64_t(info.st_size) : -1;
}

} // namespace es::prof
