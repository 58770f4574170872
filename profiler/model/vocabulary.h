// SPDX-License-Identifier: Apache-2.0
#pragma once
// The words EdgeScope's three layers share, each spelled once: the pipeline's stage ranges and the frame/batch ranges
// around them, Nsight Systems' NVTX event types, the profile levels and the states of GPU tracing. Constants only;
// safe from any thread.
#include <array>
#include <cstdint>
#include <string_view>

/// The range types nsys's own stats scripts read (kNvtxPushPopRange, kNvtxStartEndRange, kNvtxtPushPopRange,
/// kNvtxtStartEndRange), as a literal so that SQL text can be joined at compile time: `eventType IN (...)`.
#define ES_NSYS_NVTX_RANGE_TYPES_SQL "59, 60, 70, 71"

namespace es {

/// The four stages of the SSD300 pipeline, as their NVTX ranges are named, in pipeline order.
namespace stage {
inline constexpr const char* kBufferToImageTensor = "buffer_to_image_tensor";
inline constexpr const char* kPreprocess = "preprocess";
inline constexpr const char* kDetector = "detector";
inline constexpr const char* kPostprocess = "postprocess";
inline constexpr std::array<const char*, 4> kAll = { kBufferToImageTensor, kPreprocess, kDetector, kPostprocess };

/// Whether `name` is one of the four stage ranges.
inline bool isStage(std::string_view name)
{
    for (const char* stage : kAll)
        if (name == stage)
            return true;
    return false;
}
} // namespace stage

/// The ranges that enclose the stages: one per frame (steps 0-2) or per batch (steps 3 and on).
namespace range {
inline constexpr const char* kFrame = "frame";
inline constexpr const char* kBatch = "batch";

/// Whether `name` is a frame or batch range, which holds stages rather than being one.
inline bool isFrameOrBatch(std::string_view name)
{
    return name == kFrame || name == kBatch;
}
} // namespace range

/// Values of NVTX_EVENTS.eventType in an nsys export (ENUM_NSYS_EVENT_TYPE, the NVTX subset).
namespace nsys_event {
inline constexpr int64_t kNvtxMark = 34;
inline constexpr int64_t kNvtxThread = 39;
inline constexpr int64_t kNvtxPushPopRange = 59;
inline constexpr int64_t kNvtxStartEndRange = 60;
inline constexpr int64_t kNvtxtPushPopRange = 70;
inline constexpr int64_t kNvtxtStartEndRange = 71;
inline constexpr int64_t kNvtxDomainCreate = 75;
} // namespace nsys_event

/// How much a lab run records: off (nothing), light (ranges and samplers), full (also operators and GPU activity).
namespace profile_level {
inline constexpr const char* kOff = "off";
inline constexpr const char* kLight = "light";
inline constexpr const char* kFull = "full";
inline constexpr std::array<const char*, 3> kAll = { kOff, kLight, kFull };

inline bool isKnown(std::string_view level)
{
    return level == kOff || level == kLight || level == kFull;
}
} // namespace profile_level

/// Whether a run's GPU activity was traced: traced, unavailable (with a reason) or off (not asked for).
namespace gpu_tracing {
inline constexpr const char* kTraced = "traced";
inline constexpr const char* kUnavailable = "unavailable";
inline constexpr const char* kOff = "off";
} // namespace gpu_tracing

} // namespace es
