// SPDX-License-Identifier: Apache-2.0
#include "weights_command.h"

#include "cli_support.h"
#include "commands.h"
#include "edgescope/engine/weights_cache.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <ostream>
#include <sys/stat.h>
#include <unistd.h>

namespace es::cli {

namespace {

/// What `weights` and its subcommands parse into.
struct WeightsArguments
{
    CLI::App* list = nullptr;
    CLI::App* fetch = nullptr;
    CLI::App* verify = nullptr;
    CLI::App* path = nullptr;
    std::vector<std::string> names;
    std::string name;
    std::string file;
    std::string url;
    std::string sha256;
    std::string timeout = "30";
    bool json = false;
    bool quiet = false;
};

std::string megabytes(int64_t bytes)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.1f MB", double(bytes) / 1e6);
    return text;
}

int64_t fileBytes(const std::string& path)
{
    struct stat info;
    return ::stat(path.c_str(), &info) == 0 ? int64_t(info.st_size) : -1;
}

/// The download's progress on stderr: one bar rewritten at most ten times a second on a terminal; elsewhere a line
/// at every tenth of the file (every 16 MB when the server gives no size). Called on the fetching thread (here the
/// main thread).
class ProgressBar
{
public:
    ProgressBar(std::ostream& err, std::string name) : m_err(err), m_name(std::move(name)) { }

    void operator()(int64_t done, int64_t total)
    {
        const auto now = std::chrono::steady_clock::now();
        if (m_firstDone < 0) {
            m_firstDone = done;
            m_start = now;
        }
        if (m_terminal) {
            if (now - m_lastDrawn < std::chrono::milliseconds(100) && done != total)
                return;
            m_lastDrawn = now;
            m_err << "\r\033[K" << barText(done, total, now) << std::flush;
            m_drawn = true;
            return;
        }
        const int64_t step = total > 0 ? (done * 10) / total : done / (16 << 20);
        if (step > m_lastStep) {
            m_lastStep = step;
            m_err << m_name << ": " << (total > 0 ? std::to_string(step * 10) + " %, " : "") << megabytes(done)
                  << (total > 0 ? " of " + megabytes(total) : "") << "\n";
        }
    }

    /// Ends the bar's line on a terminal.
    void finish()
    {
        if (m_drawn)
            m_err << "\r\033[K";
        m_drawn = false;
    }

private:
    std::string barText(int64_t done, int64_t total, std::chrono::steady_clock::time_point now) const
    {
        const double seconds = std::chrono::duration<double>(now - m_start).count();
        const double rate = seconds > 0.2 ? double(done - m_firstDone) / seconds : 0;
        std::string text = m_name + " ";
        if (total > 0) {
            const int filled = int(40 * done / total);
            text += "[" + std::string(filled, '#') + std::string(40 - filled, '-') + "] "
                + std::to_string(100 * done / total) + " %  " + megabytes(done) + " / " + megabytes(total);
        } else {
            text += megabytes(done);
        }
        return text + "  " + megabytes(int64_t(rate)) + "/s";
    }

