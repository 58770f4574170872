// SPDX-License-Identifier: Apache-2.0
#include "lab/operator_recorder.h"

#include "base/clock.h"
#include "runtime/record_function_name.h"

#include <ATen/record_function.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <sys/syscall.h>
#include <unistd.h>
#include <unordered_map>

namespace es::engine {

namespace {

/// One operator as the callbacks record it: 32 bytes, the times in tick-clock ticks (converted to ns by take()),
/// the name as an index into the interned names.
struct CompactOperator
{
    uint64_t startTicks;
    uint64_t endTicks;
    uint32_t nameId;
    int32_t depth;
    int64_t osTid;
};

/// Records in fixed blocks: appending never moves what was recorded (a growing vector copies it all, and touches
/// fresh pages, in the middle of a measured batch).
struct OperatorBlock
{
    static constexpr size_t kCapacity = 4096; // 128 KiB
    size_t used = 0;
    CompactOperator records[kCapacity];
};

/// The operators of one thread. The owning thread appends under `mutex`, uncontended except while take() moves the
/// blocks out; names are cached by the pointer RecordFunction gives (a direct-mapped table: one compare for a known
/// operator, no string work). The start times of the operators still open are a stack of their own: the callbacks
/// hand RecordFunction no context object, so an operator costs no allocation.
struct ThreadOperators
{
    static constexpr size_t kNameSlots = 512;
    std::mutex mutex;
    std::vector<std::unique_ptr<OperatorBlock>> blocks;
    std::vector<std::unique_ptr<OperatorBlock>> spare; ///< emptied blocks, reused
    std::pair<const char*, uint32_t> nameSlots[kNameSlots] = {};
    std::vector<uint64_t> openStarts;
    int64_t osTid = 0;

    void append(const CompactOperator& op)
    {
        if (blocks.empty() || blocks.back()->used == OperatorBlock::kCapacity) {
            if (!spare.empty()) {
                blocks.push_back(std::move(spare.back()));
                spare.pop_back();
                blocks.back()->used = 0;
            } else {
                blocks.push_back(std::make_unique<OperatorBlock>());
            }
        }
        OperatorBlock& block = *blocks.back();
        block.records[block.used++] = op;
    }
};

/// Every thread's buffer and the interned names, shared by all recorders: callbacks are plain functions.
struct Registry
{
    std::mutex mutex;
    std::vector<std::unique_ptr<ThreadOperators>> threads;
    std::vector<std::string> names;
    std::unordered_map<std::string, uint32_t> ids;

    uint32_t intern(const char* name)
    {
        std::lock_guard<std::mutex> lock(mutex);
        auto found = ids.find(name);
        if (found != ids.end())
            return found->second;
        names.emplace_back(name);
        return ids.emplace(name, uint32_t(names.size() - 1)).first->second;
    }
};
Registry& registry()
{
    static Registry* instance = new Registry; // outlives threads that record during exit
    return *instance;
}

thread_local ThreadOperators* t_operators = nullptr;

ThreadOperators& threadOperators()
{
    if (!t_operators) {
        auto owned = std::make_unique<ThreadOperators>();
        owned->osTid = int64_t(syscall(SYS_gettid));
        t_operators = owned.get();
        std::lock_guard<std::mutex> lock(registry().mutex);
        registry().threads.push_back(std::move(owned));
    }
    return *t_operators;
}

std::unique_ptr<at::ObserverContext> onStart(const at::RecordFunction&)
{
    threadOperators().openStarts.push_back(prof::TickClock::instance().now());
    return nullptr;
}

void onEnd(const at::RecordFunction& function, at::ObserverContext*)
{
    const uint64_t endTicks = prof::TickClock::instance().now();
    ThreadOperators& ops = threadOperators();
    if (ops.openStarts.empty())
        return; // started before the callback was added
    const uint64_t startTicks = ops.openStarts.back();
    ops.openStarts.pop_back();
    const char* name = operatorName(function);
    auto& slot = ops.nameSlots[(reinterpret_cast<uintptr_t>(name) >> 3) % ThreadOperators::kNameSlots];
    if (slot.first != name || !name)
        slot = { name, registry().intern(name ? name : "?") };
    std::lock_guard<std::mutex> lock(ops.mutex);
    ops.append({ startTicks, endTicks, slot.second, int32_t(ops.openStarts.size()), ops.osTid });
}

} // namespace

OperatorRecorder::OperatorRecorder() = default;
OperatorRecorder::~OperatorRecorder()
{
    stop();
}

void OperatorRecorder::start()
{
    if (m_handle)
        return;
    {
        // No callback is active: operators left open when the last one was removed must not pair with new ends.
        Registry& r = registry();
        std::lock_guard<std::mutex> lock(r.mutex);
        for (const auto& thread : r.threads)
            thread->openStarts.clear();
    }
    m_handle = at::addGlobalCallback(at::RecordFunctionCallback(&onStart, &onEnd)
                                         .needsIds(false)
                                         .scopes({ at::RecordScope::FUNCTION, at::RecordScope::USER_SCOPE }));
}

void OperatorRecorder::stop()
{
    if (!m_handle)
        return;
    at::removeCallback(m_handle);
    m_handle = 0;
}

std::vector<prof::OperatorRecord> OperatorRecorder::take()
{
    std::vector<CompactOperator> compact;
    std::vector<std::string> names;
    {
        Registry& r = registry();
        std::lock_guard<std::mutex> lock(r.mutex);
        for (const auto& thread : r.threads) {
            std::lock_guard<std::mutex> threadLock(thread->mutex);
            for (auto& block : thread->blocks) {
                compact.insert(compact.end(), block->records, block->records + block->used);
                thread->spare.push_back(std::move(block));
            }
            thread->blocks.clear();
        }
        names = r.names;
    }
    std::vector<prof::OperatorRecord> taken;
    taken.reserve(compact.size());
    const prof::TickClock::Converter clock = prof::TickClock::instance().converter();
    for (const CompactOperator& op : compact)
        taken.push_back({ clock.toNs(op.startTicks), clock.toNs(op.endTicks), names[op.nameId], op.osTid, op.depth });
    std::sort(taken.begin(), taken.end(), [](const auto& a, const auto& b) {
        return a.startNs != b.startNs ? a.startNs < b.startNs : a.endNs > b.endNs;
    });
    return taken;
}

} // namespace es::engine
