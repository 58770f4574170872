// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "base/status.h"
#include "store/session_store.h"

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace es::prof {

/// One line of tegrastats output, decoded. Memory in MB, loads in %, frequencies in MHz, temperatures in °C, power
/// in mW. Absent fields stay empty (older JetPacks print EMC/GPU frequencies only under sudo).
struct TegrastatsSample
{
    struct Core
    {
        bool online = true;
        double loadPercent = 0;
        std::optional<double> frequencyMhz;
    };
    struct Rail
    {
        double currentMw = 0;
        double averageMw = 0;
        std::optional<double> maxMw; ///< JetPack 7 prints a third value
    };
    std::string timestamp; ///< "01-03-2023 16:07:54" when tegrastats printed one
    std::optional<double> ramUsedMb, ramTotalMb, swapUsedMb, swapTotalMb, swapCachedMb;
    std::vector<Core> cores;
    std::optional<double> emcLoadPercent, emcFrequencyMhz;
    std::optional<double> gpuLoadPercent;
    std::vector<double> gpuFrequenciesMhz; ///< one per GPC on JetPack 7 / Thor
    std::map<std::string, double> temperatures; ///< absent sensors (-256C) are left out
    std::map<std::string, Rail> rails;
    std::map<std::string, std::optional<double>> engines; ///< APE, NVJPG, VIC...: MHz, or empty when "off"
};

/// Decodes one tegrastats line of any known form (Nano JetPack 4 with and without sudo, Orin JetPack 5, 6, 7, Thor),
/// token by token rather than by position. A line that has none of RAM, CPU or GR3D is refused. Pure; any thread.
Result<TegrastatsSample> parseTegrastatsLine(const std::string& line);

/// Appends a sample's values to counter tracks named like the system sampler's ("cpu0 load", "gpu load",
/// "power VDD_IN", "temp GPU", ...), at `timeNs`.
void appendTegrastatsSample(
    const TegrastatsSample& sample, int64_t timeNs, std::map<std::string, CounterTrack>& tracks);

/// Runs `tegrastats --interval MS` (or another command printing the same lines) as a child process and turns its
/// lines into counter tracks, for Jetsons where sysfs needs root. start()/stop() from one thread; tracks() any.
class TegrastatsProcess
{
public:
    ~TegrastatsProcess();
    /// Starts `command` (split on spaces) with "--interval periodMs" appended; a Status when it cannot start.
    Status start(const std::string& command, int periodMs);
    void stop();
    std::vector<CounterTrack> tracks(int64_t fromNs = INT64_MIN, int64_t toNs = INT64_MAX) const;
    int64_t linesParsed() const;
    int64_t linesRejected() const;

private:
    void readLoop(int fd);
    int m_pid = -1;
    int m_fd = -1;
    std::thread m_reader;
    mutable std::mutex m_mutex;
    std::map<std::string, CounterTrack> m_tracks;
    int64_t m_parsed = 0;
    int64_t m_rejected = 0;
};

} // namespace es::prof
