// SPDX-License-Identifier: Apache-2.0
#include "edgescope/engine/weights_cache.h"

#include "edgescope/engine/model_bench.h"
#include "fetch/http_download.h"
#include "fetch/sha256.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace es::engine {

const std::vector<WeightsSource>& weightsSources()
{
    // Addresses as each project publishes them (docs/weights.md). torchvision's file names carry the first 8 hex
    // digits of the file's SHA-256 (torch.hub checks them the same way); the others publish no checksum.
    static const std::vector<WeightsSource> sources = {
        { "ssd300", "ssd300",
            "https://api.ngc.nvidia.com/v2/models/nvidia/ssd_pyt_ckpt_amp/versions/20.06.0/files/"
            "nvidia_ssdpyt_amp_200703.pt",
            "nvidia_ssdpyt_amp_200703.pt", "", "", 0,
            "NVIDIA NGC, ssd_pyt_ckpt_amp 20.06.0 (what torch hub's nvidia_ssd downloads); no checksum published",
            "torch.save: {'model': OrderedDict (NVIDIA's SSD300 v1.1 names), 'epoch', 'optimizer', ...}, an AMP "
            "training checkpoint" },
        { "yolov3-tiny", "yolov3-tiny", "https://pjreddie.com/media/files/yolov3-tiny.weights", "yolov3-tiny.weights",
            "", "", 35434956, "darknet (Joseph Redmon, pjreddie.com); no checksum published, size as served",
            "darknet .weights: a 20-byte header (version 0.2, images seen), then float32 weights in yolov3-tiny.cfg's "
            "layer order" },
        { "resnet50", "resnet50", "https://download.pytorch.org/models/resnet50-0676ba61.pth", "resnet50-0676ba61.pth",
            "", "0676ba61", 0, "torchvision, ResNet50_Weights.IMAGENET1K_V1; SHA-256 prefix in the file name",
            "torch.save: OrderedDict state dict (torchvision's resnet50 names)" },
        { "mobilenetv2", "mobilenetv2", "https://download.pytorch.org/models/mobilenet_v2-b0353104.pth",
            "mobilenet_v2-b0353104.pth", "", "b0353104", 0,
            "torchvision, MobileNet_V2_Weights.IMAGENET1K_V1; SHA-256 prefix in the file name",
            "torch.save: OrderedDict state dict (torchvision's mobilenet_v2 names)" },
        { "deeplabv3-mobilenetv2", "deeplabv3-mobilenetv2",
            "https://www.dropbox.com/s/uhksxwfcim3nkpo/best_deeplabv3_mobilenet_voc_os16.pth?dl=1",
            "best_deeplabv3_mobilenet_voc_os16.pth", "", "", 0,
            "VainF/DeepLabV3Plus-Pytorch (the Dropbox link of its README: a shared link, which can move; --url for a "
            "mirror); no checksum published",
            "torch.save: {'model_state': OrderedDict, 'optimizer_state', 'scheduler_state', 'cur_itrs', "
            "'best_score'}" },
        { "pose-resnet50", "pose-resnet50", "", "pose_resnet_50_256x192.pth.tar", "", "", 0,
            "microsoft/human-pose-estimation.pytorch (OneDrive and Google Drive folders linked from its README, "
            "models/pytorch/pose_coco/): no stable direct address, so give one with --url or copy the file into "
            "the cache; no checksum published",
            "torch.save: OrderedDict state dict (conv1..layer4, deconv_layers, final_layer)" },
    };
    return sources;
}

namespace {

std::string lowercase(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return text;
}

int64_t fileSize(const std::string& path)
{
    struct stat info;
    if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode))
        return -1;
    return int64_t(info.st_size);
}

bool pathExists(const std::string& path)
{
    struct stat info;
    return ::stat(path.c_str(), &info) == 0;
}

std::string knownNames()
{
    std::string names;
    for (const WeightsSource& source : weightsSources())
        names += (names.empty() ? "" : ", ") + source.name;
    return names;
}