    std::ostream& m_err;
    std::string m_name;
    const bool m_terminal = isatty(STDERR_FILENO);
    bool m_drawn = false;
    int64_t m_firstDone = -1;
    int64_t m_lastStep = 0;
    std::chrono::steady_clock::time_point m_start, m_lastDrawn;
};

nlohmann::json sourceToJson(const engine::WeightsSource& source)
{
    const auto cached = engine::cachedWeights(source.name);
    return { { "name", source.name }, { "model", source.model }, { "url", source.url },
        { "file_name", source.fileName }, { "sha256", source.sha256 }, { "sha256_prefix", source.sha256Prefix },
        { "published_bytes", source.bytes }, { "publisher", source.publisher }, { "format", source.format },
        { "cached", cached.has_value() }, { "path", engine::weightsCacheDir() + "/" + source.fileName },
        { "bytes", cached ? fileBytes(*cached) : 0 } };
}

int listCommand(const WeightsArguments& arguments, std::ostream& out)
{
    if (arguments.json) {
        nlohmann::json sources = nlohmann::json::array();
        for (const engine::WeightsSource& source : engine::weightsSources())
            sources.push_back(sourceToJson(source));
        out << nlohmann::json { { "cache", engine::weightsCacheDir() }, { "weights", sources } }.dump(2) << "\n";
        return kExitOk;
    }
    out << "weights cache: " << engine::weightsCacheDir() << "\n";
    char line[512];
    std::snprintf(line, sizeof line, "%-22s %-22s %-7s %10s  %s\n", "name", "model", "cached", "size", "path");
    out << line;
    for (const engine::WeightsSource& source : engine::weightsSources()) {
        const auto cached = engine::cachedWeights(source.name);
        const int64_t bytes = cached ? fileBytes(*cached) : source.bytes;
        std::snprintf(line, sizeof line, "%-22s %-22s %-7s %10s  %s\n", source.name.c_str(), source.model.c_str(),
            cached ? "yes" : "no", bytes > 0 ? megabytes(bytes).c_str() : "?",
            (engine::weightsCacheDir() + "/" + source.fileName).c_str());
        out << line << "    " << source.publisher << "\n";
    }
    out << "fetch with `edgescope-cli weights fetch NAME`; offline, copy the cache folder from a machine that has "
           "fetched them (docs/weights.md)\n";
    return kExitOk;
}

nlohmann::json fetchToJson(const std::string& name, const Result<engine::FetchResult>& fetched)
{
    if (!fetched)
        return { { "name", name }, { "ok", false }, { "code", statusCodeName(fetched.status().code()) },
            { "error", fetched.status().message() } };
    return { { "name", name }, { "ok", true }, { "path", fetched->path }, { "url", fetched->url },
        { "bytes", fetched->bytes }, { "resumed_from", fetched->resumedFrom }, { "sha256", fetched->sha256 },
        { "already_cached", fetched->alreadyCached }, { "notes", fetched->notes } };
}

void printFetched(const std::string& name, const engine::FetchResult& fetched, std::ostream& out)
{
    out << name << ": " << fetched.path << " (" << megabytes(fetched.bytes) << ", SHA-256 " << fetched.sha256 << ")";
    if (fetched.resumedFrom > 0)
        out << ", resumed from " << megabytes(fetched.resumedFrom);
    out << "\n";
    for (const std::string& note : fetched.notes)
        out << "  " << note << "\n";
}

/// One name: its download with progress, then its result (a line or a JSON object). Returns the exit code.
int fetchOne(const std::string& name, const WeightsArguments& arguments, engine::FetchOptions options,
    std::ostream& out, std::ostream& err)
{
    const engine::WeightsSource* source = engine::findWeightsSource(name);
    const std::string shown = source ? source->name : name;
    ProgressBar bar(err, shown);
    if (!arguments.quiet)
        options.progress = [&bar](int64_t done, int64_t total) { bar(done, total); };
    const std::string url = options.url.empty() && source ? source->url : options.url;
    if (!url.empty() && !arguments.quiet)
        err << shown << ": " << url << "\n";
    auto fetched = engine::fetchWeights(name, options);
    bar.finish();
    if (arguments.json)
        out << fetchToJson(shown, fetched).dump() << "\n";
    if (!fetched)
        return reportFailure(fetched.status(), err);
    if (!arguments.json)
        printFetched(shown, fetched.value(), out);
    return kExitOk;
}

int fetchCommand(const WeightsArguments& arguments, std::ostream& out, std::ostream& err)
{
    if (arguments.names.size() > 1 && (!arguments.url.empty() || !arguments.sha256.empty()))
        return reportFailure(
            Status(StatusCode::InvalidArgument, "--url and --sha256 describe one file: give one NAME with them"), err);
    auto timeout = parseDurationSeconds(arguments.timeout);
    if (!timeout)
        return reportFailure(timeout.status(), err, "--timeout");
    // No InterruptGuard: Ctrl-C ends the process at once, and the partial file (a prefix of the download) resumes.
    engine::FetchOptions options;
    options.url = arguments.url;
    options.sha256 = arguments.sha256;
    options.timeoutSeconds = timeout.value();
    int code = kExitOk;
    for (const std::string& name : arguments.names)
        code = std::max(code, fetchOne(name, arguments, options, out, err));
    return code;
}

/// What verifyWeights compared for `source`, in words.
std::string checksOf(const engine::WeightsSource& source)
{
    if (!source.sha256.empty())
        return "the published SHA-256";
    if (!source.sha256Prefix.empty())
        return "the SHA-256 prefix " + source.sha256Prefix + " of the file name";
    if (source.bytes > 0)
        return "the size (" + std::to_string(source.bytes) + " bytes; no checksum published)";
    return {};
}

/// The source a file is checked against: --name, else the one whose published file name it has.
const engine::WeightsSource* sourceForFile(const WeightsArguments& arguments)
{
    if (!arguments.name.empty())
        return engine::findWeightsSource(arguments.name);
    const std::string base = arguments.file.substr(arguments.file.find_last_of('/') + 1);
    for (const engine::WeightsSource& source : engine::weightsSources())
        if (source.fileName == base)
            return &source;
    return nullptr;
}

int verifyCommand(const WeightsArguments& arguments, std::ostream& out, std::ostream& err)
{
    const engine::WeightsSource* source = sourceForFile(arguments);
    if (!arguments.name.empty() && !source)
        return reportFailure(
            Status(StatusCode::InvalidArgument, "--name " + arguments.name + " is not a weights name (weights list)"),
            err);
    auto hash = engine::sha256OfFile(arguments.file);
    if (!hash)
        return reportFailure(hash.status(), err);
    out << arguments.file << ": " << fileBytes(arguments.file) << " bytes, SHA-256 " << hash.value() << "\n";
    if (!source) {
        out << "not a published file name: give --name NAME to check it against a publisher's checksum\n";
        return kExitOk;
    }
    const Status checked = engine::verifyWeights(arguments.file, *source);
    if (!checked.isOk())
        return reportFailure(checked, err);
    const std::string checks = checksOf(*source);
    if (checks.empty())
        out << source->name << " publishes no checksum or size: nothing to compare it with\n";
    else
        out << "matches " << source->name << ": " << checks << "\n";
    return kExitOk;
}

int pathCommand(const WeightsArguments& arguments, std::ostream& out, std::ostream& err)
{
    const engine::WeightsSource* source = engine::findWeightsSource(arguments.name);
    if (!source)
        return reportFailure(
            Status(StatusCode::InvalidArgument, "'" + arguments.name + "' is not a weights name (weights list)"), err);
    if (const auto cached = engine::cachedWeights(source->name)) {
        out << *cached << "\n";
        return kExitOk;
    }
    err << "edgescope-cli: error: " << source->name << " is not in the cache (" << engine::weightsCacheDir() << "/"
        << source->fileName << "): fetch it with `edgescope-cli weights fetch " << source->name << "`\n";
    return kExitFailed;
}

void addSubcommands(CLI::App& weights, WeightsArguments& arguments)
{
    arguments.list = weights.add_subcommand("list", "The published weights EdgeScope knows and whether they are here");
    arguments.list->add_flag("--json", arguments.json, "Print one JSON object");
    arguments.fetch = weights.add_subcommand("fetch", "Download weights into the cache, resumed after a cut, checked");
    arguments.fetch->add_option("names", arguments.names, "Weights names (weights list) or model ids")
        ->required()
        ->expected(1, -1);
    arguments.fetch->add_option("--url", arguments.url, "Download from this address instead (a mirror, a local file)");
    arguments.fetch->add_option("--sha256", arguments.sha256, "Check against this SHA-256 instead of the published");
    arguments.fetch->add_option("--timeout", arguments.timeout, "Stop after this long without a byte: 30, 90s, 2m")
        ->capture_default_str();
    arguments.fetch->add_flag("--json", arguments.json, "Print one JSON object per fetch on stdout (JSON lines)");
    arguments.fetch->add_flag("-q,--quiet", arguments.quiet, "No progress on stderr");
    arguments.verify = weights.add_subcommand("verify", "Check a file's size and SHA-256 against its publisher's");
    arguments.verify->add_option("file", arguments.file, "The weights file")->required();
    arguments.verify->add_option("--name", arguments.name, "Check it as this weights name (default: by file name)");
    arguments.path = weights.add_subcommand("path", "Print the cached file of NAME (exit 1 when not fetched)");
    arguments.path->add_option("name", arguments.name, "Weights name or model id")->required();
}

} // namespace

std::pair<CLI::App*, std::function<int()>> addWeightsCommand(CLI::App& app, std::ostream& out, std::ostream& err)
{
    auto arguments = std::make_shared<WeightsArguments>();
    CLI::App* weights = app.add_subcommand("weights",
        "Real weights: list the published files, fetch them into the cache (" + engine::weightsCacheDir()
            + "), verify a file, print a cached path");
    weights->require_subcommand(1);
    addSubcommands(*weights, *arguments);
    return { weights, [arguments, &out, &err]() {
                if (arguments->list->parsed())
                    return listCommand(*arguments, out);
                if (arguments->fetch->parsed())
                    return fetchCommand(*arguments, out, err);
                if (arguments->verify->parsed())
                    return verifyCommand(*arguments, out, err);
                return pathCommand(*arguments, out, err);
            } };
}

} // namespace es::cli
