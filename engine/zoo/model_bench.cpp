// SPDX-License-Identifier: Apache-2.0
#include "edgescope/engine/model_bench.h"

#include "collect/process_stats.h"

#include "base/clock.h"
#include "lab/lab_session.h"
#include "model/stage_stats.h"
#include "model/vocabulary.h"
#include "runtime/cuda_memory.h"
#include "runtime/torch_support.h"
#include "zoo/flop_counter.h"
#include "zoo/model_zoo.h"
#include "zoo/precision_agreement.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace es::engine {

namespace {

void say(const BenchOptions& options, const std::string& line)
{
    if (options.progress)
        options.progress(line);
}

/// Peak RSS of the process since resetRssPeak(), in bytes (Linux: VmHWM, reset through /proc/self/clear_refs).
void resetRssPeak()
{
    std::ofstream("/proc/self/clear_refs") << "5";
}
int64_t rssPeakBytes()
{
    return prof::readProcessStats().rssPeakBytes;
}

/// Runs `work` for `seconds` (at least three times after a warm-up run) and returns the best rate in GFLOP/s for
/// `flops` per run. Where one run takes longer than `seconds` (a precision LibTorch runs on a slow reference path, as
/// 1.7 does bf16 on CPUs), the warm-up run is the measurement.
template<typename Work> double bestRate(Work work, const torch::Device& device, double flops, double seconds)
{
    const int64_t warmUpNs = prof::nowNs();
    work();
    synchronize(device);
    const int64_t warmUpTakenNs = std::max<int64_t>(1, prof::nowNs() - warmUpNs);
    double best = flops / double(warmUpTakenNs);
    if (double(warmUpTakenNs) / 1e9 >= seconds)
        return best;
    const int64_t startNs = prof::nowNs();
    for (int runs = 0; runs < 3 || double(prof::nowNs() - startNs) / 1e9 < seconds; ++runs) {
        const int64_t t0 = prof::nowNs();
        work();
        synchronize(device);
        best = std::max(best, flops / double(std::max<int64_t>(1, prof::nowNs() - t0)));
        if (runs >= 200)
            break;
    }
    return best; // FLOP per ns = GFLOP/s
}

PeakFigures measurePeak(const torch::Device& device, torch::Dtype dtype, double seconds)
{
    PeakFigures peak;
    peak.precision = dtypeName(dtype);
    try {
        InferenceGuard guard;
        const auto options = torch::TensorOptions().device(device).dtype(dtype);
        const int64_t n = device.is_cuda() ? 8192 : 2048;
        const torch::Tensor a = torch::randn({ n, n }, options), b = torch::randn({ n, n }, options);
        peak.matmulGflops
            = bestRate([&] { (void)torch::mm(a, b); }, device, 2.0 * double(n) * double(n) * double(n), seconds);
        // A 1x1 convolution as the models' widest ones (ResNet's layer3/4 projections), batch 8 (32 on a GPU).
        const int64_t batch = device.is_cuda() ? 32 : 8, channels = 1024, side = 14;
        const torch::Tensor input = torch::randn({ batch, channels, side, side }, options);
        const torch::Tensor weight = torch::randn({ channels, channels, 1, 1 }, options) * 0.01;
        peak.convGflops = bestRate([&] { (void)torch::conv2d(input, weight); }, device,
            2.0 * double(batch * side * side) * double(channels * channels), seconds);
        char source[120];
        if (peak.matmulGflops >= peak.convGflops)
            std::snprintf(
                source, sizeof source, "matmul %lldx%lld", static_cast<long long>(n), static_cast<long long>(n));
        else
            std::snprintf(source, sizeof source, "conv1x1 %lldx%lldx%lldx%lld", static_cast<long long>(batch),
                static_cast<long long>(channels), static_cast<long long>(side), static_cast<long long>(side));
        peak.peakSource = source;
        peak.peakGflops = std::max(peak.matmulGflops, peak.convGflops);
    } catch (const std::exception& error) {
        peak.status = "unsupported";
        peak.reason = firstLine(error.what());
    }
    return peak;
}

/// The same model with the same weights, converted to `dtype` on `device`.
Result<std::unique_ptr<ZooModel>> convertedModel(ZooModel& source, const torch::Device& device, torch::Dtype dtype)
{
    ES_ASSIGN_OR_RETURN(std::unique_ptr<ZooModel> copy, createZooModel(source.info().id));
    torch::NoGradGuard noGrad;
    auto parameters = copy->module().named_parameters(true);
    for (const auto& item : source.module().named_parameters(true))
        parameters[item.key()].copy_(item.value());
    auto buffers = copy->module().named_buffers(true);
    for (const auto& item : source.module().named_buffers(true))
        buffers[item.key()].copy_(item.value());
    copy->module().eval();
    copy->module().to(device, dtype);
    return copy;
}

/// Runs the model on `images` in batches of `batch` and joins each output along the batch.
std::vector<torch::Tensor> forwardAll(ZooModel& model, const torch::Tensor& images, int64_t batch)
{
    std::vector<std::vector<torch::Tensor>> parts;
    for (int64_t start = 0; start < images.size(0); start += batch)
        parts.push_back(model.forward(images.narrow(0, start, std::min(batch, images.size(0) - start))));
    std::vector<torch::Tensor> joined;
    for (size_t i = 0; i < parts.front().size(); ++i) {
        std::vector<torch::Tensor> pieces;
        for (const auto& part : parts)
            pieces.push_back(part[i]);
        joined.push_back(torch::cat(pieces, 0));
    }
    return joined;
}

struct MeasuredRun
{
    prof::RunData data;
    bool write = false;
};

/// What every precision of one model is measured against: the fp32 model, its outputs on the agreement images, the
/// inputs on the device and the FLOPs of one image.
struct ReferenceModel
{
    ZooModel& model;
    torch::Tensor agreementImages;
    torch::Tensor batchImages;
    TaskOutputs fp32;
    double flopsPerImage = 0;
};

/// The ids to bench: options.models, or every bench model when it is empty.
std::vector<std::string> modelsToBench(const BenchOptions& options)
{
    std::vector<std::string> modelIds = options.models;
    if (modelIds.empty())
        for (const ModelInfo& model : benchModels())
            modelIds.push_back(model.id);
    return modelIds;
}

/// Checks the options before any measuring: the batch, the iterations and time, and that each weights file names a
/// benched model and can be read (a typo fails at once).
Status validateBenchOptions(const BenchOptions& options, const std::vector<std::string>& modelIds)
{
    if (options.batch < 1 || options.batch > 256)
        return Status::invalidOption(
            "batch", "batch " + std::to_string(options.batch) + " is invalid: a bench batch holds 1 to 256 images");
    if (options.minIterations < 1 || options.maxIterations < options.minIterations || options.minSeconds < 0)
        return Status(StatusCode::InvalidArgument, "bench iterations and time must be positive");
    for (const auto& [id, path] : options.weights) {
        if (std::find(modelIds.begin(), modelIds.end(), id) == modelIds.end())
            return Status::invalidOption("weights", "weights given for " + id + ", a model that is not benched");
        if (!std::ifstream(path))
            return Status(StatusCode::NotFound,
                "cannot read weights " + path + " for " + id + ": " + std::strerror(errno)
                    + " (leave the weights out for seeded weights; docs/weights.md says how to export each model)");
    }
    return Status::ok();
}

/// Resolves the device and sets LibTorch up for it (intra-op threads, no TF32); fills the result's device fields.
Result<torch::Device> prepareBenchDevice(const BenchOptions& options, BenchResult& result)
{
    result.devices = probeDevices();
    ES_ASSIGN_OR_RETURN(const torch::Device device, resolveDevice(options.device, result.devices));
    result.deviceUsed = device.str();
    result.deviceName = device.is_cuda() && !result.devices.gpu.devices.empty() ? result.devices.gpu.devices[0].name
                                                                                : result.devices.cpuModel;
    result.threads = applyComputeThreads(options.threads, result.devices.logicalCores);
    if (device.is_cuda()) {
        // fp32 means fp32: no TF32 in convolutions or matrix products (the peaks are measured the same way).
        at::globalContext().setAllowTF32CuDNN(false);
        at::globalContext().setAllowTF32CuBLAS(false);
        result.notes.push_back("fp32 on CUDA without TF32 (cuDNN and cuBLAS), in the peaks and the models alike");
    }
    return device;
}

/// The precisions to bench, in the order asked and without duplicates; "auto" is fp32 and the device's half type.
Result<std::vector<torch::Dtype>> benchPrecisions(const BenchOptions& options, const torch::Device& device)
{
    std::vector<torch::Dtype> dtypes;
    for (const std::string& name : options.precisions) {
        std::vector<torch::Dtype> wanted;
        if (name == "auto")
            wanted = { torch::kFloat32, device.is_cuda() ? torch::kHalf : torch::kBFloat16 };
        else {
            ES_ASSIGN_OR_RETURN(torch::Dtype dtype, parseDtype(name));
            wanted = { dtype };
        }
        for (torch::Dtype dtype : wanted)
            if (std::find(dtypes.begin(), dtypes.end(), dtype) == dtypes.end())
                dtypes.push_back(dtype);
    }
    return dtypes;
}

/// `count` frames of `decoded`, cycled when it has fewer.
std::vector<const Frame*> cycledFrames(const DecodedFrames& decoded, int64_t count)
{
    std::vector<const Frame*> images;
    for (int64_t i = 0; i < count; ++i)
        images.push_back(&decoded.frames[size_t(i) % decoded.frames.size()]);
    return images;
}

/// The session the bench's runs are written to, its environment written; null when options.sessionPath is empty.
Result<std::unique_ptr<prof::SessionStore>> openBenchSession(const BenchOptions& options, BenchResult& result)
{
    if (options.sessionPath.empty())
        return std::unique_ptr<prof::SessionStore>(); // no session: the runs are not written
    ES_ASSIGN_OR_RETURN(
        std::unique_ptr<prof::SessionStore> store, prof::SessionStore::openForWriting(options.sessionPath));
    LabResult environment;
    environment.devices = result.devices;
    environment.deviceUsed = result.deviceUsed;
    environment.deviceName = result.deviceName;
    environment.threads = result.threads;
    ES_RETURN_IF_ERROR(store->writeEnvironment(sessionEnvironment(environment)));
    result.sessionPath = options.sessionPath;
    return store;
}

/// The figures of one model in one precision that need no measuring: names, input, parameters and FLOPs.
ModelBenchResult describeModel(
    const BenchOptions& options, const ReferenceModel& reference, const ModelInfo& info, torch::Dtype dtype)
{
    ModelBenchResult r;
    r.model = info.id;
    r.name = info.name;
    r.task = info.task;
    r.precision = dtypeName(dtype);
    r.inputHeight = info.inputHeight;
    r.inputWidth = info.inputWidth;
    r.batch = options.batch;
    r.parameters = countParameters(reference.model.module());
    r.publishedParameters = info.publishedParameters;
    r.gflopsPerImage = reference.flopsPerImage / 1e9;
    return r;
}

/// Bytes of the model's parameters and buffers, in its precision.
int64_t moduleBytes(ZooModel& model)
{
    int64_t bytes = 0;
    for (const auto& tensor : model.module().parameters())
        bytes += tensor.numel() * int64_t(tensor.element_size());
    for (const auto& tensor : model.module().buffers())
        bytes += tensor.numel() * int64_t(tensor.element_size());
    return bytes;
}

/// Runs the warm-up batches; false, with r's status and reason set, where the precision does not run on the device.
bool warmUp(const BenchOptions& options, ZooModel& model, const torch::Tensor& input, const torch::Device& device,
    const std::string& label, ModelBenchResult& r)
{
    say(options, label + "warm-up");
    try {
        for (int64_t i = 0; i < std::max<int64_t>(1, options.warmup); ++i)
            model.forward(input);
        synchronize(device);
    } catch (const std::exception& error) {
        r.status = "unsupported";
        r.reason = std::string(r.precision) + " does not run on " + device.str()
            + " with this LibTorch: " + firstLine(error.what());
        say(options, label + "unsupported: " + r.reason);
        return false;
    }
    return true;
}

/// Starts a fresh memory high-water mark: LibTorch's allocator peak on a GPU, the process's peak RSS on a CPU.
void resetMemoryPeak(const torch::Device& device)
{
    if (device.is_cuda())
        resetGpuMemoryPeak(device.index());
    else
        resetRssPeak();
}

/// The memory high-water mark since resetMemoryPeak, into r.
void readMemoryPeak(const torch::Device& device, ModelBenchResult& r)
{
    if (device.is_cuda()) {
        r.peakMemoryBytes = gpuMemoryPeak(device.index()).allocatedBytes;
        r.peakMemoryKind = "device (LibTorch allocator)";
    } else {
        r.peakMemoryBytes = rssPeakBytes();
        r.peakMemoryKind = "process RSS high-water";
    }
}

/// Times batches, each in an "inference" range, until the options' iterations and time are met; the rates and
/// latencies into r, the frames and the measured window into run.
Status timeBatches(const BenchOptions& options, const ModelInfo& info, ZooModel& model, const torch::Tensor& input,
    const torch::Device& device, const PeakFigures& peak, prof::RangeRecorder& recorder, ModelBenchResult& r,
    MeasuredRun& run)
{
    static const prof::RangeName inference = prof::RangeNameRegistry::instance().intern("inference", 0xFF009E73, 1);
    recorder.clear();
    resetMemoryPeak(device);
    std::vector<double> latencies;
    run.data.run.startNs = prof::nowNs();
    while (int64_t(latencies.size()) < options.maxIterations
        && (int64_t(latencies.size()) < options.minIterations
            || double(prof::nowNs() - run.data.run.startNs) / 1e9 < options.minSeconds)) {
        if (options.cancel && options.cancel->load())
            return Status(StatusCode::Cancelled, "bench cancelled during " + info.id);
        const int64_t batchIndex = int64_t(latencies.size());
        const int64_t t0 = prof::nowNs();
        {
            prof::ScopedRange range(&recorder, inference, batchIndex);
            model.forward(input);
            synchronize(device);
        }
        const int64_t t1 = prof::nowNs();
        latencies.push_back(double(t1 - t0) / 1e6);
        for (int64_t k = 0; k < options.batch; ++k)
            run.data.frames.push_back({ batchIndex * options.batch + k, batchIndex, t0, t1, 0, 0 });
    }
    run.data.run.endNs = prof::nowNs();
    readMemoryPeak(device, r);
    r.iterations = int64_t(latencies.size());
    const double seconds = double(run.data.run.endNs - run.data.run.startNs) / 1e9;
    r.fps = seconds > 0 ? double(r.iterations * options.batch) / seconds : 0;
    r.latencyP50Ms = prof::quantile(latencies, 0.50);
    r.latencyP95Ms = prof::quantile(latencies, 0.95);
    r.achievedGflops = r.gflopsPerImage * r.fps;
    r.peakShare = peak.peakGflops > 0 ? r.achievedGflops / peak.peakGflops : 0;
    return Status::ok();
}

/// Detections per image in `outputs`, and the time to interpret (decode and NMS) one batch of raw outputs.
void measureDetectorPostprocess(ZooModel& model, const TaskOutputs& outputs, const torch::Tensor& input,
    const torch::Device& device, ModelBenchResult& r)
{
    int64_t detections = 0;
    for (const auto& frame : outputs.detections)
        detections += int64_t(frame.size());
    r.detectionsPerImage = double(detections) / double(std::max<size_t>(1, outputs.detections.size()));
    const std::vector<torch::Tensor> raw = model.forward(input);
    synchronize(device);
    const int64_t t0 = prof::nowNs();
    (void)model.interpret(raw);
    r.postprocessMs = double(prof::nowNs() - t0) / 1e6;
}

/// What the outputs mean in this precision, against fp32 on the same images (and, for detectors, the postprocess).
void compareWithFp32(const BenchOptions& options, const ReferenceModel& reference, const ModelInfo& info,
    ZooModel& model, const torch::Tensor& input, const torch::Device& device, torch::Dtype dtype, ModelBenchResult& r)
{
    const TaskOutputs outputs = model.interpret(forwardAll(model, reference.agreementImages.to(dtype), options.batch));
    r.agreementMetric = compareTaskOutputs(info.task, reference.fp32, reference.fp32).metric;
    if (dtype != torch::kFloat32) {
        const OutputAgreement agreement = compareTaskOutputs(info.task, reference.fp32, outputs);
        r.agreement = agreement.value;
        r.agreementDetail = agreement.detail;
    } else {
        r.agreementDetail = "the reference";
    }
    if (info.task == "detection")
        measureDetectorPostprocess(model, outputs, input, device, r);
}

/// The progress line of a measured model: batches, latency, rate and share of the peak.
std::string summaryLine(const ModelBenchResult& r)
{
    char line[200];
    std::snprintf(line, sizeof line, "%lld batches, p50 %.2f ms, %.1f images/s, %.1f GFLOP/s (%.0f %% of peak)",
        static_cast<long long>(r.iterations), r.latencyP50Ms, r.fps, r.achievedGflops, 100.0 * r.peakShare);
    return line;
}

/// The session run of a measured model: what it is, its figures and the ranges recorded; marked to be written.
void describeRun(const BenchOptions& options, const ModelInfo& info, const ModelBenchResult& r,
    const torch::Device& device, prof::RangeRecorder& recorder, MeasuredRun& run)
{
    prof::RunData& data = run.data;
    data.run.step = "bench-" + info.id;
    data.run.title = info.name + " " + r.precision + " (model bench)";
    data.run.profile = es::profile_level::kLight;
    data.run.device = device.str();
    data.run.precision = r.precision;
    data.run.batch = options.batch;
    data.run.frames = r.iterations * options.batch;
    data.run.warmup = options.warmup;
    data.run.fps = r.fps;
    data.run.detectorOnlyFps = r.fps;
    data.ranges = recorder.snapshot();
    data.threads = recorder.threads();
    run.write = true;
}

/// One model in one precision: timing, memory, FLOP rate and agreement with fp32. A precision the device cannot run
/// gives an "unsupported" result, not a failure.
Result<ModelBenchResult> benchOne(const BenchOptions& options, const ReferenceModel& reference, const PeakFigures& peak,
    const torch::Device& device, torch::Dtype dtype, prof::RangeRecorder& recorder, MeasuredRun& run)
{
    const ModelInfo& info = reference.model.info();
    ModelBenchResult r = describeModel(options, reference, info, dtype);
    const std::string label = "[" + info.id + " " + r.precision + "] ";

    std::unique_ptr<ZooModel> converted;
    ZooModel* model = &reference.model;
    if (dtype != torch::kFloat32) {
        ES_ASSIGN_OR_RETURN(converted, convertedModel(reference.model, device, dtype));
        model = converted.get();
    }
    r.weightsMb = double(moduleBytes(*model)) / 1e6;

    InferenceGuard guard;
    const torch::Tensor input = reference.batchImages.to(dtype);
    if (!warmUp(options, *model, input, device, label, r))
        return r;
    ES_RETURN_IF_ERROR(timeBatches(options, info, *model, input, device, peak, recorder, r, run));
    compareWithFp32(options, reference, info, *model, input, device, dtype, r);
    say(options, label + summaryLine(r));
    describeRun(options, info, r, device, recorder, run);
    return r;
}

/// Gives the model the weights file options name for `id`, or seeded weights with BatchNorm statistics from
/// `images`; returns which, in words.
Result<std::string> prepareWeights(const BenchOptions& options, const std::string& id, ZooModel& model,
    const torch::Device& device, const torch::Tensor& images)
{
    auto found = options.weights.find(id);
    if (found != options.weights.end()) {
        say(options, "[" + id + "] loading weights " + found->second);
        ES_ASSIGN_OR_RETURN(WeightsInfo loaded, model.loadWeights(found->second));
        return loaded.description;
    }
    model.initializeSeeded(options.seed);
    model.module().to(device);
    calibrateBatchNorm(model, images);
    return "seeded (seed " + std::to_string(options.seed)
        + ", the reference initialization; BatchNorm statistics from the " + std::to_string(options.agreementImages)
        + " input images; not trained)";
}

/// The FLOPs of one image (counted from the operators that ran) and the fp32 outputs on the agreement images.
void measureReference(const BenchOptions& options, ReferenceModel& reference)
{
    InferenceGuard guard;
    {
        FlopCounter counter;
        reference.model.forward(reference.batchImages.narrow(0, 0, 1));
        reference.flopsPerImage = double(counter.flops());
    }
    reference.fp32 = reference.model.interpret(forwardAll(reference.model, reference.agreementImages, options.batch));
}

/// Writes one model in one precision as a run of the session: the bench's config, the figures and the peak they are
/// a share of; sets measured.runId.
Status writeBenchRun(prof::SessionStore& store, const BenchOptions& options, const BenchResult& result,
    const PeakFigures& peak, ModelBenchResult& measured, MeasuredRun& run)
{
    run.data.run.weights = measured.weights;
    run.data.run.video = result.inputs;
    run.data.run.deviceName = result.deviceName;
    nlohmann::json config = { { "bench", true }, { "batch", options.batch }, { "min_seconds", options.minSeconds },
        { "min_iterations", options.minIterations }, { "warmup", options.warmup }, { "threads", result.threads },
        { "device", options.device } };
    run.data.run.configJson = config.dump();
    nlohmann::json stored = modelBenchToJson(measured);
    stored["peak"] = { { "gflops", peak.peakGflops }, { "source", peak.peakSource },
        { "matmul_gflops", peak.matmulGflops }, { "conv_gflops", peak.convGflops } };
    run.data.run.resultJson = stored.dump();
    ES_ASSIGN_OR_RETURN(measured.runId, store.writeRun(run.data));
    return Status::ok();
}

/// Benches model `id` in every precision of `dtypes` on the same images, appending to result.models (and writing
/// each measured one to `store` when there is one).
Status benchModel(const BenchOptions& options, const std::string& id, const std::vector<const Frame*>& images,
    const std::vector<torch::Dtype>& dtypes, const torch::Device& device, prof::SessionStore* store,
    prof::RangeRecorder& recorder, BenchResult& result)
{
    if (options.cancel && options.cancel->load())
        return Status(StatusCode::Cancelled, "bench cancelled before " + id);
    ES_ASSIGN_OR_RETURN(std::unique_ptr<ZooModel> model, createZooModel(id));
    const ModelInfo& info = model->info();
    std::vector<const Frame*> agreementFrames(images.begin(), images.begin() + options.agreementImages);
    std::vector<const Frame*> batchFrames(images.begin(), images.begin() + options.batch);
    ReferenceModel reference { *model, modelInput(info, agreementFrames).to(device),
        modelInput(info, batchFrames).to(device), {}, 0 };
    ES_ASSIGN_OR_RETURN(
        const std::string weights, prepareWeights(options, id, *model, device, reference.agreementImages));
    model->module().eval();
    model->module().to(device);
    measureReference(options, reference);
    for (size_t p = 0; p < dtypes.size(); ++p) {
        MeasuredRun run;
        ES_ASSIGN_OR_RETURN(
            ModelBenchResult measured, benchOne(options, reference, result.peaks[p], device, dtypes[p], recorder, run));
        measured.weights = weights;
        if (store && run.write)
            ES_RETURN_IF_ERROR(writeBenchRun(*store, options, result, result.peaks[p], measured, run));
        result.models.push_back(std::move(measured));
    }
    return Status::ok();
}

} // namespace

