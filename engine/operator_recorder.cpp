// SPDX-License-Identifier: Apache-2.0
#include "operator_recorder.h"

#include "clock.h"

#include <ATen/record_function.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <sys/syscall.h>
#include <unistd.h>

namespace es::engine {

namespace {

/// Per-thread buffers shared by all recorders: callbacks are plain functions and cannot carry an object.
struct Buffers
{
    std::mutex mutex;
    std::vector<prof::OperatorRecord> records;
};
Buffers& buffers()
{
    static Buffers instance;
    return instance;
}

thread_local int32_t t_depth = 0;
thread_local int64_t t_osTid = 0;

struct StartContext : at::ObserverContext
{
    int64_t startNs = 0;
    int32_t depth = 0;
};

std::unique_ptr<at::ObserverContext> onStart(const at::RecordFunction&)
{
    auto context = std::make_unique<StartContext>();
    context->depth = t_depth++;
    context->startNs = prof::nowNs();
    return context;
}

void onEnd(const at::RecordFunction& function, at::ObserverContext* context)
{
    const int64_t endNs = prof::nowNs();
    auto* start = static_cast<StartContext*>(context);
    --t_depth;
    if (!start)
        return;
    if (t_osTid == 0)
        t_osTid = int64_t(syscall(SYS_gettid));
    prof::OperatorRecord record;
    record.startNs = start->startNs;
    record.endNs = endNs;
    record.name = function.name();
    record.osTid = t_osTid;
    record.depth = start->depth;
    std::lock_guard<std::mutex> lock(buffers().mutex);
    buffers().records.push_back(std::move(record));
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
    std::vector<prof::OperatorRecord> taken;
    {
        std::lock_guard<std::mutex> lock(buffers().mutex);
        taken.swap(buffers().records);
    }
    std::sort(taken.begin(), taken.end(), [](const auto& a, const auto& b) {
        return a.startNs != b.startNs ? a.startNs < b.startNs : a.endNs > b.endNs;
    });
    return taken;
}

} // namespace es::engine