std::string cachePathOf(const WeightsSource& source)
{
    return weightsCacheDir() + "/" + source.fileName;
}

/// How to get `source` onto a machine without a network (docs/weights.md).
std::string manualRoute(const WeightsSource& source)
{
    const std::string from = source.url.empty() ? "its publisher (" + source.publisher + ")" : source.url;
    return "without a network here: run `edgescope-cli weights fetch " + source.name
        + "` on any machine that has one and copy its cache folder (~/.cache/edgescope/weights) to " + weightsCacheDir()
        + " on this one, or download " + from + " by hand and save it as " + cachePathOf(source) + " (docs/weights.md)";
}

/// The checks of `source` on a file of `size` bytes whose SHA-256 is `hash`: OK, or CorruptData naming what differs.
Status checkFile(const std::string& path, const WeightsSource& source, int64_t size, const std::string& hash)
{
    const std::string what = path + " is not the file " + source.name + " publishes: ";
    if (source.bytes > 0 && size != source.bytes)
        return Status(StatusCode::CorruptData,
            what + "it has " + std::to_string(size) + " bytes, the published file " + std::to_string(source.bytes));
    if (!source.sha256.empty() && hash != lowercase(source.sha256))
        return Status(StatusCode::CorruptData, what + "its SHA-256 is " + hash + ", the published " + source.sha256);
    if (source.sha256.empty() && !source.sha256Prefix.empty() && hash.rfind(lowercase(source.sha256Prefix), 0) != 0)
        return Status(StatusCode::CorruptData,
            what + "its SHA-256 is " + hash + ", which does not start with " + source.sha256Prefix + " as the name "
                + source.fileName + " says");
    return Status::ok();
}

/// What was checked, in words, for FetchResult::notes.
std::string checkedNote(const WeightsSource& source, const std::string& hash)
{
    if (!source.sha256.empty())
        return "SHA-256 matches the published " + source.sha256;
    if (!source.sha256Prefix.empty())
        return "SHA-256 starts with " + source.sha256Prefix + " as the file name " + source.fileName + " says";
    if (source.bytes > 0)
        return "no checksum published: size checked only (" + std::to_string(source.bytes) + " bytes)";
    return "no checksum or size published: kept as downloaded (SHA-256 " + hash
        + "); `edgescope-cli weights verify` compares it with a checksum you trust";
}

/// The source with the fetch's overrides: a --sha256 replaces the published checks (it names the exact file).
Result<WeightsSource> effectiveSource(const WeightsSource& source, const FetchOptions& options)
{
    WeightsSource effective = source;
    if (!options.url.empty()) {
        if (options.url.rfind("http://", 0) != 0 && options.url.rfind("https://", 0) != 0)
            return Status::invalidOption("url", "'" + options.url + "' is not an http:// or https:// address");
        effective.url = options.url;
    }
    if (!options.sha256.empty()) {
        if (!isSha256Hex(options.sha256))
            return Status::invalidOption("sha256", "'" + options.sha256 + "' is not a SHA-256 (64 hex digits)");
        effective.sha256 = lowercase(options.sha256);
        effective.sha256Prefix.clear();
        effective.bytes = 0;
    }
    if (!(options.timeoutSeconds > 0))
        return Status::invalidOption("timeout", "the timeout must be above 0 seconds");
    return effective;
}

/// An exclusive lock on DIR/.FILE.lock for the fetch's lifetime: one fetch per file, across processes.
class FetchLock
{
public:
    explicit FetchLock(const std::string& path) : m_fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) { }
    ~FetchLock()
    {
        if (m_fd >= 0)
            ::close(m_fd); // releases the flock
    }
    FetchLock(const FetchLock&) = delete;
    FetchLock& operator=(const FetchLock&) = delete;
    bool acquire() { return m_fd >= 0 && ::flock(m_fd, LOCK_EX | LOCK_NB) == 0; }