Result<BenchResult> runBench(const BenchOptions& options)
{
    const std::vector<std::string> modelIds = modelsToBench(options);
    ES_RETURN_IF_ERROR(validateBenchOptions(options, modelIds));

    BenchResult result;
    result.batch = options.batch;
    try {
        ES_ASSIGN_OR_RETURN(const torch::Device device, prepareBenchDevice(options, result));
        ES_ASSIGN_OR_RETURN(const std::vector<torch::Dtype> dtypes, benchPrecisions(options, device));
        const int64_t imageCount = std::max(options.batch, options.agreementImages);
        const FrameSpec spec = options.video.empty()
            ? FrameSpec::fromSynthetic(options.syntheticWidth, options.syntheticHeight)
            : FrameSpec::fromVideo(options.video);
        ES_ASSIGN_OR_RETURN(const DecodedFrames decoded, decodeFrames(spec, imageCount));
        const std::vector<const Frame*> images = cycledFrames(decoded, imageCount);
        result.inputs = std::to_string(imageCount) + " images from " + decoded.description;
        ES_ASSIGN_OR_RETURN(const std::unique_ptr<prof::SessionStore> store, openBenchSession(options, result));

        for (torch::Dtype dtype : dtypes) {
            say(options, std::string("measuring the device's ") + dtypeName(dtype) + " peak");
            result.peaks.push_back(measurePeak(device, dtype, options.peakSeconds));
        }
        prof::RangeRecorder recorder;
        for (const std::string& id : modelIds)
            ES_RETURN_IF_ERROR(benchModel(options, id, images, dtypes, device, store.get(), recorder, result));
    } catch (const std::exception& error) {
        return Status(StatusCode::Internal, "the bench failed: " + firstLine(error.what()));
    }
    return result;
}

