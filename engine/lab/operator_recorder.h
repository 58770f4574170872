// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "store/session_store.h"

#include <cstdint>
#include <vector>

namespace es::engine {

/// Records LibTorch operators (aten::conv2d, aten::topk, ...) through RecordFunction's global callbacks while
/// started: name, thread, start and end (ns, profiler clock) and nesting depth. The callbacks run on whatever thread
/// runs an operator and append to per-thread buffers; start()/stop()/take() from one controlling thread.
class OperatorRecorder
{
public:
    OperatorRecorder();
    ~OperatorRecorder();
    OperatorRecorder(const OperatorRecorder&) = delete;
    OperatorRecorder& operator=(const OperatorRecorder&) = delete;

    void start();
    void stop();
    bool running() const { return m_handle != 0; }
    /// Every operator recorded since the last take(), sorted by start.
    std::vector<prof::OperatorRecord> take();

private:
    uint64_t m_handle = 0;
};

} // namespace es::engine
