// SPDX-License-Identifier: Apache-2.0
#include "cli_support.h"

#include "commands.h"
#include "edgescope/engine/frame_source.h"
#include "store/session_store.h"

#include <cctype>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <map>
#include <ostream>
#include <unistd.h>

namespace es::cli {

std::string optionFlag(const std::string& option)
{
    // The LabOptions and BenchOptions fields whose flag is not "--" and the field's name.
    static const std::map<std::string, std::string> spelledOtherwise
        = { { "weightsPath", "--weights" }, { "sessionPath", "--out" }, { "samplerPeriodMs", "--sample-period" },
              { "operatorStride", "--operator-stride" }, { "traceDriverApi", "--trace-driver-api" },
              { "tegrastatsCommand", "--tegrastats" }, { "measureDetectorOnly", "--no-detector-only" },
              { "minSeconds", "--min-time" }, { "minIterations", "--iterations" } };
    const auto found = spelledOtherwise.find(option);
    return found != spelledOtherwise.end() ? found->second : "--" + option;
}

int reportFailure(const Status& status, std::ostream& err, const std::string& flag)
{
    err << "edgescope-cli: error: " << status.message();
    if (!status.option().empty())
        err << " (option " << (flag.empty() ? optionFlag(status.option()) : flag) << ")";
    err << "\n";
    return status.code() == StatusCode::InvalidArgument ? kExitUsage : kExitFailed;
}

std::function<void(const std::string&)> progressPrinter(
    std::ostream& err, bool quiet, std::function<bool(const std::string&)> keep)
{
    if (quiet)
        return {};
    const bool terminal = isatty(STDERR_FILENO);
    return [&err, terminal, keep](const std::string& line) {
        if (terminal)
            err << "\r\033[K" << line << (keep && keep(line) ? "\n" : "") << std::flush;
        else
            err << line << "\n";
    };
}

Status applyFrameInput(engine::LabOptions& options, const std::string& video, const std::string& synthetic)
{
    options.video = video;
    if (synthetic.empty())
        return Status::ok();
    ES_ASSIGN_OR_RETURN(const auto size, engine::parseFrameSize(synthetic));
    options.synthetic = true;
    options.syntheticWidth = size.first;
    options.syntheticHeight = size.second;
    return Status::ok();
}

Result<double> parseDurationSeconds(const std::string& text)
{
    const auto invalid = [&text] {
        return Status(StatusCode::InvalidArgument,
            "duration '" + text + "' is not valid: give seconds (90), or a number with s, m or h (30m, 1h30m)");
    };
    if (text.empty() || text.size() > 32)
        return invalid();
    double total = 0;
    size_t position = 0;
    int parts = 0;
    while (position < text.size()) {
        const char* begin = text.c_str() + position;
        if (!std::isdigit(static_cast<unsigned char>(*begin)) && *begin != '.')
            return invalid();
        char* end = nullptr;
        const double value = std::strtod(begin, &end);
        if (end == begin || !(value >= 0) || value > 1e9)
            return invalid();
        position += size_t(end - begin);
        double unit = 1;
        if (position < text.size()) {
            const char suffix = text[position++];
            unit = suffix == 's' ? 1 : suffix == 'm' ? 60 : suffix == 'h' ? 3600 : 0;
            if (unit == 0)
                return invalid(); // "30 m", "5x"
        } else if (parts > 0) {
            return invalid(); // "5s3": only a lone number goes without a unit
        }
        total += value * unit;
        ++parts;
    }
    if (!(total > 0) || total > 366.0 * 86400)
        return Status(StatusCode::InvalidArgument, "duration '" + text + "' must be above 0 and at most a year");
    return total;
}

namespace {

std::atomic<bool> g_interrupted { false };
volatile std::sig_atomic_t g_signal = 0;
struct sigaction g_previousInt, g_previousTerm;

void onSignal(int number)
{
    if (g_interrupted.load()) {
        // Second signal: the user insists. The default action ends the process; the session keeps its runs.
        std::signal(number, SIG_DFL);
        std::raise(number);
        return;
    }
    g_signal = number;
    g_interrupted.store(true);
    static const char message[]
        = "\nedgescope-cli: stopping after the current batch; the session keeps every finished run "
          "(signal again to quit at once)\n";
    const ssize_t ignored = write(STDERR_FILENO, message, sizeof message - 1);
    (void)ignored;
}

} // namespace

InterruptGuard::InterruptGuard()
{
    g_interrupted.store(false);
    g_signal = 0;
    struct sigaction action;
    std::memset(&action, 0, sizeof action);
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &g_previousInt);
    sigaction(SIGTERM, &action, &g_previousTerm);
}

InterruptGuard::~InterruptGuard()
{
    sigaction(SIGINT, &g_previousInt, nullptr);
    sigaction(SIGTERM, &g_previousTerm, nullptr);
}

const std::atomic<bool>* InterruptGuard::flag() const
{
    return &g_interrupted;
}

int InterruptGuard::signalNumber() const
{
    return g_interrupted.load() ? int(g_signal) : 0;
}

int reportInterrupted(const InterruptGuard& guard, const std::string& sessionPath, std::ostream& err)
{
    err << "edgescope-cli: stopped by " << (guard.signalNumber() == SIGTERM ? "SIGTERM" : "SIGINT");
    if (!sessionPath.empty()) {
        auto store = prof::SessionStore::openForReading(sessionPath);
        auto runs = store ? store.value()->runs() : Result<std::vector<prof::RunSummary>>(store.status());
        if (runs)
            err << "; " << sessionPath << " is closed and holds " << runs->size()
                << " finished runs (the interrupted one was not written)";
        else
            err << "; " << sessionPath << ": " << runs.status().message();
    }
    err << "\n";
    return guard.exitCode();
}

} // namespace es::cli