nlohmann::json modelBenchToJson(const ModelBenchResult& r)
{
    nlohmann::json j = { { "model", r.model }, { "name", r.name }, { "task", r.task }, { "precision", r.precision },
        { "status", r.status }, { "input", { r.inputHeight, r.inputWidth } }, { "batch", r.batch },
        { "parameters", r.parameters }, { "published_parameters", r.publishedParameters },
        { "gflops_per_image", r.gflopsPerImage }, { "weights_mb", r.weightsMb }, { "weights", r.weights } };
    if (r.status != "ok") {
        j["reason"] = r.reason;
        return j;
    }
    j["iterations"] = r.iterations;
    j["latency_p50_ms"] = r.latencyP50Ms;
    j["latency_p95_ms"] = r.latencyP95Ms;
    j["fps"] = r.fps;
    j["achieved_gflops"] = r.achievedGflops;
    j["peak_share"] = r.peakShare;
    j["peak_memory_mb"] = r.peakMemoryBytes >= 0 ? nlohmann::json(double(r.peakMemoryBytes) / 1e6) : nlohmann::json();
    j["peak_memory_kind"] = r.peakMemoryKind;
    j["agreement"] = { { "metric", r.agreementMetric },
        { "value", r.agreement ? nlohmann::json(*r.agreement) : nlohmann::json() }, { "detail", r.agreementDetail } };
    if (r.task == "detection") {
        j["postprocess_ms"] = r.postprocessMs;
        j["detections_per_image"] = r.detectionsPerImage;
    }
    if (r.runId >= 0)
        j["run_id"] = r.runId;
    return j;
}

nlohmann::json benchToJson(const BenchResult& result)
{
    nlohmann::json j = { { "device", result.deviceUsed }, { "device_name", result.deviceName },
        { "threads", result.threads }, { "batch", result.batch }, { "inputs", result.inputs },
        { "peaks", nlohmann::json::array() }, { "models", nlohmann::json::array() }, { "notes", result.notes } };
    for (const PeakFigures& peak : result.peaks) {
        nlohmann::json p = { { "precision", peak.precision }, { "status", peak.status } };
        if (peak.status == "ok") {
            p["matmul_gflops"] = peak.matmulGflops;
            p["conv_gflops"] = peak.convGflops;
            p["peak_gflops"] = peak.peakGflops;
            p["peak_source"] = peak.peakSource;
        } else {
            p["reason"] = peak.reason;
        }
        j["peaks"].push_back(p);
    }
    for (const ModelBenchResult& model : result.models)
        j["models"].push_back(modelBenchToJson(model));
    if (!result.sessionPath.empty())
        j["session"] = result.sessionPath;
    return j;
}

} // namespace es::engine