private:
    int m_fd;
};

/// A verified file already in the cache: the result without a download. A cached file that fails the checks is
/// removed (it is downloaded again) and said so in `notes`.
std::optional<FetchResult> alreadyCached(const WeightsSource& source, std::vector<std::string>& notes)
{
    const std::string path = cachePathOf(source);
    const int64_t size = fileSize(path);
    if (size < 0)
        return std::nullopt;
    auto hash = sha256OfFile(path);
    const Status checked = hash ? checkFile(path, source, size, hash.value()) : hash.status();
    if (!checked.isOk()) {
        notes.push_back(checked.message() + ": removed and downloaded again");
        std::remove(path.c_str());
        return std::nullopt;
    }
    FetchResult result;
    result.path = path;
    result.url = source.url;
    result.bytes = size;
    result.sha256 = hash.value();
    result.alreadyCached = true;
    result.notes = notes;
    result.notes.push_back("already in the cache: nothing downloaded; " + checkedNote(source, hash.value()));
    return result;
}

/// A failed download, with what to do next: run again (the partial file resumes) or the manual route offline.
Status downloadFailure(const Status& status, const WeightsSource& source)
{
    const std::string again = "`edgescope-cli weights fetch " + source.name + "` again resumes it";
    switch (status.code()) {
    case StatusCode::Unavailable:
        return Status(status.code(), status.message() + "; " + manualRoute(source));
    case StatusCode::IoError:
        return Status(status.code(), status.message() + "; " + again);
    case StatusCode::Cancelled:
        return Status(status.code(), status.message() + "; " + again);
    case StatusCode::NotFound:
        return Status(status.code(),
            status.message() + ": the address may have moved; give the file's new address with --url (a mirror) or "
                + "copy the file into the cache by hand (docs/weights.md)");
    default:
        return status;
    }
}

/// Checks the downloaded partial file and renames it into place; a file that fails the checks is removed.
Result<FetchResult> verifyAndInstall(const WeightsSource& source, const std::string& partial, FetchResult result)
{
    ES_ASSIGN_OR_RETURN(result.sha256, sha256OfFile(partial));
    result.bytes = fileSize(partial);
    const Status checked = checkFile(partial, source, result.bytes, result.sha256);
    if (!checked.isOk()) {
        std::remove(partial.c_str());
        return Status(StatusCode::CorruptData,
            checked.message() + " (from " + source.url + "); the partial file was removed. Check the address (--url) "
                + "and the checksum (--sha256), then fetch again");
    }
    result.path = cachePathOf(source);
    if (std::rename(partial.c_str(), result.path.c_str()) != 0)
        return Status(
            StatusCode::IoError, "cannot rename " + partial + " to " + result.path + ": " + std::strerror(errno));
    result.notes.push_back(checkedNote(source, result.sha256));
    return result;
}

} // namespace

const WeightsSource* findWeightsSource(const std::string& name)
{
    const std::string wanted = lowercase(name);
    for (const WeightsSource& source : weightsSources())
        if (source.name == wanted || source.model == wanted)
            return &source;
    for (const ModelInfo& model : benchModels())
        if (std::find(model.aliases.begin(), model.aliases.end(), wanted) != model.aliases.end())
            for (const WeightsSource& source : weightsSources())
                if (source.model == model.id)
                    return &source;
    return nullptr;
}

std::string weightsCacheDir()
{
    const char* xdg = std::getenv("XDG_CACHE_HOME");
    if (xdg && xdg[0] == '/') // the XDG spec: a relative path is ignored
        return std::string(xdg) + "/edgescope/weights";
    const char* home = std::getenv("HOME");
    if (home && *home)
        return std::string(home) + "/.cache/edgescope/weights";
    if (const passwd* user = ::getpwuid(::getuid()); user && user->pw_dir && *user->pw_dir)
        return std::string(user->pw_dir) + "/.cache/edgescope/weights";
    return "/tmp/edgescope-" + std::to_string(::getuid()) + "/weights";
}

