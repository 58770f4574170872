// SPDX-License-Identifier: Apache-2.0
#pragma once

// A small run with ranges, frames, detections, a counter and operators, for the session tests.
#include "collect/range_recorder.h"
#include "store/session_store.h"

#include <string>

namespace es::prof {

inline RunData syntheticRun(const std::string& step, int frames)
{
    auto& registry = RangeNameRegistry::instance();
    const RangeName detector = registry.intern("detector", 0xFF009E73, 1);
    const RangeName postprocess = registry.intern("postprocess", 0xFFD55E00, 1);
    RunData data;
    data.run.step = step;
    data.run.stepNumber = step[1] - '0';
    data.run.frames = frames;
    data.run.fps = 10.0;
    data.run.startNs = 1000;
    data.run.endNs = 1000 + frames * 100;
    data.threads.push_back({ 0, 4242 });
    for (int f = 0; f < frames; ++f) {
        const int64_t start = 1000 + f * 100;
        data.ranges.push_back({ start, start + 60 + f, f, detector.id, 0, 1 });
        data.ranges.push_back({ start + 60 + f, start + 90, f, postprocess.id, 0, 1 });
        data.frames.push_back({ f, f, start, start + 100 + 10 * f, 3, 40 });
        data.detections.push_back({ f, 1, 0.9f, 0.1f, 0.1f, 0.5f, 0.5f });
    }
    data.counters.push_back({ "cpu0 load", "%", "/proc/stat", { { 1000, 50.0 }, { 1100, 70.0 } } });
    data.operators.push_back({ 1000, 1050, "aten::conv2d", 4242, 0 });
    data.operators.push_back({ 1100, 1130, "aten::conv2d", 4242, 0 });
    return data;
}

} // namespace es::prof
