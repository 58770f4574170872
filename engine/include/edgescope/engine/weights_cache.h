// SPDX-License-Identifier: Apache-2.0
#pragma once
// Real weights on this machine: the files each public project publishes (NVIDIA's SSD300 checkpoint, darknet's
// yolov3-tiny.weights, torchvision's ResNet-50 and MobileNetV2, the DeepLabV3-MobileNetV2 and SimpleBaseline pose
// checkpoints), fetched once into a cache folder and found there by model name afterwards. Torch-free: the CLI and
// the GUI include this. HTTP goes through libcurl where the build has it (ES_HAS_CURL); without it fetch() says so
// and the manual route (fetch on another machine, copy the cache folder) still works.
#include "base/status.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace es::engine {

/// One published weights file: where it is, what it is, and how to check it. Value type.
struct WeightsSource
{
    std::string name; ///< the name on the command line: "ssd300", "yolov3-tiny", "resnet50", ...
    std::string model; ///< the bench model id it fills ("ssd300", "yolo", "resnet50", "mobilenetv2", ...)
    std::string url; ///< the publisher's address
    std::string fileName; ///< the file's name in the cache (the publisher's name)
    std::string sha256; ///< lowercase hex; empty where the publisher gives none
    std::string sha256Prefix; ///< a prefix of the hash the publisher puts in the file name (torchvision); or empty
    int64_t bytes = 0; ///< the published size, 0 where unknown
    std::string publisher; ///< who publishes it, in words ("NVIDIA NGC (torch hub nvidia_ssd)")
    std::string format; ///< what the file holds, in words ("torch.save zip: {'model': OrderedDict, 'epoch': ...}")
};

/// Every source EdgeScope knows, in the order `weights list` shows them.
const std::vector<WeightsSource>& weightsSources();
/// The source called `name` (a source name or a model id); nullptr when none.
const WeightsSource* findWeightsSource(const std::string& name);

/// The cache folder: $XDG_CACHE_HOME/edgescope/weights, else $HOME/.cache/edgescope/weights.
std::string weightsCacheDir();
/// The cached file of `name` (source name or model id) when it is there and complete; empty otherwise.
std::optional<std::string> cachedWeights(const std::string& name);
/// What a --weights value means: a known name with a cached file -> that file; an existing path -> itself; a known
/// name not fetched yet -> NotFound naming `weights fetch NAME` and the manual route; anything else -> NotFound.
Result<std::string> resolveWeights(const std::string& nameOrPath);

/// How a fetch runs. `url` / `sha256` override the source's (a mirror, a file on a local server).
struct FetchOptions
{
    std::string url;
    std::string sha256;
    double timeoutSeconds = 30; ///< no byte for this long: the transfer stops (and a later fetch resumes it)
    const std::atomic<bool>* cancel = nullptr; ///< set from another thread to stop; the partial file is kept
    /// Called from the fetching thread with bytes so far and the total (0 when the server does not say).
    std::function<void(int64_t done, int64_t total)> progress;
};

/// What a fetch did. Value type.
struct FetchResult
{
    std::string path; ///< the verified file in the cache
    std::string url;
    int64_t bytes = 0;
    int64_t resumedFrom = 0; ///< bytes already there from an earlier, cut transfer
    std::string sha256; ///< of the file, as computed
    bool alreadyCached = false; ///< nothing downloaded: the verified file was there
    std::vector<std::string> notes; ///< e.g. "no checksum published: size checked only"
};

/// Downloads `name` into the cache: to NAME.partial first (resumed with an HTTP range when one is there), then
/// checked (size, SHA-256 or the hash prefix of the file name) and renamed into place. A wrong checksum removes the
/// partial file. Honours http_proxy/https_proxy/no_proxy. Every failure names the address and the fix; offline it
/// names the manual route (docs/weights.md). Any thread; one fetch per name at a time.
Result<FetchResult> fetchWeights(const std::string& name, const FetchOptions& options);

/// Checks a file against `source` (size and checksum as published): OK, or CorruptData naming what differs.
Status verifyWeights(const std::string& path, const WeightsSource& source);

/// SHA-256 of a file, lowercase hex.
Result<std::string> sha256OfFile(const std::string& path);

} // namespace es::engine
