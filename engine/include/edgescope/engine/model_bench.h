// SPDX-License-Identifier: Apache-2.0
#pragma once

// The model bench's public API: no LibTorch types, so that the CLI and the GUI compile without them.
#include "base/status.h"
#include "edgescope/engine/device_report.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace es::engine {

/// A model of the bench's zoo, as its paper and reference implementation define it.
struct ModelInfo
{
    std::string id; ///< "resnet50"
    std::string name; ///< "ResNet-50"
    std::string task; ///< detection, classification, segmentation or pose
    int64_t inputHeight = 0, inputWidth = 0;
    int64_t publishedParameters = 0; ///< from the paper or the reference implementation
    std::string reference; ///< paper and reference implementation
    std::string weightNames; ///< whose state-dict names it uses (docs/weights.md)
    std::vector<std::string> aliases; ///< other names --models accepts ("yolo", "pose")
};

/// The zoo, in the order the bench runs it.
const std::vector<ModelInfo>& benchModels();

/// "all" or a comma list of ids or aliases, to ids; an unknown name is a Status listing the known ones.
Result<std::vector<std::string>> parseModelList(const std::string& text);
/// A comma list of fp32, fp16, bf16; "auto": fp32 and the device's half precision (fp16 on CUDA, bf16 on a CPU).
Result<std::vector<std::string>> parsePrecisionList(const std::string& text);

/// What to bench and how long. Times in seconds.
struct BenchOptions
{
    std::vector<std::string> models; ///< ids; empty: all
    std::vector<std::string> precisions = { "auto" };
    int64_t batch = 1;
    std::string device = "auto"; ///< auto, cpu or cuda
    int threads = 0; ///< LibTorch intra-op threads; 0: OMP_NUM_THREADS when set, else every logical core
    std::string video; ///< input images from this video; empty: the synthetic scene
    int syntheticWidth = 640, syntheticHeight = 480;
    int64_t warmup = 3; ///< batches run before measuring
    int64_t minIterations = 5; ///< batches measured at least...
    double minSeconds = 1.0; ///< ...and for at least this long (at most maxIterations)
    int64_t maxIterations = 500;
    double peakSeconds = 0.4; ///< per peak measurement (matrix product, 1x1 convolution)
    int64_t agreementImages = 8; ///< images on which half precision is compared with fp32
    std::map<std::string, std::string> weights; ///< model id -> weights file; others get seeded weights
    uint64_t seed = 1;
    std::string sessionPath; ///< --out: append one run per model and precision
    std::function<void(const std::string&)> progress; ///< one line of progress, on the bench's thread
    const std::atomic<bool>* cancel = nullptr;
};

/// The device's measured peak in one precision: a large matrix product and a large 1x1 convolution (the engine the
/// models' convolutions use: oneDNN on CPUs, cuDNN on GPUs), GFLOP/s. `peakGflops` is the larger, named by
/// `peakSource`; model shares use it.
struct PeakFigures
{
    std::string precision;
    std::string status = "ok"; ///< ok or unsupported
    std::string reason;
    double matmulGflops = 0;
    double convGflops = 0;
    double peakGflops = 0;
    std::string peakSource; ///< "matmul 2048x2048" or "conv1x1 ..."
};

/// One model in one precision. Times in ms; FLOPs per image (2 x multiply-accumulates of its convolutions and matrix
/// products, counted from the operators that ran).
struct ModelBenchResult
{
    std::string model, name, task, precision;
    std::string status = "ok"; ///< ok, unsupported (the backend cannot run this precision: see reason) or failed
    std::string reason;
    int64_t inputHeight = 0, inputWidth = 0, batch = 1;
    int64_t iterations = 0; ///< batches measured
    double latencyP50Ms = 0, latencyP95Ms = 0; ///< per batch
    double fps = 0; ///< images per second
    double gflopsPerImage = 0;
    double achievedGflops = 0;
    double peakShare = 0; ///< achievedGflops / the precision's peakGflops
    int64_t parameters = 0, publishedParameters = 0;
    double weightsMb = 0; ///< parameters and buffers in this precision, MB (1e6 bytes)
    int64_t peakMemoryBytes = -1; ///< see peakMemoryKind; -1 unknown
    std::string peakMemoryKind; ///< "device (LibTorch allocator)" or "process RSS high-water"
    std::string agreementMetric; ///< top1_agreement, mask_miou, keypoint_distance_px, matched_detections
    std::optional<double> agreement; ///< against fp32 on the same images (absent for fp32 itself)
    std::string agreementDetail;
    double postprocessMs = 0; ///< detectors: decode and NMS of one batch
    double detectionsPerImage = 0;
    std::string weights; ///< in words
    int64_t runId = -1; ///< in the session, when written
};

struct BenchResult
{
    DeviceReport devices;
    std::string deviceUsed; ///< "cpu" or "cuda:0"
    std::string deviceName;
    int threads = 0;
    int64_t batch = 1;
    std::string inputs; ///< the images, in words
    std::vector<PeakFigures> peaks;
    std::vector<ModelBenchResult> models;
    std::vector<std::string> notes;
    std::string sessionPath;
};

/// Runs every model in every precision on the same images and measures each; catches every LibTorch exception. A
/// precision the backend cannot run gives an "unsupported" result with the reason, not a failure. Bad options fail
/// before any measuring, a status about one option naming it in BenchOptions' spelling ("batch", "weights"). Runs on
/// the calling thread.
Result<BenchResult> runBench(const BenchOptions& options);

/// The bench as one JSON object (what `edgescope-cli bench --json` prints).
nlohmann::json benchToJson(const BenchResult& result);
nlohmann::json modelBenchToJson(const ModelBenchResult& result);

} // namespace es::engine
