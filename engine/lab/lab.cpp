// SPDX-License-Identifier: Apache-2.0
#include "edgescope/engine/lab.h"

#include "base/clock.h"
#include "collect/machine_probe.h"
#include "edgescope/engine/lab_json.h"
#include "edgescope/engine/steps.h"
#include "lab/lab_session.h"
#include "lab/pipeline.h"
#include "lab/recorders.h"
#include "lab/step_rounds.h"
#include "model/stage_stats.h"
#include "model/vocabulary.h"
#include "runtime/cuda_memory.h"
#include "runtime/torch_support.h"
#include "ssd/weights.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#if defined(__GLIBC__)
#include <malloc.h> // malloc_trim
#endif

namespace es::engine {

namespace {

void say(const LabOptions& options, const std::string& line)
{
    if (options.progress)
        options.progress(line);
}

Ssd300 convertedCopy(const Ssd300& source, const torch::Device& device, torch::Dtype dtype)
{
    Ssd300 copy;
    torch::NoGradGuard noGrad;
    auto target = copy->named_parameters(true);
    for (const auto& item : source->named_parameters(true))
        target[item.key()].copy_(item.value());
    auto targetBuffers = copy->named_buffers(true);
    for (const auto& item : source->named_buffers(true))
        targetBuffers[item.key()].copy_(item.value());
    copy->eval();
    copy->to(device, dtype);
    return copy;
}

double measureDetectorOnly(Pipeline& pipeline, Ssd300& model, const std::vector<const Frame*>& firstBatch,
    int64_t frames, const torch::Device& device)
{
    const torch::Tensor input = pipeline.prepareInput(firstBatch);
    const int64_t batch = input.size(0);
    const int64_t rounds = (frames + batch - 1) / batch;
    model->forward(input); // warm-up
    synchronize(device);
    const int64_t startNs = prof::nowNs();
    for (int64_t r = 0; r < rounds; ++r)
        model->forward(input);
    synchronize(device);
    const double seconds = double(prof::nowNs() - startNs) / 1e9;
    return seconds > 0 ? double(rounds * batch) / seconds : 0.0;
}

/// Speedup against s0 and agreement with the reference step (s1-s3: the lowest earlier step, normally s0; s4: the
/// highest earlier step, normally s3), from the steps in `done`.
void compareWithEarlierSteps(StepResult& step, const std::vector<StepResult>& done)
{
    const StepResult* baseline = nullptr;
    const StepResult* reference = nullptr;
    for (const StepResult& other : done) {
        if (other.number == 0)
            baseline = &other;
        if (other.number >= step.number)
            continue;
        if (step.number == 4 ? (!reference || other.number > reference->number)
                             : (!reference || other.number < reference->number))
            reference = &other;
    }
    if (step.number == 0)
        step.speedupVsBaseline = 1.0;
    else if (baseline && baseline->fps > 0)
        step.speedupVsBaseline = step.fps / baseline->fps;
    if (baseline && !step.batchFps.empty() && !baseline->batchFps.empty()) {
        const prof::Estimate ratio = prof::ratioWithInterval(step.batchFps, baseline->batchFps);
        step.speedupInterval = ratio.interval;
        step.speedupVerdict = step.number == 0 ? "baseline" : prof::ratioVerdict(ratio);
    }
    if (reference) {
        Agreement agreement = compareDetections(reference->detections, step.detections);
        agreement.referenceStep = reference->id;
        step.agreement = agreement;
    }
}

/// Resolves the device and sets LibTorch up for it (NVTX for CUPTI, intra-op threads, no TF32); fills the lab's
/// device fields.
Result<torch::Device> prepareDevice(const LabOptions& options, LabResult& lab)
{
    say(options, "probing devices");
    lab.devices = probeDevices();
    ES_ASSIGN_OR_RETURN(const torch::Device device, resolveDevice(options.device, lab.devices));
    if (options.profile == es::profile_level::kFull && device.is_cuda()) {
        // Before the first NVTX range of the process, or CUPTI never sees them.
        const std::string nvtx = prof::prepareNvtxForGpuTracing(lab.devices.gpu);
        if (!nvtx.empty())
            say(options, nvtx);
    }
    lab.deviceUsed = device.str();
    lab.deviceName
        = device.is_cuda() && !lab.devices.gpu.devices.empty() ? lab.devices.gpu.devices[0].name : lab.devices.cpuModel;
    lab.threads = applyComputeThreads(options.threads, lab.devices.logicalCores);
    if (device.is_cuda()) {
        // Bit-comparable fp32 across steps: no TF32 in convolutions or matrix products.
        at::globalContext().setAllowTF32CuDNN(false);
        at::globalContext().setAllowTF32CuBLAS(false);
    }
    return device;
}

/// Decodes the warm-up and measured frames into memory, and notes what a reader must know about them (a short source
/// is cycled; decoding is not part of the FPS).
Result<DecodedFrames> decodeInput(const LabOptions& options, LabResult& lab)
{
    const int64_t wanted = options.warmup + options.frames;
    say(options, "decoding " + std::to_string(wanted) + " frames");
    ES_ASSIGN_OR_RETURN(DecodedFrames decoded,
        decodeFrames(options.synthetic ? FrameSpec::fromSynthetic(options.syntheticWidth, options.syntheticHeight)
                                       : FrameSpec::fromVideo(options.video),
            wanted));
    lab.video = decoded.description;
    lab.framesDecoded = int64_t(decoded.frames.size());
    lab.decodeMsPerFrame = decoded.decodeMsPerFrame;
    lab.frames = options.frames;
    lab.warmup = options.warmup;
    if (lab.framesDecoded < wanted) {
        lab.notes.push_back("the source gave " + std::to_string(lab.framesDecoded) + " frames for "
            + std::to_string(wanted) + " wanted (warm-up + measured): the frames are used in a loop"
            + (decoded.stopReason.empty() ? "" : "; it stopped early: " + decoded.stopReason));
        if (!decoded.stopReason.empty())
            say(options,
                "the video ended early after " + std::to_string(lab.framesDecoded) + " frames (" + decoded.stopReason
                    + "); going on with those");
    }
    char decodeNote[200];
    std::snprintf(decodeNote, sizeof decodeNote,
        "frames are decoded into memory before the steps run (%.2f ms per frame), so every step sees the "
        "same frames and FPS excludes video decoding",
        lab.decodeMsPerFrame);
    lab.notes.push_back(decodeNote);
    return decoded;
}

/// The fp32 model on `device`: the weights of options.weightsPath, else seeded ones; says which in lab.weights.
Result<Ssd300> loadModel(const LabOptions& options, const torch::Device& device, LabResult& lab)
{
    Ssd300 model;
    model->initializeSeeded(options.seed);
    if (!options.weightsPath.empty()) {
        say(options, "loading weights " + options.weightsPath);
        ES_ASSIGN_OR_RETURN(WeightsInfo info, loadWeights(model, options.weightsPath));
        lab.weights = info.description;
        lab.trainedWeights = true;
    } else {
        lab.weights = "seeded (seed " + std::to_string(options.seed)
            + ", NVIDIA's initialization; not trained: timings are real, detections are not meaningful objects)";
    }
    model->eval();
    model->to(device);
    return model;
}

/// The session the steps are written to, its environment written; null when options.sessionPath is empty.
Result<std::unique_ptr<prof::SessionStore>> openSession(const LabOptions& options, LabResult& lab)
{
    if (options.sessionPath.empty())
        return std::unique_ptr<prof::SessionStore>(); // no session: the steps are not written
    ES_ASSIGN_OR_RETURN(
        std::unique_ptr<prof::SessionStore> store, prof::SessionStore::openForWriting(options.sessionPath));
    ES_RETURN_IF_ERROR(store->writeEnvironment(sessionEnvironment(lab)));
    lab.sessionPath = options.sessionPath;
    return store;
}

/// What the steps of a run share: the decoded frames, the device, the fp32 model and its copies in other precisions,
/// and the detector-only rates measured so far (by batch and precision).
struct StepContext
{
    const std::vector<Frame>& frames;
    torch::Device device;
    Recorders& recorders;
    Ssd300 model;
    torch::Dtype halfType;
    std::string halfReason;
    int64_t batch; ///< of steps 3 and 4
    std::map<torch::Dtype, Ssd300> modelsByType;
    std::map<std::pair<int64_t, int>, double> detectorOnlyCache;

