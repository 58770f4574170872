// SPDX-License-Identifier: Apache-2.0
#include "fetch/http_download.h"

#include "es_config.h"

#if ES_HAS_CURL
#include <curl/curl.h>
#endif

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <sys/stat.h>

namespace es::engine {

#if ES_HAS_CURL

namespace {

int64_t fileSize(const std::string& path)
{
    struct stat info;
    return ::stat(path.c_str(), &info) == 0 ? int64_t(info.st_size) : -1;
}

std::string megabytesText(int64_t bytes)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.1f MB", double(bytes) / 1e6);
    return text;
}

std::string secondsText(double seconds)
{
    char text[32];
    std::snprintf(text, sizeof text, "%g s", seconds);
    return text;
}

/// One transfer's state, shared by libcurl's callbacks (all on the downloading thread).
struct Transfer
{
    const HttpDownloadRequest* request = nullptr;
    CURL* curl = nullptr;
    FILE* file = nullptr;
    int64_t resumeFrom = 0; ///< bytes of the partial file the range request asked past
    int64_t written = 0; ///< bytes written by this transfer
    int64_t contentRangeStart = -1; ///< from the last response's Content-Range; -1 when none
    int64_t contentRangeTotal = -1; ///< the whole file's size from it; -1 when none
    bool started = false; ///< the body began: the status was checked and the file opened
    std::string failure; ///< why a callback stopped the transfer
    std::string note;
    int64_t lastDone = -1, lastTotal = -1;

