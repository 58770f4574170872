// SPDX-License-Identifier: Apache-2.0
#include "lab/pipeline.h"

#include "model/vocabulary.h"

namespace es::engine {

StepPlan planStep(int number, int64_t batch, torch::Dtype halfType)
{
    StepPlan plan;
    plan.number = number;
    plan.batch = number >= 3 ? batch : 1;
    plan.hostPreprocess = number <= 1;
    plan.stockPostprocessOnDevice = number == 0;
    plan.stockPostprocessOnHost = number == 1;
    plan.dtype = number == 4 ? halfType : torch::kFloat32;
    return plan;
}

const StageNames& StageNames::get()
{
    static const StageNames names = [] {
        auto& registry = prof::RangeNameRegistry::instance();
        registry.nameCategory(1, "stage");
        registry.nameCategory(2, "frame");
        StageNames n;
        // Okabe-Ito: orange, sky blue, bluish green, vermillion; frames and batches grey.
        n.bufferToImageTensor = registry.intern(es::stage::kBufferToImageTensor, 0xFFE69F00, 1);
        n.preprocess = registry.intern(es::stage::kPreprocess, 0xFF56B4E9, 1);
        n.detector = registry.intern(es::stage::kDetector, 0xFF009E73, 1);
        n.postprocess = registry.intern(es::stage::kPostprocess, 0xFFD55E00, 1);
        n.frame = registry.intern(es::range::kFrame, 0xFF999999, 2);
        n.batch = registry.intern(es::range::kBatch, 0xFF999999, 2);
        return n;
    }();
    return names;
}

Pipeline::Pipeline(
    Ssd300 model, torch::Device device, StepPlan plan, prof::RangeRecorder* recorder, PostprocessConfig config)
    : m_model(std::move(model)), m_device(device), m_plan(plan), m_recorder(recorder), m_config(config)
{
    m_defaultBoxesHost = defaultBoxesXywh();
    m_defaultBoxesDevice = m_defaultBoxesHost.to(m_device);
}

torch::Tensor Pipeline::bufferToImageTensor(const std::vector<const Frame*>& frames)
{
    std::vector<torch::Tensor> images;
    images.reserve(frames.size());
    for (const Frame* frame : frames) {
        images.push_back(torch::from_blob(
            const_cast<uint8_t*>(frame->rgb.data()), { frame->height, frame->width, 3 }, torch::kUInt8));
    }
    torch::Tensor batch = torch::stack(images); // a copy: the tensor owns its pixels from here on
    if (!m_plan.hostPreprocess && m_device.is_cuda())
        batch = batch.pin_memory().to(m_device, /*non_blocking=*/true); // 8-bit pixels, a quarter of the floats
    return batch;
}

torch::Tensor Pipeline::preprocess(torch::Tensor images)
{
    // N x H x W x 3 (0..255) -> N x 3 x 300 x 300 (-1..1), the same operations on the host or on the device.
    torch::Tensor x = images.permute({ 0, 3, 1, 2 }).to(torch::kFloat32).div(255.0);
    x = torch::nn::functional::interpolate(x,
        torch::nn::functional::InterpolateFuncOptions()
            .size(std::vector<int64_t> { Ssd300Impl::kInputSize, Ssd300Impl::kInputSize })
            .mode(torch::kBilinear)
            .align_corners(false));
    x = x * 2.0 - 1.0;
    if (m_plan.hostPreprocess)
        x = x.to(m_device); // the upload of steps 0 and 1
    return x.to(m_plan.dtype).contiguous();
}

torch::Tensor Pipeline::prepareInput(const std::vector<const Frame*>& frames)
{
    return preprocess(bufferToImageTensor(frames));
}

BatchOutput Pipeline::run(const std::vector<const Frame*>& frames, int64_t batchIndex)
{
    const StageNames& names = StageNames::get();
    prof::ScopedRange outer(m_recorder, m_plan.batch > 1 ? names.batch : names.frame, batchIndex);
    torch::Tensor images;
    {
        prof::ScopedRange range(m_recorder, names.bufferToImageTensor, batchIndex);
        images = bufferToImageTensor(frames);
    }
    torch::Tensor input;
    {
        prof::ScopedRange range(m_recorder, names.preprocess, batchIndex);
        input = preprocess(images);
    }
    torch::Tensor locations, logits;
    {
        prof::ScopedRange range(m_recorder, names.detector, batchIndex);
        std::tie(locations, logits) = m_model->forward(input);
    }
    BatchOutput output;
    {
        prof::ScopedRange range(m_recorder, names.postprocess, batchIndex);
        if (m_plan.stockPostprocessOnDevice || m_plan.stockPostprocessOnHost) {
            if (m_plan.stockPostprocessOnHost) {
                locations = locations.cpu(); // step 1: the one copy that replaces thousands
                logits = logits.cpu();
            }
            const torch::Tensor& anchors = m_plan.stockPostprocessOnHost ? m_defaultBoxesHost : m_defaultBoxesDevice;
            const auto [boxes, scores] = decodeBatch(locations, logits, anchors);
            for (int64_t b = 0; b < boxes.size(0); ++b) {
                int64_t candidates = 0, iterations = 0;
                output.detections.push_back(stockDecodeSingle(boxes[b], scores[b], m_config, &candidates, &iterations));
                output.candidates.push_back(candidates);
                output.nmsIterations.push_back(iterations);
            }
        } else {
            output.detections
                = vectorizedPostprocess(locations, logits, m_defaultBoxesDevice, m_config, &output.candidates);
            output.nmsIterations.assign(output.detections.size(), 0);
        }
    }
    return output;
}

} // namespace es::engine
