// SPDX-License-Identifier: Apache-2.0
// Reading NVTXT: comments, variable assignments (ProcessId, ThreadId, TimeBase, CategoryId, Color, ...), call
// declarations (@Func, Param, ...) and calls (RangeStartEnd, RangePush/RangePop, RangeStart/RangeEnd, Marker,
// SetFileDisplayName). Parameters a call does not give come from the variables. Times are taken as ns.
#include "exchange/import/import_internal.h"

#include <cctype>
#include <fstream>

namespace es::prof {

namespace {

std::string trim(const std::string& text)
{
    size_t start = 0, end = text.size();
    while (start < end && std::isspace(static_cast<unsigned char>(text[start])))
        ++start;
    while (end > start && std::isspace(static_cast<unsigned char>(text[end - 1])))
        --end;
    return text.substr(start, end - start);
}

/// Splits on commas outside double quotes; false on an unterminated string.
bool splitArguments(const std::string& line, std::vector<std::string>& parts)
{
    parts.clear();
    std::string current;
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (c == '"') {
            quoted = !quoted;
            current += c;
        } else if (c == '\\' && quoted && i + 1 < line.size()) {
            current += c;
            current += line[++i];
        } else if (c == ',' && !quoted) {
            parts.push_back(trim(current));
            current.clear();
        } else {
            current += c;
        }
    }
    if (quoted)
        return false;
    parts.push_back(trim(current));
    return true;
}

std::string unquote(const std::string& value)
{
    if (value.size() < 2 || value.front() != '"' || value.back() != '"')
        return value;
    std::string text;
    for (size_t i = 1; i + 1 < value.size(); ++i) {
        if (value[i] == '\\' && i + 2 < value.size())
            ++i;
        text += value[i];
    }
    return text;
}

bool parseInteger(const std::string& text, int64_t& value)
{
    if (text.empty())
        return false;
    try {
        size_t used = 0;
        value = std::stoll(text, &used, 0);
        return used == text.size();
    } catch (const std::exception&) {
        return false;
    }
}

/// One NVTXT file being read: the declarations and variables so far, the ranges still open, and counts.
struct NvtxtReader
{
    const std::string& path;
    ImportedRun& run;
    std::map<std::string, std::vector<std::string>> declarations;
    std::map<std::string, std::string> variables;
    std::map<int64_t, std::vector<std::pair<int64_t, std::string>>> pushed; // tid -> open push ranges
    std::map<std::string, std::pair<int64_t, std::string>> started; // RangeStart id -> (start, message)
    int64_t lineNumber = 0, calls = 0, markers = 0;

    /// A CorruptData naming the line being read.
    Status bad(const std::string& why) const
    {
        return Status(
            StatusCode::CorruptData, path + " line " + std::to_string(lineNumber) + ": " + why + " (not valid NVTXT)");
    }
};

/// A call (parts[0] its name, the rest its values): its parameters from its declaration and the variables, then
/// the range it adds, opens or closes.
Status readCall(NvtxtReader& reader, const std::vector<std::string>& parts)
{
    const std::string& call = parts[0];
    auto declared = reader.declarations.find(call);
    if (declared == reader.declarations.end())
        return reader.bad("call " + call + " before its @" + call + " declaration");
    if (parts.size() - 1 != declared->second.size())
        return reader.bad(call + " gives " + std::to_string(parts.size() - 1) + " values for "
            + std::to_string(declared->second.size()) + " declared parameters");
    std::map<std::string, std::string> values = reader.variables;
    for (size_t i = 0; i < declared->second.size(); ++i)
        values[declared->second[i]] = parts[i + 1];
    auto integer = [&](const char* key, int64_t fallback) -> Result<int64_t> {
        auto found = values.find(key);
        if (found == values.end())
            return fallback;
        int64_t value = 0;
        if (!parseInteger(found->second, value))
            return reader.bad(std::string(key) + " is not an integer: " + found->second);
        return value;
    };
    ES_ASSIGN_OR_RETURN(const int64_t tid, integer("ThreadId", 0));
    ES_ASSIGN_OR_RETURN(const int64_t pid, integer("ProcessId", 0));
    ImportedRun& run = reader.run;
    if (pid > 0 && run.data().pid == 0)
        run.data().pid = pid;
    const std::string message = values.count("Message") ? unquote(values["Message"]) : call;
    ++reader.calls;
    if (call == "RangeStartEnd") {
        ES_ASSIGN_OR_RETURN(const int64_t start, integer("Start", 0));
        ES_ASSIGN_OR_RETURN(const int64_t end, integer("End", 0));
        if (end < start)
            return reader.bad("the range ends before it starts");
        run.addRange(tid, start, end, message);
    } else if (call == "RangePush") {
        ES_ASSIGN_OR_RETURN(const int64_t time, integer("Time", 0));
        reader.pushed[tid].emplace_back(time, message);
    } else if (call == "RangePop") {
        ES_ASSIGN_OR_RETURN(const int64_t time, integer("Time", 0));
        auto& open = reader.pushed[tid];
        if (open.empty())
            return reader.bad("RangePop without a RangePush on thread " + std::to_string(tid));
        run.addRange(tid, open.back().first, time, open.back().second);
        open.pop_back();
    } else if (call == "RangeStart") {
        ES_ASSIGN_OR_RETURN(const int64_t time, integer("Time", 0));
        reader.started[values.count("RangeId") ? values["RangeId"] : message] = { time, message };
    } else if (call == "RangeEnd") {
        ES_ASSIGN_OR_RETURN(const int64_t time, integer("Time", 0));
        auto found = reader.started.find(values.count("RangeId") ? values["RangeId"] : message);
        if (found != reader.started.end()) {
            run.addRange(tid, found->second.first, time, found->second.second);
            reader.started.erase(found);
        }
    } else if (call == "Marker") {
        ++reader.markers; // instants: counted, not kept as ranges
    }
    return Status::ok();
}

} // namespace

Result<RunData> readNvtxt(const std::string& path, ExchangeStats& stats)
{
    std::ifstream file(path);
    if (!file)
        return Status(StatusCode::NotFound, "cannot open " + path);
    ImportedRun run(path, "NVTXT");
    NvtxtReader reader { path, run, {}, {}, {}, {} };
    std::vector<std::string> parts;
    std::string line;
    while (std::getline(file, line)) {
        ++reader.lineNumber;
        stats.bytes += int64_t(line.size()) + 1;
        const std::string text = trim(line);
        if (text.empty() || text[0] == '#')
            continue;
        if (!splitArguments(text[0] == '@' ? text.substr(1) : text, parts))
            return reader.bad("unterminated string");
        if (text[0] == '@') {
            reader.declarations[parts[0]] = std::vector<std::string>(parts.begin() + 1, parts.end());
            continue;
        }
        const size_t equals = text.find('=');
        if (parts.size() == 1 && equals != std::string::npos) {
            reader.variables[trim(text.substr(0, equals))] = trim(text.substr(equals + 1));
            continue;
        }
        if (parts[0] == "SetFileDisplayName") {
            if (parts.size() > 1)
                run.data().run.title = unquote(parts[1]) + " (NVTXT)";
            continue;
        }
        ES_RETURN_IF_ERROR(readCall(reader, parts));
    }
    if (reader.calls == 0)
        return Status(StatusCode::CorruptData, path + " has no NVTXT call (no range or marker): not an NVTXT file");
    if (reader.markers)
        stats.notes.push_back(std::to_string(reader.markers) + " markers read (kept as a count, not as ranges)");
    return run.finish(stats);
}

} // namespace es::prof
