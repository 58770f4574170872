// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal to es_engine and its tests: includes LibTorch.
#include "zoo/model_zoo.h"

namespace es::engine {

/// How far a reduced-precision run moved a model's outputs from fp32's on the same images, in the task's own terms.
struct OutputAgreement
{
    std::string metric; ///< top1_agreement, mask_miou, keypoint_distance_px or matched_detections
    double value = 0;
    std::string detail; ///< in words, with the counts behind the value
};

/// Share of images whose predicted class is the same (0..1).
double top1Agreement(const torch::Tensor& referenceClasses, const torch::Tensor& classes);

/// Mean IoU over the classes present in either mask set (N x H x W class indices), the reference taken as the
/// ground truth: for each class, |A and B| / |A or B| over all images; 1 when both are empty.
double maskMeanIou(const torch::Tensor& referenceMasks, const torch::Tensor& masks);

/// Mean Euclidean distance between corresponding keypoints (N x K x 2), in input pixels.
double meanKeypointDistance(const torch::Tensor& referenceKeypoints, const torch::Tensor& keypoints);

/// The agreement for the model's task: top-1 for classifiers, mask mIoU for segmentation, mean keypoint distance
/// for pose, the share of matched detections (same label, IoU >= 0.5) for detectors.
OutputAgreement compareTaskOutputs(const std::string& task, const TaskOutputs& reference, const TaskOutputs& outputs);

} // namespace es::engine
