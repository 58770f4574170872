// SPDX-License-Identifier: Apache-2.0
#include "exchange/import/import_internal.h"

#include "model/vocabulary.h"

#include <algorithm>
#include <climits>
#include <cmath>

namespace es::prof {

ImportedRun::ImportedRun(const std::string& path, const std::string& tool)
{
    const size_t slash = path.rfind('/');
    RunRecord& run = m_data.run;
    run.step = "import";
    run.stepNumber = -1;
    run.title = (slash == std::string::npos ? path : path.substr(slash + 1)) + " (" + tool + ")";
    run.profile = "imported";
    run.video = path;
    run.weights = "";
    run.configJson = "{\"imported_from\": \"" + tool + "\"}";
}

uint16_t ImportedRun::thread(int64_t osTid)
{
    auto found = m_threads.find(osTid);
    if (found != m_threads.end())
        return found->second;
    const uint16_t index = uint16_t(m_data.threads.size());
    RangeRecorder::ThreadInfo info;
    info.index = index;
    info.osTid = osTid;
    info.pthreadLow32 = 0;
    // A session keeps thread ids in nsys's 24 bits; a tool that wrote a pthread id (older PyTorch profilers) or a
    // negative id gets a stand-in from the top of that range, and its API calls still find it by the id's low 32 bits.
    if (osTid < 0 || osTid > kLargestStoredTid) {
        int64_t standIn = kLargestStoredTid - int64_t(m_originalTids.size());
        while (m_threads.count(standIn))
            --standIn;
        info.osTid = standIn;
        info.pthreadLow32 = uint32_t(uint64_t(osTid));
        m_originalTids[standIn] = osTid;
    }
    m_data.threads.push_back(info);
    m_threads.emplace(osTid, index);
    return index;
}

int64_t ImportedRun::storedTid(int64_t osTid)
{
    return m_data.threads[thread(osTid)].osTid;
}

std::string displayThreadName(const std::string& name)
{
    // "thread 3554 (pt_main_thread)" -> "pt_main_thread"; the id is shown beside the name.
    const std::string prefix = "thread ";
    if (name.compare(0, prefix.size(), prefix) != 0 || name.empty() || name.back() != ')')
        return name;
    const size_t open = name.find(" (", prefix.size());
    if (open == std::string::npos || open == prefix.size())
        return name;
    const std::string id = name.substr(prefix.size(), open - prefix.size());
    const bool numeric = std::all_of(id.begin(), id.end(), [](char c) { return (c >= '0' && c <= '9') || c == '-'; });
    const std::string inner = name.substr(open + 2, name.size() - open - 3);
    return numeric && !inner.empty() ? inner : name;
}

void ImportedRun::settleThreadNames()
{
    std::map<int64_t, std::string> named;
    for (const auto& [osTid, name] : m_data.threadNames) {
        auto found = m_threads.find(osTid);
        const int64_t stored = found == m_threads.end() ? osTid : m_data.threads[found->second].osTid;
        named[stored] = displayThreadName(name);
    }
    for (const auto& [standIn, original] : m_originalTids)
        named.emplace(standIn, "thread " + std::to_string(original));
    m_data.threadNames = std::move(named);
}

void ImportedRun::addRange(int64_t osTid, int64_t startNs, int64_t endNs, const std::string& name, uint32_t argb)
{
    auto found = m_rangeNames.find(name);
    if (found == m_rangeNames.end()) {
        found = m_rangeNames.emplace(name, uint32_t(m_data.rangeNames.size())).first;
        m_data.rangeNames.push_back(name);
        m_data.rangeColors.push_back(argb);
    }
    RangeEvent event;
    event.startNs = startNs;
    event.endNs = std::max(startNs, endNs);
    event.payload = -1;
    event.nameId = found->second;
    event.threadIndex = thread(osTid);
    m_data.ranges.push_back(event);
}

void ImportedRun::addOperator(int64_t osTid, int64_t startNs, int64_t endNs, const std::string& name)
{
    m_data.operators.push_back({ startNs, std::max(startNs, endNs), name, storedTid(osTid), 0 });
}

RunData ImportedRun::finish(ExchangeStats& stats)
{
    int64_t first = INT64_MAX, last = INT64_MIN;
    auto span = [&](int64_t start, int64_t end) {
        if (start <= 0 && end <= 0)
            return;
        first = std::min(first, start);
        last = std::max(last, end);
    };
    for (const RangeEvent& r : m_data.ranges)
        span(r.startNs, r.endNs);
    for (const OperatorRecord& o : m_data.operators)
        span(o.startNs, o.endNs);
    const GpuActivity& g = m_data.gpu;
    for (const GpuApiCall& a : g.apiCalls)
        span(a.startNs, a.endNs);
    for (const GpuKernel& k : g.kernels)
        span(k.startNs, k.endNs);
    for (const GpuCopy& c : g.copies)
        span(c.startNs, c.endNs);
    for (const GpuMemset& m : g.memsets)
        span(m.startNs, m.endNs);
    for (const GpuSync& s : g.syncs)
        span(s.startNs, s.endNs);
    m_data.run.startNs = first == INT64_MAX ? 0 : first;
    m_data.run.endNs = last == INT64_MIN ? 0 : last;
    settleThreadNames();
    m_data.gpuTracingState = g.empty() ? es::gpu_tracing::kOff : es::gpu_tracing::kTraced;
    stats.events += int64_t(m_data.ranges.size() + m_data.operators.size() + g.recordCount());
    std::sort(m_data.operators.begin(), m_data.operators.end(), [](const auto& a, const auto& b) {
        return a.startNs != b.startNs ? a.startNs < b.startNs : a.endNs > b.endNs;
    });
    return std::move(m_data);
}

int64_t toInt64Saturated(double value, int64_t fallback)
{
    if (std::isnan(value))
        return fallback;
    if (value >= 9.2233720368547758e18)
        return INT64_MAX;
    if (value <= -9.2233720368547758e18)
        return INT64_MIN;
    return int64_t(value);
}

int64_t clampImportedNs(double ns)
{
    return clampImportedNs(toInt64Saturated(ns));
}

int64_t clampImportedNs(int64_t ns)
{
    return std::clamp(ns, -kImportedTimeLimitNs, kImportedTimeLimitNs);
}

} // namespace es::prof
