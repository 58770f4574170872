// SPDX-License-Identifier: Apache-2.0
#include "collect/range_recorder.h"

#include <pthread.h>

#include "base/clock.h"
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

/// One recording thread's events in fixed-size chunks that never move. Only the owning thread appends; it publishes
/// the count with a release store, so readers see whole events without a lock on the hot path. The chunk list is
/// guarded by a mutex that only chunk allocation and readers take. Times are in TickClock ticks until snapshot().
struct RangeRecorder::ThreadBuffer
{
    static constexpr size_t kChunkEvents = 16384;
    struct Chunk
    {
        // Raw storage: allocating it touches nothing, so a new chunk costs no zeroing pass.
        alignas(RangeEvent) unsigned char bytes[kChunkEvents * sizeof(RangeEvent)];
        RangeEvent* events() { return reinterpret_cast<RangeEvent*>(bytes); }
    };
    std::mutex chunksMutex;
    std::vector<std::unique_ptr<Chunk>> chunks;
    RangeEvent* current = nullptr; ///< the chunk being filled (writer only)
    size_t count = 0; ///< events appended (writer only)
    std::atomic<size_t> published { 0 };
    std::atomic<size_t> clearedBefore { 0 }; ///< events before this index were cleared
    ThreadInfo info;

    void append(const RangeEvent& event)
    {
        const size_t slot = count % kChunkEvents;
        if (slot == 0) {
            std::unique_ptr<Chunk> chunk(new Chunk);
            current = chunk->events();
            std::lock_guard<std::mutex> lock(chunksMutex);
            chunks.push_back(std::move(chunk));
        }
        new (&current[slot]) RangeEvent(event);
        ++count;
        published.store(count, std::memory_order_release);
    }
};

namespace {
struct ThreadCache
{
    uint64_t generation = 0;
    void* buffer = nullptr;
};
thread_local ThreadCache t_cache;
} // namespace

RangeRecorder::RangeRecorder() : m_generation(g_nextGeneration.fetch_add(1))
{
    TickClock::instance(); // anchor the tick clock before the first range
}

RangeRecorder::~RangeRecorder() = default;

RangeRecorder::ThreadBuffer* RangeRecorder::bufferForThisThread()
{
    if (t_cache.generation == m_generation)
        return static_cast<ThreadBuffer*>(t_cache.buffer);
    std::lock_guard<std::mutex> lock(m_buffersMutex);
    auto buffer = std::make_unique<ThreadBuffer>();
    buffer->info.index = uint16_t(m_buffers.size());
    buffer->info.osTid = int64_t(syscall(SYS_gettid));
    buffer->info.pthreadLow32 = uint32_t(uint64_t(pthread_self()));
    t_cache.generation = m_generation;
    t_cache.buffer = buffer.get();
    m_buffers.push_back(std::move(buffer));
    return m_buffers.back().get();
}

void RangeRecorder::record(int64_t startTicks, int64_t endTicks, uint32_t nameId, int64_t payload, uint16_t depth)
{
    if (!enabled())
        return;
    ThreadBuffer* buffer = bufferForThisThread();
    buffer->append(RangeEvent { startTicks, endTicks, payload, nameId, buffer->info.index, depth });
}

std::vector<RangeEvent> RangeRecorder::snapshot() const
{
    const TickClock::Converter converter = TickClock::instance().converter();
    std::vector<RangeEvent> all;
    {
        std::lock_guard<std::mutex> lock(m_buffersMutex);
        for (const auto& buffer : m_buffers) {
            const size_t end = buffer->published.load(std::memory_order_acquire);
            const size_t begin = std::min(end, buffer->clearedBefore.load(std::memory_order_relaxed));
            std::lock_guard<std::mutex> chunksLock(buffer->chunksMutex);
            for (size_t i = begin; i < end; ++i) {
                RangeEvent event
                    = buffer->chunks[i / ThreadBuffer::kChunkEvents]->events()[i % ThreadBuffer::kChunkEvents];
                event.startNs = converter.toNs(uint64_t(event.startNs));
                event.endNs = converter.toNs(uint64_t(event.endNs));
                all.push_back(event);
            }
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
        const size_t end = buffer->published.load(std::memory_order_acquire);
        total += end - std::min(end, buffer->clearedBefore.load(std::memory_order_relaxed));
    }
    return total;
}

void RangeRecorder::clear()
{
    std::lock_guard<std::mutex> lock(m_buffersMutex);
    for (const auto& buffer : m_buffers)
        buffer->clearedBefore.store(buffer->published.load(std::memory_order_acquire), std::memory_order_relaxed);
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
    m_startNs = int64_t(TickClock::instance().now());
}

void ScopedRange::end()
{
    if (!m_open)
        return;
    m_open = false;
    const int64_t endNs = int64_t(TickClock::instance().now());
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
