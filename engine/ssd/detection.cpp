// SPDX-License-Identifier: Apache-2.0
#include "edgescope/engine/detection.h"

#include <algorithm>
#include <cmath>
#include <tuple>

namespace es::engine {

void sortDetections(FrameDetections& detections)
{
    std::sort(detections.begin(), detections.end(), [](const Detection& a, const Detection& b) {
        return std::make_tuple(-a.score, a.label, a.left, a.top, a.right, a.bottom)
            < std::make_tuple(-b.score, b.label, b.left, b.top, b.right, b.bottom);
    });
}

float iou(const Detection& a, const Detection& b)
{
    const float width = std::max(0.0f, std::min(a.right, b.right) - std::max(a.left, b.left));
    const float height = std::max(0.0f, std::min(a.bottom, b.bottom) - std::max(a.top, b.top));
    const float intersection = width * height;
    const float unionArea
        = (a.right - a.left) * (a.bottom - a.top) + (b.right - b.left) * (b.bottom - b.top) - intersection;
    return unionArea > 0 ? intersection / unionArea : 0.0f;
}

Agreement compareDetections(
    const std::vector<FrameDetections>& reference, const std::vector<FrameDetections>& candidate, double tolerance)
{
    Agreement agreement;
    const size_t frames = std::min(reference.size(), candidate.size());
    agreement.frames = int64_t(frames);
    agreement.identical = reference.size() == candidate.size();
    for (size_t f = 0; f < frames; ++f) {
        const FrameDetections& ref = reference[f];
        const FrameDetections& got = candidate[f];
        agreement.referenceDetections += int64_t(ref.size());
        agreement.detections += int64_t(got.size());
        if (ref.size() != got.size())
            agreement.identical = false;
        std::vector<bool> used(got.size(), false);
        for (const Detection& r : ref) {
            int best = -1;
            float bestIou = 0.5f - 1e-6f;
            for (size_t j = 0; j < got.size(); ++j) {
                if (used[j] || got[j].label != r.label)
                    continue;
                const float overlap = iou(r, got[j]);
                if (overlap > bestIou
                    || (best >= 0 && overlap == bestIou
                        && std::abs(got[j].score - r.score) < std::abs(got[best].score - r.score))) {
                    bestIou = overlap;
                    best = int(j);
                }
            }
            if (best < 0) {
                agreement.identical = false;
                continue;
            }
            used[best] = true;
            ++agreement.matched;
            const Detection& g = got[best];
            const double scoreDifference = std::abs(double(g.score) - double(r.score));
            const double boxDifference = std::max({ std::abs(double(g.left) - r.left), std::abs(double(g.top) - r.top),
                std::abs(double(g.right) - r.right), std::abs(double(g.bottom) - r.bottom) });
            agreement.maxScoreDifference = std::max(agreement.maxScoreDifference, scoreDifference);
            agreement.maxBoxDifference = std::max(agreement.maxBoxDifference, boxDifference);
            if (scoreDifference > tolerance || boxDifference > tolerance)
                agreement.identical = false;
        }
    }
    const int64_t larger = std::max(agreement.referenceDetections, agreement.detections);
    agreement.matchedShare = larger ? double(agreement.matched) / double(larger) : 1.0;
    if (agreement.matched != larger)
        agreement.identical = false;
    return agreement;
}

const char* cocoClassName(int label)
{
    static const char* const names[81] = { "background", "person", "bicycle", "car", "motorcycle", "airplane", "bus",
        "train", "truck", "boat", "traffic light", "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat",
        "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag",
        "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove",
        "skateboard", "surfboard", "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl",
        "banana", "apple", "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair",
        "couch", "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard",
        "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors",
        "teddy bear", "hair drier", "toothbrush" };
    return label >= 0 && label <= 80 ? names[label] : "?";
}

} // namespace es::engine
