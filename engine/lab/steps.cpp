// SPDX-License-Identifier: Apache-2.0
#include "edgescope/engine/steps.h"

#include <algorithm>
#include <sstream>

namespace es::engine {

const std::vector<StepInfo>& allSteps()
{
    static const std::vector<StepInfo> steps = {
        { 0, "s0-baseline", "baseline",
            "frame to tensor and preprocess on the host, upload, detector, then the stock postprocess on the "
            "detector's "
            "output where it lives: a greedy NMS loop that reads the next index with .item() (a copy and a "
            "synchronization per kept box on a GPU)" },
        { 1, "s1-cpu-postprocess", ".cpu() postprocess",
            "one .cpu() copy of the detector's output, then the same stock postprocess on the host" },
        { 2, "s2-device-pre-post", "pre/postprocess on the device",
            "preprocess and postprocess as vectorized tensor ops on the device (all boxes decoded at once, threshold, "
            "batched NMS); only the final detections are copied to the host" },
        { 3, "s3-batching", "batching", "step 2 with batches of N frames (the batch option, default 4)" },
        { 4, "s4-half-precision", "half precision",
            "step 3 in fp16 on CUDA; on a CPU bf16 where it runs (fp16 convolutions do not exist on CPUs in "
            "LibTorch)" },
    };
    return steps;
}

Result<std::vector<int>> parseStepList(const std::string& text)
{
    std::vector<int> numbers;
    if (text == "all") {
        for (const StepInfo& step : allSteps())
            numbers.push_back(step.number);
        return numbers;
    }
    std::stringstream stream(text);
    std::string item;
    while (std::getline(stream, item, ',')) {
        item.erase(
            std::remove_if(item.begin(), item.end(), [](unsigned char c) { return std::isspace(c); }), item.end());
        int found = -1;
        for (const StepInfo& step : allSteps()) {
            const std::string id = step.id;
            if (item == id || item == id.substr(0, 2) || item == std::to_string(step.number))
                found = step.number;
        }
        if (found < 0) {
            std::string known;
            for (const StepInfo& step : allSteps())
                known += std::string(known.empty() ? "" : ", ") + step.id;
            return Status::invalidOption("steps",
                "unknown step \"" + item + "\" in the step list " + text + " (use all, numbers 0-4, or " + known + ")");
        }
        if (std::find(numbers.begin(), numbers.end(), found) == numbers.end())
            numbers.push_back(found);
    }
    if (numbers.empty())
        return Status::invalidOption("steps", "the step list is empty (use all or a list such as 0,2,4)");
    return numbers;
}

} // namespace es::engine
