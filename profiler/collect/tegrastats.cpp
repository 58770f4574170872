// SPDX-License-Identifier: Apache-2.0
#include "collect/tegrastats.h"

#include "base/clock.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <regex>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace es::prof {

namespace {

double number(const std::string& text)
{
    return std::strtod(text.c_str(), nullptr);
}

} // namespace

Result<TegrastatsSample> parseTegrastatsLine(const std::string& line)
{
    static const std::regex date(R"(^\s*(\d+-\d+-\d+ \d+:\d+:\d+))");
    static const std::regex ram(R"(\bRAM (\d+)/(\d+)MB)");
    static const std::regex swap(R"(\bSWAP (\d+)/(\d+)MB(?: \(cached (\d+)MB\))?)");
    static const std::regex cpu(R"(\bCPU \[([^\]]*)\])");
    static const std::regex core(R"(^\s*(\d+)%(?:@(\d+))?\s*$)");
    static const std::regex emc(R"(\bEMC_FREQ (\d+)%(?:@(\d+))?)");
    static const std::regex gpu(R"(\bGR3D_FREQ (?:(\d+)%)?(?:@(?:\[([0-9,]+)\]|(\d+)))?)");
    static const std::regex temperature(R"(\b([A-Za-z][A-Za-z0-9_]*)@(-?[0-9.]+)C(?:/(-?[0-9.]+)C)?)");
    static const std::regex rail(R"(\b([A-Z][A-Z0-9_]*) (\d+)(?:mW)?/(\d+)(?:mW)?(?:/(\d+)(?:mW)?)?(?=\s|$))");
    static const std::regex engine(
        R"(\b(APE|NV[A-Z]+\d*|VIC(?:_FREQ)?|OFA|PVA\d*_FREQ|MSENC|SE|CV\d*_FREQ) (off|\d+)(?=\s|$))");

    TegrastatsSample sample;
    std::smatch match;
    if (std::regex_search(line, match, date))
        sample.timestamp = match[1];
    bool recognised = false;
    if (std::regex_search(line, match, ram)) {
        sample.ramUsedMb = number(match[1]);
        sample.ramTotalMb = number(match[2]);
        recognised = true;
    }
    if (std::regex_search(line, match, swap)) {
        sample.swapUsedMb = number(match[1]);
        sample.swapTotalMb = number(match[2]);
        if (match[3].matched)
            sample.swapCachedMb = number(match[3]);
    }
    if (std::regex_search(line, match, cpu)) {
        recognised = true;
        std::stringstream list(match[1].str());
        std::string item;
        while (std::getline(list, item, ',')) {
            TegrastatsSample::Core c;
            std::smatch coreMatch;
            if (item.find("off") != std::string::npos) {
                c.online = false;
            } else if (std::regex_match(item, coreMatch, core)) {
                c.loadPercent = number(coreMatch[1]);
                if (coreMatch[2].matched)
                    c.frequencyMhz = number(coreMatch[2]);
            } else {
                return Status(StatusCode::CorruptData, "tegrastats: unreadable CPU entry \"" + item + "\"");
            }
            sample.cores.push_back(c);
        }
    }
    if (std::regex_search(line, match, emc)) {
        sample.emcLoadPercent = number(match[1]);
        if (match[2].matched)
            sample.emcFrequencyMhz = number(match[2]);
    }
    if (std::regex_search(line, match, gpu)) {
        recognised = true;
        if (match[1].matched)
            sample.gpuLoadPercent = number(match[1]);
        if (match[2].matched) {
            std::stringstream list(match[2].str());
            std::string item;
            while (std::getline(list, item, ','))
                sample.gpuFrequenciesMhz.push_back(number(item));
        } else if (match[3].matched) {
            sample.gpuFrequenciesMhz.push_back(number(match[3]));
        }
    }
    for (auto it = std::sregex_iterator(line.begin(), line.end(), temperature); it != std::sregex_iterator(); ++it) {
        const double celsius = number((*it)[2]);
        if (celsius > -200) // -256C: no sensor
            sample.temperatures[(*it)[1]] = celsius;
    }
    for (auto it = std::sregex_iterator(line.begin(), line.end(), rail); it != std::sregex_iterator(); ++it) {
        const std::string name = (*it)[1];
        if (name == "RAM" || name == "SWAP" || name == "IRAM")
            continue;
        TegrastatsSample::Rail r;
        r.currentMw = number((*it)[2]);
        r.averageMw = number((*it)[3]);
        if ((*it)[4].matched)
            r.maxMw = number((*it)[4]);
        sample.rails[name] = r;
    }
    for (auto it = std::sregex_iterator(line.begin(), line.end(), engine); it != std::sregex_iterator(); ++it) {
        const std::string value = (*it)[2];
        sample.engines[(*it)[1]] = value == "off" ? std::optional<double>() : std::optional<double>(number(value));
    }
    if (!recognised)
        return Status(StatusCode::CorruptData,
            "not a tegrastats line (no RAM, CPU or GR3D_FREQ field): \"" + line.substr(0, 80) + "\"");
    return sample;
}

