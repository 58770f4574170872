// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace es::prof {

/// An interned range name with what NVTX needs to show it: colour (ARGB) and category. Registered once, then
/// passed by reference on every range. Value type; any thread.
struct RangeName
{
    uint32_t id = 0; ///< index into the registry's names
    uint32_t argbColor = 0xFF808080;
    uint32_t category = 0; ///< NVTX category id (0 = none)
    const void* nvtxHandle = nullptr; ///< nvtxStringHandle_t when NVTX is built in
};

/// Interns range names process-wide and registers them with NVTX (domain "edgescope") once. Any thread.
class RangeNameRegistry
{
public:
    static RangeNameRegistry& instance();
    /// Returns the same RangeName for the same text; colour and category of the first registration win.
    RangeName intern(const std::string& text, uint32_t argbColor = 0xFF808080, uint32_t category = 0);
    std::string name(uint32_t id) const;
    /// The registered entry (colour, category) of an id; a default entry for an unknown id.
    RangeName entry(uint32_t id) const;
    /// Names a NVTX category of the "edgescope" domain (shown by Nsight Systems).
    void nameCategory(uint32_t category, const std::string& text);

private:
    RangeNameRegistry() = default;
    mutable std::mutex m_mutex;
    std::vector<std::string> m_names;
    std::vector<RangeName> m_entries;
};

/// One closed range. 32 bytes; times in ns on the profiler's clock (clock.h).
struct RangeEvent
{
    int64_t startNs = 0;
    int64_t endNs = 0;
    int64_t payload = -1; ///< frame or batch index, -1 when none
    uint32_t nameId = 0;
    uint16_t threadIndex = 0; ///< index into RangeRecorder::threads()
    uint16_t depth = 0; ///< nesting depth on its thread, 0 = outermost
};
static_assert(sizeof(RangeEvent) == 32, "RangeEvent must stay compact");

/// The in-process mirror of the NVTX ranges the engine opens, so that per-stage times need no external profiler.
/// Each recording thread appends to its own chunked buffer (registered on first use) without taking a lock, with
/// times read from the CPU's cycle counter (TickClock), so a range costs about 20 ns. snapshot() converts to the
/// profiler's ns clock and may run while threads record; clear() forgets what was recorded so far (the memory is
/// kept until the recorder is destroyed). snapshot(), size() and clear() from any thread.
class RangeRecorder
{
public:
    struct ThreadInfo
    {
        uint16_t index = 0;
        int64_t osTid = 0;
        uint32_t pthreadLow32 = 0; ///< low 32 bits of pthread_self(), which some CUPTI versions report as threadId
    };

    RangeRecorder();
    ~RangeRecorder();
    RangeRecorder(const RangeRecorder&) = delete;
    RangeRecorder& operator=(const RangeRecorder&) = delete;

    void setEnabled(bool enabled) { m_enabled.store(enabled, std::memory_order_relaxed); }
    bool enabled() const { return m_enabled.load(std::memory_order_relaxed); }

    /// Appends a closed range recorded by the calling thread; times from TickClock::now().
    void record(int64_t startTicks, int64_t endTicks, uint32_t nameId, int64_t payload, uint16_t depth);

    /// Every range recorded so far, sorted by start time (outer ranges before the ranges they contain).
    std::vector<RangeEvent> snapshot() const;
    std::vector<ThreadInfo> threads() const;
    size_t size() const;
    void clear();

private:
    struct ThreadBuffer;
    ThreadBuffer* bufferForThisThread();

    const uint64_t m_generation;
    std::atomic<bool> m_enabled { true };
    mutable std::mutex m_buffersMutex;
    std::vector<std::unique_ptr<ThreadBuffer>> m_buffers;
};

/// Opens an NVTX range (domain "edgescope") and mirrors it into a RangeRecorder; closes both when it goes out of
/// scope or at end(). The recorder may be null (NVTX only). Stays on the thread that created it.
class ScopedRange
{
public:
    ScopedRange(RangeRecorder* recorder, const RangeName& name, int64_t payload = -1);
    ~ScopedRange() { end(); }
    ScopedRange(const ScopedRange&) = delete;
    ScopedRange& operator=(const ScopedRange&) = delete;
    void end();

private:
    RangeRecorder* m_recorder;
    int64_t m_startNs;
    int64_t m_payload;
    uint32_t m_nameId;
    uint16_t m_depth;
    bool m_open = true;
};

/// Whether NVTX calls in this build reach a tool (always false when built without NVTX).
bool nvtxBuiltIn();

} // namespace es::prof
