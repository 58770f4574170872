// SPDX-License-Identifier: Apache-2.0
#include "zoo/precision_agreement.h"

#include <cstdio>

namespace es::engine {

double top1Agreement(const torch::Tensor& referenceClasses, const torch::Tensor& classes)
{
    if (referenceClasses.numel() == 0)
        return 1.0;
    return referenceClasses.eq(classes).to(torch::kFloat64).mean().item<double>();
}

double maskMeanIou(const torch::Tensor& referenceMasks, const torch::Tensor& masks)
{
    const torch::Tensor a = referenceMasks.to(torch::kInt64).flatten();
    const torch::Tensor b = masks.to(torch::kInt64).flatten();
    const int64_t classes = std::max(a.max().item<int64_t>(), b.max().item<int64_t>()) + 1;
    // Confusion counts in one bincount: reference class x candidate class.
    const torch::Tensor confusion = torch::bincount(a * classes + b, {}, classes * classes).view({ classes, classes });
    const torch::Tensor intersection = confusion.diagonal().to(torch::kFloat64);
    const torch::Tensor unions
        = confusion.sum(0).to(torch::kFloat64) + confusion.sum(1).to(torch::kFloat64) - intersection;
    const torch::Tensor present = unions > 0;
    if (present.sum().item<int64_t>() == 0)
        return 1.0;
    return (intersection.masked_select(present) / unions.masked_select(present)).mean().item<double>();
}

double meanKeypointDistance(const torch::Tensor& referenceKeypoints, const torch::Tensor& keypoints)
{
    if (referenceKeypoints.numel() == 0)
        return 0.0;
    return (referenceKeypoints.to(torch::kFloat64) - keypoints.to(torch::kFloat64))
        .pow(2)
        .sum(-1)
        .sqrt()
        .mean()
        .item<double>();
}

OutputAgreement compareTaskOutputs(const std::string& task, const TaskOutputs& reference, const TaskOutputs& outputs)
{
    OutputAgreement result;
    char text[200];
    if (task == "classification") {
        result.metric = "top1_agreement";
        result.value = top1Agreement(reference.classes, outputs.classes);
        std::snprintf(text, sizeof text, "%lld of %lld images keep fp32's top-1 class",
            static_cast<long long>(std::llround(result.value * double(reference.classes.numel()))),
            static_cast<long long>(reference.classes.numel()));
    } else if (task == "segmentation") {
        result.metric = "mask_miou";
        result.value = maskMeanIou(reference.masks, outputs.masks);
        const double same = reference.masks.eq(outputs.masks).to(torch::kFloat64).mean().item<double>();
        std::snprintf(text, sizeof text, "mean IoU of the masks against fp32's; %.2f %% of pixels keep their class",
            100.0 * same);
    } else if (task == "pose") {
        result.metric = "keypoint_distance_px";
        result.value = meanKeypointDistance(reference.keypoints, outputs.keypoints);
        const double moved
            = (reference.keypoints != outputs.keypoints).any(-1).to(torch::kFloat64).mean().item<double>();
        std::snprintf(text, sizeof text,
            "mean distance to fp32's keypoints in input pixels; %.1f %% of keypoints moved", 100.0 * moved);
    } else {
        result.metric = "matched_detections";
        const Agreement agreement = compareDetections(reference.detections, outputs.detections);
        result.value = agreement.matchedShare;
        std::snprintf(text, sizeof text, "%lld of %lld detections match fp32's %lld (same label, IoU >= 0.5)",
            static_cast<long long>(agreement.matched), static_cast<long long>(agreement.detections),
            static_cast<long long>(agreement.referenceDetections));
    }
    result.detail = text;
    return result;
}

} // namespace es::engine