void appendTegrastatsSample(const TegrastatsSample& sample, int64_t timeNs, std::map<std::string, CounterTrack>& tracks)
{
    auto add = [&](const std::string& name, const std::string& unit, double value) {
        CounterTrack& track = tracks[name];
        if (track.name.empty()) {
            track.name = name;
            track.unit = unit;
            track.source = "tegrastats";
        }
        track.samples.emplace_back(timeNs, value);
    };
    if (sample.ramUsedMb)
        add("ram used", "MB", *sample.ramUsedMb);
    if (sample.swapUsedMb)
        add("swap used", "MB", *sample.swapUsedMb);
    for (size_t i = 0; i < sample.cores.size(); ++i) {
        const auto& c = sample.cores[i];
        if (!c.online)
            continue;
        add("cpu" + std::to_string(i) + " load", "%", c.loadPercent);
        if (c.frequencyMhz)
            add("cpu" + std::to_string(i) + " freq", "MHz", *c.frequencyMhz);
    }
    if (sample.emcLoadPercent)
        add("emc load", "%", *sample.emcLoadPercent);
    if (sample.emcFrequencyMhz)
        add("emc freq", "MHz", *sample.emcFrequencyMhz);
    if (sample.gpuLoadPercent)
        add("gpu load", "%", *sample.gpuLoadPercent);
    if (!sample.gpuFrequenciesMhz.empty())
        add("gpu freq", "MHz", sample.gpuFrequenciesMhz.front());
    for (const auto& [name, celsius] : sample.temperatures)
        add("temp " + name, "C", celsius);
    for (const auto& [name, r] : sample.rails)
        add("power " + name, "mW", r.currentMw);
}

TegrastatsProcess::~TegrastatsProcess()
{
    stop();
}

Status TegrastatsProcess::start(const std::string& command, int periodMs)
{
    std::vector<std::string> words;
    std::istringstream split(command);
    for (std::string word; split >> word;)
        words.push_back(word);
    if (words.empty())
        return Status(StatusCode::InvalidArgument, "no tegrastats command given");
    words.push_back("--interval");
    words.push_back(std::to_string(periodMs));
    int pipeFds[2];
    if (pipe(pipeFds) != 0)
        return Status(StatusCode::IoError, std::string("cannot start tegrastats: ") + std::strerror(errno));
    const pid_t pid = fork();
    if (pid < 0)
        return Status(StatusCode::IoError, std::string("cannot start tegrastats: ") + std::strerror(errno));
    if (pid == 0) {
        dup2(pipeFds[1], STDOUT_FILENO);
        close(pipeFds[0]);
        close(pipeFds[1]);
        std::vector<char*> argv;
        for (auto& word : words)
            argv.push_back(word.data());
        argv.push_back(nullptr);
        execvp(argv[0], argv.data());
        _exit(127);
    }
    close(pipeFds[1]);
    m_pid = pid;
    m_fd = pipeFds[0];
    m_reader = std::thread([this, fd = m_fd] { readLoop(fd); });
    return Status::ok();
}

void TegrastatsProcess::readLoop(int fd)
{
    std::string pending;
    char buffer[4096];
    ssize_t got;
    while ((got = read(fd, buffer, sizeof buffer)) > 0) {
        pending.append(buffer, size_t(got));
        size_t newline;
        while ((newline = pending.find('\n')) != std::string::npos) {
            const std::string line = pending.substr(0, newline);
            pending.erase(0, newline + 1);
            auto sample = parseTegrastatsLine(line);
            std::lock_guard<std::mutex> lock(m_mutex);
            if (sample) {
                appendTegrastatsSample(sample.value(), nowNs(), m_tracks);
                ++m_parsed;
            } else {
                ++m_rejected;
            }
        }
    }
}

void TegrastatsProcess::stop()
{
    if (m_pid > 0) {
        kill(m_pid, SIGTERM);
        int status = 0;
        waitpid(m_pid, &status, 0);
        m_pid = -1;
    }
    if (m_reader.joinable())
        m_reader.join();
    if (m_fd >= 0) {
        close(m_fd);
        m_fd = -1;
    }
}

std::vector<CounterTrack> TegrastatsProcess::tracks(int64_t fromNs, int64_t toNs) const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return sliceTracks(m_tracks, fromNs, toNs);
}

int64_t TegrastatsProcess::linesParsed() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_parsed;
}

int64_t TegrastatsProcess::linesRejected() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_rejected;
}

} // namespace es::prof