    ~Transfer()
    {
        if (file)
            std::fclose(file);
    }
};

/// At the first byte of the body: keep the partial file for a 206 that starts where it ends, start over for a
/// server that ignored the range (200).
bool startBody(Transfer& transfer)
{
    transfer.started = true;
    long status = 0;
    curl_easy_getinfo(transfer.curl, CURLINFO_RESPONSE_CODE, &status);
    if (transfer.resumeFrom > 0 && status == 206 && transfer.contentRangeStart != transfer.resumeFrom) {
        transfer.failure = "the server answered the range request from byte " + std::to_string(transfer.resumeFrom)
            + " with bytes from " + std::to_string(transfer.contentRangeStart);
        return false;
    }
    if (transfer.resumeFrom > 0 && status != 206) {
        transfer.note
            = "the server ignored the range request (HTTP " + std::to_string(status) + "): the download started over";
        transfer.resumeFrom = 0;
    }
    transfer.file = std::fopen(transfer.request->partialPath.c_str(), transfer.resumeFrom > 0 ? "ab" : "wb");
    if (!transfer.file) {
        transfer.failure = "cannot write " + transfer.request->partialPath + ": " + std::strerror(errno);
        return false;
    }
    return true;
}

size_t onBody(char* data, size_t size, size_t count, void* user)
{
    auto& transfer = *static_cast<Transfer*>(user);
    const size_t bytes = size * count;
    if (!transfer.started && !startBody(transfer))
        return 0;
    if (std::fwrite(data, 1, bytes, transfer.file) != bytes) {
        transfer.failure = "cannot write " + transfer.request->partialPath + ": " + std::strerror(errno);
        return 0;
    }
    transfer.written += int64_t(bytes);
    return bytes;
}

/// Each header line: a status line starts a new response (a redirect's answer is followed by the next one).
size_t onHeader(char* data, size_t size, size_t count, void* user)
{
    auto& transfer = *static_cast<Transfer*>(user);
    const std::string line(data, size * count);
    if (line.rfind("HTTP/", 0) == 0)
        transfer.contentRangeStart = transfer.contentRangeTotal = -1;
    static const char prefix[] = "content-range: bytes ";
    if (line.size() <= sizeof prefix || strncasecmp(line.c_str(), prefix, sizeof prefix - 1) != 0)
        return size * count;
    const char* value = line.c_str() + sizeof prefix - 1; // "START-END/TOTAL" or "*/TOTAL"
    if (*value != '*')
        transfer.contentRangeStart = std::strtoll(value, nullptr, 10);
    if (const char* slash = std::strchr(value, '/'); slash && slash[1] != '*')
        transfer.contentRangeTotal = std::strtoll(slash + 1, nullptr, 10);
    return size * count;
}

int onProgress(void* user, curl_off_t total, curl_off_t, curl_off_t, curl_off_t)
{
    auto& transfer = *static_cast<Transfer*>(user);
    const HttpDownloadRequest& request = *transfer.request;
    if (request.cancel && request.cancel->load())
        return 1;
    const int64_t done = transfer.resumeFrom + transfer.written;
    const int64_t whole = total > 0 && transfer.started ? transfer.resumeFrom + int64_t(total) : 0;
    if (request.progress && (done != transfer.lastDone || whole != transfer.lastTotal)) {
        transfer.lastDone = done;
        transfer.lastTotal = whole;
        request.progress(done, whole);
    }
    return 0;
}

/// no_proxy as the environment says, with loopback added: a server on this machine is never reached by a proxy.
std::string noProxyList()
{
    const char* value = std::getenv("no_proxy");
    if (!value || !*value)
        value = std::getenv("NO_PROXY");
    const std::string environment = value ? value : "";
    if (environment == "*")
        return environment;
    return environment + (environment.empty() ? "" : ",") + "localhost,127.0.0.1,::1";
}

void configure(CURL* curl, Transfer& transfer, char* errorText, const std::string& noProxy, const std::string& range)
{
    const HttpDownloadRequest& request = *transfer.request;
    const double timeout = request.timeoutSeconds > 0 ? request.timeoutSeconds : 30;
    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    // HTTP and HTTPS only, redirects included; the string options are libcurl 7.85's (Debian 12), the bitmasks those
    // of older ones (Debian 11's 7.74, Ubuntu 22.04's 7.81), deprecated since.
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS, long(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS, long(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "edgescope/" ES_VERSION);
    curl_easy_setopt(curl, CURLOPT_NOPROXY, noProxy.c_str());
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errorText);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, long(timeout * 1000));
    // "No byte for this long": under 1 byte/s for the timeout (whole seconds, at least 1).
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, std::max(1L, std::lround(timeout)));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, onBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, onHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, onProgress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer);
    // A plain range rather than CURLOPT_RESUME_FROM, which fails on a server that ignores it: startBody() starts
    // over instead.
    if (transfer.resumeFrom > 0)
        curl_easy_setopt(curl, CURLOPT_RANGE, range.c_str());
}

/// A failed HTTP answer: 404 and 410 are NotFound; a 416 on a resume means the partial file already holds it all.
Status httpStatusFailure(const Transfer& transfer, long status)
{
    const std::string& url = transfer.request->url;
    if (status == 404 || status == 410)
        return Status(StatusCode::NotFound, "not found at " + url + " (HTTP " + std::to_string(status) + ")");
    return Status(StatusCode::IoError, url + " answered HTTP " + std::to_string(status));
}

/// What a libcurl failure means for the user, by how far the transfer got.
Status transferFailure(const Transfer& transfer, CURLcode code, const char* errorText)
{
    const HttpDownloadRequest& request = *transfer.request;
    const std::string detail
        = std::string(curl_easy_strerror(code)) + (*errorText ? std::string(": ") + errorText : "");
    const int64_t have = transfer.resumeFrom + transfer.written;
    const std::string kept = "; " + megabytesText(have) + " kept in " + request.partialPath;
    switch (code) {
    case CURLE_ABORTED_BY_CALLBACK:
        return Status(StatusCode::Cancelled, "the download of " + request.url + " was cancelled" + kept);
    case CURLE_WRITE_ERROR:
        return Status(StatusCode::IoError, transfer.failure.empty() ? detail : transfer.failure);
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
        return Status(StatusCode::Unavailable, "cannot connect to " + request.url + " (" + detail + ")");
    case CURLE_OPERATION_TIMEDOUT:
        if (!transfer.started)
            return Status(StatusCode::Unavailable,
                "no data from " + request.url + " within " + secondsText(request.timeoutSeconds) + " (" + detail + ")");
        return Status(StatusCode::IoError,
            "the transfer from " + request.url + " stalled: no byte for " + secondsText(request.timeoutSeconds) + kept);
    default:
        break;
    }
    if (transfer.started)
        return Status(StatusCode::IoError, "the transfer from " + request.url + " was cut (" + detail + ")" + kept);
    return Status(StatusCode::IoError, "cannot download " + request.url + " (" + detail + ")");
}

