// SPDX-License-Identifier: Apache-2.0
#include "range_recorder.h"

#include "clock.h"
#include "es_config.h"

#include <algorithm>
#include <sys/syscall.h>
#include <unistd.h>

#if ES_HAS_NVTX
#include <nvtx3/nvToolsExt.h>
#endif

namespace es::prof {

namespace {

#if ES_HAS_NVTX
nvtxDomainHandle_t edgescopeDomain()
{
    static nvtxDomainHandle_t domain = nvtxDomainCreateA("edgescope");
    return domain;
}
#endif

std::atomic<uint64_t> g_nextGeneration { 1 };
thread_local uint16_t t_depth = 0;

} // namespace

RangeNameRegistry& RangeNameRegistry::instance()
{
    static RangeNameRegistry registry;
    return registry;
}

RangeName RangeNameRegistry::intern(const std::string& text, uint32_t argbColor, uint32_t category)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    for (const RangeName& entry : m_entries) {
        if (m_names[entry.id] == text)
            return entry;
    }
    RangeName entry;
    entry.id = uint32_t(m_names.size());
    entry.argbColor = argbColor;
    entry.category = category;
#if ES_HAS_NVTX
    entry.nvtxHandle = nvtxDomainRegisterStringA(edgescopeDomain(), text.c_str());
#endif
    m_names.push_back(text);
    m_entries.push_back(entry);
    return entry;
}

std::string RangeNameRegistry::name(uint32_t id) const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return id < m_names.size() ? m_names[id] : std::string("?");
}

RangeName RangeNameRegistry::entry(uint32_t id) const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return id < m_entries.size() ? m_entries[id] : RangeName {};
}

void RangeNameRegistry::nameCategory(uint32_t category, const std::string& text)
{
#if ES_HAS_NVTX
    nvtxDomainNameCategoryA(edgescopeDomain(), category, text.c_str());
#else
    (void)category;
    (void)text;
#endif
}

struct RangeRecorder::ThreadBuffer
{
    std::mutex mutex; // uncontended except while a reader takes a snapshot
    std::vector<RangeEvent> events;
    ThreadInfo info;
};

namespace {
struct ThreadCache
{
    uint64_t generation = 0;
    void* buffer = nullptr;
};
thread_local ThreadCache t_cache;
} // namespace

RangeRecorder::RangeRecorder() : m_generation(g_nextGeneration.fetch_add(1)) { }

RangeRecorder::~RangeRecorder() = default;

RangeRecorder::ThreadBuffer* RangeRecorder::bufferForThisThread()
{
    if (t_cache.generation == m_generation)
        return static_cast<ThreadBuffer*>(t_cache.buffer);
    std::lock_guard<std::mutex> lock(m_buffersMutex);
    auto buffer = std::make_unique<ThreadBuffer>();
    buffer->info.index = uint16_t(m_buffers.size());
    buffer->info.osTid = int64_t(syscall(SYS_gettid));
    buffer->events.reserve(4096);
    t_cache.generation = m_generation;
    t_cache.buffer = buffer.get();
    m_buffers.push_back(std::move(buffer));
    return m_buffers.back().get();
}

void RangeRecorder::record(int64_t startNs, int64_t endNs, uint32_t nameId, int64_t payload, uint16_t depth)
{
    if (!enabled())
        return;
    ThreadBuffer* buffer = bufferForThisThread();
    std::lock_guard<std::mutex> lock(buffer->mutex);
    buffer->events.push_back(RangeEvent { startNs, endNs, payload, nameId, buffer->info.index, depth });
}

std::vector<RangeEvent> RangeRecorder::snapshot() const
{
    std::vector<RangeEvent> all;
    {
        std::lock_guard<std::mutex> lock(m_buffersMutex);
        for (const auto& buffer : m_buffers) {
            std::lock_guard<std::mutex> bufferLock(buffer->mutex);
            all.insert(all.end(), buffer->events.begin(), buffer->events.end());
        }
    }
    std::sort(all.begin(), all.end(), [](const RangeEvent& a, const RangeEvent& b) {
        if (a.startNs != b.startNs)
            return a.startNs < b.startNs;
        return a.endNs > b.endNs; // the enclosing range first
    });
    return all;
}

std::vector<RangeRecorder::ThreadInfo> RangeRecorder::threads() const
{
    std::lock_guard<std::mutex> lock(m_buffersMutex);
    std::vector<ThreadInfo> result;
    for (const auto& buffer : m_buffers)
        result.push_back(buffer->info);
    return result;
}

size_t RangeRecorder::size() const
{
    std::lock_guard<std::mutex> lock(m_buffersMutex);
    size_t total = 0;
    for (const auto& buffer : m_buffers) {
        std::lock_guard<std::mutex> bufferLock(buffer->mutex);
        total += buffer->events.size();
    }
    return total;
}

void RangeRecorder::clear()
{
    std::lock_guard<std::mutex> lock(m_buffersMutex);
    for (const auto& buffer : m_buffers) {
        std::lock_guard<std::mutex> bufferLock(buffer->mutex);
        buffer->events.clear();
    }
}

ScopedRange::ScopedRange(RangeRecorder* recorder, const RangeName& name, int64_t payload)
    : m_recorder(recorder), m_payload(payload), m_nameId(name.id), m_depth(t_depth++)
{
#if ES_HAS_NVTX
    nvtxEventAttributes_t attributes = {};
    attributes.version = NVTX_VERSION;
    attributes.size = NVTX_EVENT_ATTRIB_STRUCT_SIZE;
    attributes.category = name.category;
    attributes.colorType = NVTX_COLOR_ARGB;
    attributes.color = name.argbColor;
    if (payload >= 0) {
        attributes.payloadType = NVTX_PAYLOAD_TYPE_INT64;
        attributes.payload.llValue = payload;
    }
    attributes.messageType = NVTX_MESSAGE_TYPE_REGISTERED;
    attributes.message.registered = static_cast<nvtxStringHandle_t>(const_cast<void*>(name.nvtxHandle));
    nvtxDomainRangePushEx(edgescopeDomain(), &attributes);
#endif
    m_startNs = nowNs();
}

void ScopedRange::end()
{
    if (!m_open)
        return;
    m_open = false;
    const int64_t endNs = nowNs();
#if ES_HAS_NVTX
    nvtxDomainRangePop(edgescopeDomain());
#endif
    --t_depth;
    if (m_recorder)
        m_recorder->record(m_startNs, endNs, m_nameId, m_payload, m_depth);
}

bool nvtxBuiltIn()
{
    return ES_HAS_NVTX != 0;
}

} // namespace es::prof