std::optional<std::string> cachedWeights(const std::string& name)
{
    const WeightsSource* source = findWeightsSource(name);
    if (!source)
        return std::nullopt;
    const std::string path = cachePathOf(*source);
    const int64_t size = fileSize(path);
    // Complete: only verified downloads are renamed into place; a file copied in by hand must have the size.
    if (size <= 0 || (source->bytes > 0 && size != source->bytes))
        return std::nullopt;
    return path;
}

Result<std::string> resolveWeights(const std::string& nameOrPath)
{
    const WeightsSource* source = findWeightsSource(nameOrPath);
    if (source)
        if (auto cached = cachedWeights(nameOrPath))
            return *cached;
    if (!nameOrPath.empty() && pathExists(nameOrPath))
        return nameOrPath;
    if (source)
        return Status(StatusCode::NotFound,
            "the weights " + source->name + " are not in the cache (" + cachePathOf(*source)
                + "): run `edgescope-cli weights fetch " + source->name + "` where there is a network; "
                + manualRoute(*source));
    return Status(StatusCode::NotFound,
        "weights '" + nameOrPath + "': no such file, and not a weights name (" + knownNames()
            + "); give a file (a TorchScript module, a state dict, a darknet .weights) or a name");
}

Status verifyWeights(const std::string& path, const WeightsSource& source)
{
    const int64_t size = fileSize(path);
    if (size < 0)
        return Status(StatusCode::NotFound, "cannot verify " + path + ": no such file");
    if (source.bytes > 0 && size != source.bytes)
        return checkFile(path, source, size, std::string());
    if (source.sha256.empty() && source.sha256Prefix.empty())
        return Status::ok();
    ES_ASSIGN_OR_RETURN(const std::string hash, sha256OfFile(path));
    return checkFile(path, source, size, hash);
}

Result<FetchResult> fetchWeights(const std::string& name, const FetchOptions& options)
{
    const WeightsSource* known = findWeightsSource(name);
    if (!known)
        return Status(StatusCode::InvalidArgument, "'" + name + "' is not a weights name (" + knownNames() + ")");
    ES_ASSIGN_OR_RETURN(const WeightsSource source, effectiveSource(*known, options));
    const std::string dir = weightsCacheDir();
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error)
        return Status(StatusCode::IoError,
            "cannot create the weights cache " + dir + ": " + error.message()
                + " (set XDG_CACHE_HOME to a folder you can write)");
    FetchLock lock(dir + "/." + source.fileName + ".lock");
    if (!lock.acquire())
        return Status(StatusCode::Unavailable,
            "another fetch of " + source.name + " is under way (" + dir + "/." + source.fileName
                + ".lock): wait for it to end");
    std::vector<std::string> notes;
    if (auto cached = alreadyCached(source, notes))
        return *cached;
    if (source.url.empty())
        return Status(StatusCode::Unsupported,
            source.name + " has no stable public address (" + source.publisher + "): download " + source.fileName
                + " from there and save it as " + cachePathOf(source) + ", or give its address with --url");
    if (!httpDownloadAvailable())
        return Status(StatusCode::Unsupported,
            "this build cannot download " + source.name + " (" + httpBackendDescription() + "); "
                + manualRoute(source));
    HttpDownloadRequest request { source.url, cachePathOf(source) + ".partial", options.timeoutSeconds, options.cancel,
        options.progress };
    auto downloaded = httpDownload(request);
    if (!downloaded)
        return downloadFailure(downloaded.status(), source);
    FetchResult result;
    result.url = source.url;
    result.resumedFrom = downloaded->resumedFrom;
    result.notes = notes;
    if (!downloaded->note.empty())
        result.notes.push_back(downloaded->note);
    return verifyAndInstall(source, request.partialPath, std::move(result));
}

} // namespace es::engine
