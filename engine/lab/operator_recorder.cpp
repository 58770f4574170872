// SPDX-License-Identifier: Apache-2.0
#include "lab/operator_recorder.h"

#include "base/clock.h"

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

/// One operator as the callbacks record it: 32 bytes, the name as an index into the interned names.
struct CompactOperator
{
    int64_t startNs;
    int64_t endNs;
    uint32_t nameId;
    int32_t depth;
    int64_t osTid;
};

/// The operators of one thread. The owning thread appends under `mutex`, uncontended except while take() swaps
/// the vector out; names are cached by the pointer RecordFunction gives, so a known operator costs no string work.
struct ThreadOperators
{
    std::mutex mutex;
    std::vector<CompactOperator> records;
    std::unordered_map<const char*, uint32_t> nameIds;
    int64_t osTid = 0;
    int32_t depth = 0;
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

struct StartContext : at::ObserverContext
{
    int64_t startNs = 0;
    int32_t depth = 0;
};

std::unique_ptr<at::ObserverContext> onStart(const at::RecordFunction&)
{
    auto context = std::make_unique<StartContext>();
    context->depth = threadOperators().depth++;
    context->startNs = prof::nowNs();
    return context;
}

void onEnd(const at::RecordFunction& function, at::ObserverContext* context)
{
    const int64_t endNs = prof::nowNs();
    ThreadOperators& ops = threadOperators();
    --ops.depth;
    auto* start = static_cast<StartContext*>(context);
    if (!start)
        return;
    const char* name = function.name();
    auto cached = ops.nameIds.find(name);
    const uint32_t nameId
        = cached != ops.nameIds.end() ? cached->second : (ops.nameIds[name] = registry().intern(name ? name : "?"));
    std::lock_guard<std::mutex> lock(ops.mutex);
    ops.records.push_back({ start->startNs, endNs, nameId, start->depth, ops.osTid });
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
    m_handle = at::addGlobalCallback(at::RecordFunctionCallback(&onStart, &onEnd)
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
            compact.insert(compact.end(), thread->records.begin(), thread->records.end());
            thread->records.clear();
        }
        names = r.names;
    }
    std::vector<prof::OperatorRecord> taken;
    taken.reserve(compact.size());
    for (const CompactOperator& op : compact)
        taken.push_back({ op.startNs, op.endNs, names[op.nameId], op.osTid, op.depth });
    std::sort(taken.begin(), taken.end(), [](const auto& a, const auto& b) {
        return a.startNs != b.startNs ? a.startNs < b.startNs : a.endNs > b.endNs;
    });
    return taken;
}

} // namespace es::engine
