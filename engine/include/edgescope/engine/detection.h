// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace es::engine {

/// One detected object: a box in normalized image coordinates (0..1, left/top/right/bottom), a COCO label
/// (1..80; 0 is background and never reported) and a score (0..1). Value type.
struct Detection
{
    float left = 0, top = 0, right = 0, bottom = 0;
    int32_t label = 0;
    float score = 0;
};

/// The detections of one frame, best score first.
using FrameDetections = std::vector<Detection>;

/// Sorts by score (best first), then label and coordinates, so that equal sets compare equal.
void sortDetections(FrameDetections& detections);

float iou(const Detection& a, const Detection& b);

/// How far two runs' detections agree on the same frames: `matched` counts detections of the candidate matched to
/// a reference detection of the same label with IoU >= 0.5; `identical` holds when every detection has a partner
/// within `tolerance` in each coordinate and in score and the counts are equal.
struct Agreement
{
    std::string referenceStep;
    int64_t frames = 0;
    int64_t referenceDetections = 0;
    int64_t detections = 0;
    int64_t matched = 0;
    double matchedShare = 1.0; ///< matched / max(reference, candidate); 1 when both are empty
    double maxScoreDifference = 0;
    double maxBoxDifference = 0;
    bool identical = true;
};

Agreement compareDetections(const std::vector<FrameDetections>& reference,
    const std::vector<FrameDetections>& candidate, double tolerance = 1e-4);

/// COCO class names, index 1..80 (0 = "background").
const char* cocoClassName(int label);

} // namespace es::engine