void initializeCurlOnce()
{
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

} // namespace

bool httpDownloadAvailable()
{
    return true;
}

std::string httpBackendDescription()
{
    return std::string("libcurl ") + curl_version_info(CURLVERSION_NOW)->version;
}

Result<HttpDownloadResult> httpDownload(const HttpDownloadRequest& request)
{
    initializeCurlOnce();
    std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), &curl_easy_cleanup);
    if (!curl)
        return Status(StatusCode::Internal, "libcurl could not start a transfer for " + request.url);
    Transfer transfer;
    transfer.request = &request;
    transfer.curl = curl.get();
    transfer.resumeFrom = std::max<int64_t>(0, fileSize(request.partialPath));
    char errorText[CURL_ERROR_SIZE] = {};
    const std::string noProxy = noProxyList();
    const std::string range = std::to_string(transfer.resumeFrom) + "-";
    configure(curl.get(), transfer, errorText, noProxy, range);
    const CURLcode code = curl_easy_perform(curl.get());
    long status = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
    if (transfer.file) {
        if (std::fclose(transfer.file) != 0 && code == CURLE_OK)
            return Status(StatusCode::IoError, "cannot write " + request.partialPath + ": " + std::strerror(errno));
        transfer.file = nullptr;
    }
    HttpDownloadResult result;
    result.httpStatus = status;
    result.note = transfer.note;
    if (code == CURLE_HTTP_RETURNED_ERROR && status == 416 && transfer.resumeFrom > 0) {
        if (transfer.contentRangeTotal != transfer.resumeFrom) {
            // Longer than the file the server has now, or of a length nobody can check (libcurl before 7.85, Debian
            // 11's and Ubuntu 22.04's, stops at the status of an error answer and hands over none of its headers):
            // start over rather than keep a partial file that may hold more than the file.
            std::remove(request.partialPath.c_str());
            auto again = httpDownload(request);
            if (again && transfer.contentRangeTotal < 0)
                again->note
                    = "the server's answer to the resume did not say the file's size: the download started over";
            return again;
        }
        result.note = "the server has nothing past byte " + std::to_string(transfer.resumeFrom)
            + ": the partial file is taken as complete";
    } else if (code == CURLE_HTTP_RETURNED_ERROR) {
        return httpStatusFailure(transfer, status);
    } else if (code != CURLE_OK) {
        return transferFailure(transfer, code, errorText);
    } else if (!transfer.started && transfer.resumeFrom == 0) {
        if (FILE* empty = std::fopen(request.partialPath.c_str(), "wb")) // an empty answer: an empty file
            std::fclose(empty);
    }
    result.resumedFrom = transfer.resumeFrom;
    result.bytes = std::max<int64_t>(0, fileSize(request.partialPath));
    return result;
}

#else // no libcurl

bool httpDownloadAvailable()
{
    return false;
}

std::string httpBackendDescription()
{
    return "none: this build has no libcurl (configure with libcurl4-openssl-dev installed, ES_WITH_CURL=AUTO)";
}

Result<HttpDownloadResult> httpDownload(const HttpDownloadRequest& request)
{
    return Status(StatusCode::Unsupported,
        "cannot download " + request.url + ": this build has no libcurl (install libcurl4-openssl-dev and "
            + "configure again with ES_WITH_CURL=AUTO or ON)");
}

#endif

} // namespace es::engine