    /// The model in the plan's precision, converted once.
    Ssd300 modelFor(const StepPlan& plan)
    {
        if (!modelsByType.count(plan.dtype))
            modelsByType.emplace(plan.dtype, convertedCopy(model, device, plan.dtype));
        return modelsByType.at(plan.dtype);
    }
};

/// The forward pass alone in the step's batch and precision (measured once per pair), and the pipeline's share of it.
void addDetectorOnly(const LabOptions& options, const StepPlan& plan, Pipeline& pipeline, Ssd300& model,
    StepContext& context, StepResult& step)
{
    const auto key = std::make_pair(plan.batch, int(plan.dtype));
    if (!context.detectorOnlyCache.count(key)) {
        say(options, "[" + step.id + "] detector only");
        const auto firstBatch = makeBatches(context.frames, options.warmup, plan.batch, plan.batch).front();
        context.detectorOnlyCache[key]
            = measureDetectorOnly(pipeline, model, firstBatch, options.frames, context.device);
    }
    step.detectorOnlyFps = context.detectorOnlyCache[key];
    step.pipelineEfficiency = step.detectorOnlyFps > 0 ? step.fps / step.detectorOnlyFps : 0.0;
}

/// A step ready for its rounds: its plan, its model in the plan's precision and its pipeline, its identity.
StepProgress prepareStep(int number, StepContext& context)
{
    StepProgress progress;
    progress.plan = planStep(number, context.batch, context.halfType);
    progress.pipeline = std::make_unique<Pipeline>(
        context.modelFor(progress.plan), context.device, progress.plan, &context.recorders.ranges);
    const StepInfo& info = allSteps()[size_t(number)];
    StepResult& step = progress.step;
    step.number = number;
    step.id = info.id;
    step.title = info.title;
    step.batch = progress.plan.batch;
    step.precision = dtypeName(progress.plan.dtype);
    step.precisionReason = number == 4 ? context.halfReason : "fp32 (the model as trained)";
    return progress;
}

/// After a step's last round: its figures, detector-only rate, comparison with the steps done so far, and its GPU
/// figures (a step that traced nothing takes the lab's tracing state).
void completeStep(const LabOptions& options, const LabResult& lab, StepContext& context, StepProgress& progress)
{
    finishStep(options, progress, !context.device.is_cuda());
    StepResult& step = progress.step;
    if (options.measureDetectorOnly) {
        Ssd300 model = context.modelFor(progress.plan);
        addDetectorOnly(options, progress.plan, *progress.pipeline, model, context, step);
    }
    compareWithEarlierSteps(step, lab.steps);
    StepCapture& capture = progress.capture;
    if (capture.gpuState.empty()) {
        capture.gpuState = lab.gpuTracing;
        capture.gpuTracing.reason = lab.gpuTracingReason;
        capture.gpuTracing.fix = lab.gpuTracingFix;
    }
    if (capture.gpuState == es::gpu_tracing::kTraced)
        step.gpu = gpuFigures(capture, step.frames);
}

/// Writes the step as one run of the session, in one transaction as soon as the step ends (a crash later keeps this
/// run), and passes the notes the store added on to the lab.
Status writeStep(
    prof::SessionStore& store, const LabOptions& options, LabResult& lab, const StepResult& step, StepCapture capture)
{
    const size_t notesBefore = store.notes().size();
    ES_ASSIGN_OR_RETURN(const int64_t runId, store.writeRun(makeRunData(options, lab, step, std::move(capture))));
    lab.runIds.push_back(runId);
    for (size_t i = notesBefore; i < store.notes().size(); ++i) {
        lab.notes.push_back(store.notes()[i]);
        say(options, store.notes()[i]);
    }
    lab.sessionPath = store.path();
    return Status::ok();
}

/// Each step's run again with what is known once every step has run: its verdict, and the speedups and agreement
/// of a step measured before its reference.
Status writeVerdicts(prof::SessionStore& store, const LabResult& lab)
{
    for (size_t i = 0; i < lab.steps.size() && i < lab.runIds.size(); ++i)
        ES_RETURN_IF_ERROR(store.updateRunResult(lab.runIds[i], stepToJson(lab.steps[i], false).dump()));
    return Status::ok();
}

/// The figures drift risks name before a run: said once, kept in the result.
void nameDriftRisks(const LabOptions& options, const prof::MachineProbe& probe, LabResult& lab)
{
    lab.driftRisks = probe.driftRisks();
    for (const std::string& risk : lab.driftRisks)
        say(options, "warning: " + risk);
}

/// Every round of every step. Round r runs the steps rotated by repeat - 1 - r, so that every step takes every place
/// in the order once, and the last round runs them in order: each step's run is written when its last round ends,
/// and the session keeps the steps' order.
Status runRounds(const LabOptions& options, StepContext& context, const prof::MachineProbe& probe, LabResult& lab,
    prof::SessionStore* store)
{
    std::vector<StepProgress> progress;
    for (int number : options.steps)
        progress.push_back(prepareStep(number, context));
    const size_t count = progress.size();
    for (int round = 0; round < options.repeat; ++round) {
        const size_t shift = size_t(options.repeat - 1 - round) % count;
        for (size_t place = 0; place < count; ++place) {
            StepProgress& step = progress[(place + shift) % count];
            ES_RETURN_IF_ERROR(measureRound(options, step, context.frames, context.device, context.recorders, probe));
            if (step.roundsDone < options.repeat)
                continue;
            completeStep(options, lab, context, step);
            if (store)
                ES_RETURN_IF_ERROR(writeStep(*store, options, lab, step.step, std::move(step.capture)));
            lab.steps.push_back(std::move(step.step));
        }
    }
    return Status::ok();
}

Result<LabResult> runLabUnchecked(const LabOptions& options)
{
    InferenceGuard inferenceMode;
    LabResult lab;
    lab.repeat = options.repeat;
    lab.profile = options.profile;
    lab.operatorStride = options.operatorStride;
    ES_ASSIGN_OR_RETURN(const torch::Device device, prepareDevice(options, lab));
    ES_ASSIGN_OR_RETURN(const DecodedFrames decoded, decodeInput(options, lab));
    ES_ASSIGN_OR_RETURN(Ssd300 model, loadModel(options, device, lab));
    ES_ASSIGN_OR_RETURN(const std::unique_ptr<prof::SessionStore> store, openSession(options, lab));
    const prof::MachineProbe probe(options.systemRoot);
    nameDriftRisks(options, probe, lab);
    Recorders recorders;
    recorders.start(options, lab);
    std::string halfReason;
    const torch::Dtype halfType = chooseHalfType(device, lab.devices, halfReason);
    StepContext context { decoded.frames, device, recorders, model, halfType, halfReason, options.batch,
        { { torch::kFloat32, model } }, {} };
    ES_RETURN_IF_ERROR(runRounds(options, context, probe, lab, store.get()));
    recorders.stop(options, lab);

    // Speedups and agreement again, now that every step has run (a step run before its reference gets them here).
    for (StepResult& step : lab.steps)
        compareWithEarlierSteps(step, lab.steps);
    judgeLab(lab);
    if (store)
        ES_RETURN_IF_ERROR(writeVerdicts(*store, lab));
    say(options, "done");
    return lab;
}

} // namespace

void releaseFreeMemory()
{
#if defined(__GLIBC__)
    // glibc keeps freed pages of its arenas mapped; a run frees hundreds of MB of tensors and frames in pieces that
    // later runs fragment, so RSS creeps up although nothing leaks. Hand the free pages back after each run.
    malloc_trim(0);
#endif
}

Status validateLabOptions(const LabOptions& options)
{
    if (options.frames < 1)
        return Status::invalidOption(
            "frames", "frames is " + std::to_string(options.frames) + ": measure 1 frame or more");
    if (options.frames > 1000000)
        return Status::invalidOption(
            "frames", "frames is " + std::to_string(options.frames) + ": measure at most 1000000 frames");
    if (options.warmup < 0 || options.warmup > 100000)
        return Status::invalidOption(
            "warmup", "warmup is " + std::to_string(options.warmup) + ": run 0 to 100000 frames before measuring");
    if (options.batch < 1 || options.batch > 1024)
        return Status::invalidOption(
            "batch", "batch " + std::to_string(options.batch) + " is invalid: a batch holds 1 to 1024 frames");
    if (options.threads < 0 || options.threads > 1024)
        return Status::invalidOption("threads",
            "threads " + std::to_string(options.threads) + " is out of range (0 for the default, or 1 to 1024)");
    if (!es::profile_level::isKnown(options.profile))
        return Status::invalidOption("profile", "profile " + options.profile + " is unknown (off, light or full)");
    if (options.samplerPeriodMs < 1 || options.samplerPeriodMs > 60000)
        return Status::invalidOption("samplerPeriodMs", "the sampler period must be 1 to 60000 ms");
    if (options.device != "auto" && options.device != "cpu" && options.device != "cuda")
        return Status::invalidOption("device", "device " + options.device + " is unknown (auto, cpu or cuda)");
    if (options.operatorStride < 1 || options.operatorStride > 1000000)
        return Status::invalidOption("operatorStride",
            "operator stride " + std::to_string(options.operatorStride)
                + " is out of range: record operators on 1 batch in 1 to 1000000");
    if (options.repeat < 1 || options.repeat > 1000)
        return Status::invalidOption(
            "repeat", "repeat is " + std::to_string(options.repeat) + ": measure every step in 1 to 1000 rounds");
    if (options.steps.empty())
        return Status::invalidOption("steps", "no step chosen: choose all steps or a list such as 0,2,4");
    for (int number : options.steps) {
        if (number < 0 || number >= int(allSteps().size()))
            return Status::invalidOption("steps", "step " + std::to_string(number) + " does not exist (0-4)");
    }
    // The input is one of two options, so these two name none.
    if (!options.synthetic && options.video.empty())
        return Status(StatusCode::InvalidArgument, "no input: choose a video file or synthetic frames (WxH)");
    if (options.synthetic && !options.video.empty())
        return Status(StatusCode::InvalidArgument, "choose either a video file or synthetic frames, not both");
    return Status::ok();
}

Result<LabResult> runLab(const LabOptions& options)
{
    ES_RETURN_IF_ERROR(validateLabOptions(options));
    try {
        Result<LabResult> lab = runLabUnchecked(options);
        releaseFreeMemory(); // the models, frames and recorders of the run are freed by now
        return lab;
    } catch (const c10::Error& error) {
        return Status(StatusCode::Internal, std::string("LibTorch failed: ") + error.what_without_backtrace());
    } catch (const std::bad_alloc&) {
        return Status(StatusCode::Unavailable, "out of memory: try fewer frames or a smaller batch");
    } catch (const std::exception& error) {
        return Status(StatusCode::Internal, std::string("the lab failed: ") + error.what());
    }
}

} // namespace es::engine
