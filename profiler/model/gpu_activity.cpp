// SPDX-License-Identifier: Apache-2.0
#include "model/gpu_activity.h"

#include <cstdlib>
#include <cxxabi.h>
#include <memory>
#include <unordered_set>

namespace es::prof {

uint32_t GpuActivity::intern(const std::string& text)
{
    if (text.empty())
        return 0;
    if (m_nameIndex.empty() && names.size() > 1) {
        for (uint32_t i = 1; i < names.size(); ++i)
            m_nameIndex.emplace(names[i], i);
    }
    auto found = m_nameIndex.find(text);
    if (found != m_nameIndex.end())
        return found->second;
    const uint32_t index = uint32_t(names.size());
    names.push_back(text);
    m_nameIndex.emplace(text, index);
    return index;
}

const std::string& GpuActivity::name(uint32_t index) const
{
    return index < names.size() ? names[index] : names[0];
}

size_t GpuActivity::recordCount() const
{
    return apiCalls.size() + kernels.size() + copies.size() + memsets.size() + syncs.size() + markers.size()
        + overheads.size();
}

void GpuActivity::append(GpuActivity&& other)
{
    std::vector<uint32_t> remap(other.names.size(), 0);
    for (size_t i = 1; i < other.names.size(); ++i)
        remap[i] = intern(other.names[i]);
    auto at = [&remap](uint32_t index) { return index < remap.size() ? remap[index] : 0u; };
    for (GpuApiCall call : other.apiCalls) {
        call.nameIndex = at(call.nameIndex);
        apiCalls.push_back(call);
    }
    for (GpuKernel kernel : other.kernels) {
        kernel.nameIndex = at(kernel.nameIndex);
        kernels.push_back(kernel);
    }
    for (GpuMarker marker : other.markers) {
        marker.nameIndex = at(marker.nameIndex);
        marker.domainIndex = at(marker.domainIndex);
        markers.push_back(marker);
    }
    copies.insert(copies.end(), other.copies.begin(), other.copies.end());
    memsets.insert(memsets.end(), other.memsets.begin(), other.memsets.end());
    syncs.insert(syncs.end(), other.syncs.begin(), other.syncs.end());
    overheads.insert(overheads.end(), other.overheads.begin(), other.overheads.end());
    droppedRecords += other.droppedRecords;
    unknownRecords += other.unknownRecords;
    buffersCompleted += other.buffersCompleted;
    bytesDecoded += other.bytesDecoded;
    for (std::string& note : other.notes)
        notes.push_back(std::move(note));
    other = GpuActivity();
}

GpuActivity GpuActivity::slice(int64_t fromNs, int64_t toNs) const
{
    GpuActivity part;
    part.names = names;
    part.clock = clock;
    part.droppedRecords = droppedRecords;
    part.unknownRecords = unknownRecords;
    part.buffersCompleted = buffersCompleted;
    part.bytesDecoded = bytesDecoded;
    part.notes = notes;
    auto inside = [&](int64_t t) { return t >= fromNs && t <= toNs; };
    std::unordered_set<uint32_t> keptCalls, allCalls;
    for (const GpuApiCall& call : apiCalls) {
        allCalls.insert(call.correlationId);
        if (inside(call.startNs)) {
            part.apiCalls.push_back(call);
            keptCalls.insert(call.correlationId);
        }
    }
    // Device work belongs to the window of the call that issued it; work without a call recorded (RUNTIME off,
    // or a call before tracing started) goes by its own start.
    auto keep = [&](uint32_t correlationId, int64_t startNs) {
        return correlationId && allCalls.count(correlationId) ? keptCalls.count(correlationId) > 0 : inside(startNs);
    };
    for (const GpuKernel& k : kernels)
        if (keep(k.correlationId, k.startNs))
            part.kernels.push_back(k);
    for (const GpuCopy& c : copies)
        if (keep(c.correlationId, c.startNs))
            part.copies.push_back(c);
    for (const GpuMemset& m : memsets)
        if (keep(m.correlationId, m.startNs))
            part.memsets.push_back(m);
    for (const GpuSync& s : syncs)
        if (keep(s.correlationId, s.startNs))
            part.syncs.push_back(s);
    for (const GpuMarker& m : markers)
        if (inside(m.timeNs))
            part.markers.push_back(m);
    for (const GpuOverhead& o : overheads)
        if (inside(o.startNs))
            part.overheads.push_back(o);
    return part;
}

int64_t resolveOsThreadId(uint32_t cuptiThreadId, const std::vector<KnownThread>& known)
{
    for (const KnownThread& thread : known)
        if (uint32_t(thread.osTid) == cuptiThreadId)
            return thread.osTid;
    for (const KnownThread& thread : known)
        if (thread.pthreadLow32 == cuptiThreadId)
            return thread.osTid;
    return int64_t(cuptiThreadId);
}

std::string demangleKernelName(const std::string& mangled)
{
    if (mangled.rfind("_Z", 0) != 0)
        return mangled;
    int status = 0;
    std::unique_ptr<char, void (*)(void*)> text(
        abi::__cxa_demangle(mangled.c_str(), nullptr, nullptr, &status), std::free);
    return status == 0 && text ? std::string(text.get()) : mangled;
}

std::string shortKernelName(const std::string& demangled)
{
    // Cut the parameter list: the last top-level '(' that closes at the end.
    std::string name = demangled;
    if (!name.empty() && name.back() == ')') {
        int depth = 0;
        for (size_t i = name.size(); i-- > 0;) {
            if (name[i] == ')')
                ++depth;
            else if (name[i] == '(' && --depth == 0) {
                name.resize(i);
                break;
            }
        }
    }
    // Drop template arguments, then keep what follows the last "::" and the last space (the return type).
    std::string flat;
    int angle = 0;
    for (char c : name) {
        if (c == '<')
            ++angle;
        else if (c == '>')
            angle = angle > 0 ? angle - 1 : 0;
        else if (angle == 0)
            flat += c;
    }
    const size_t scope = flat.rfind("::");
    if (scope != std::string::npos)
        flat = flat.substr(scope + 2);
    const size_t space = flat.rfind(' ');
    if (space != std::string::npos)
        flat = flat.substr(space + 1);
    return flat.empty() ? demangled : flat;
}

} // namespace es::prof
