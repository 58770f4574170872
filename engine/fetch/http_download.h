// SPDX-License-Identifier: Apache-2.0
#pragma once
// One HTTP(S) download into a partial file, resumed with a range request where the file is already there. libcurl's
// easy API where the build has it (ES_HAS_CURL); without it every download says so. Torch-free.
#include "base/status.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

namespace es::engine {

/// What to download and where. Value type.
struct HttpDownloadRequest
{
    std::string url;
    std::string partialPath; ///< appended to (with a Range request) when it exists, else created
    double timeoutSeconds = 30; ///< to connect, and with no byte received for this long
    const std::atomic<bool>* cancel = nullptr;
    std::function<void(int64_t done, int64_t total)> progress; ///< bytes in the partial file so far; total or 0
};

/// What a download did. Value type.
struct HttpDownloadResult
{
    int64_t bytes = 0; ///< the partial file's size at the end
    int64_t resumedFrom = 0; ///< bytes kept from an earlier transfer (0: started over)
    long httpStatus = 0;
    std::string note; ///< e.g. the server ignored the range request and the download started over
};

/// Whether this build can download (libcurl).
bool httpDownloadAvailable();
/// The libcurl version in words ("libcurl 7.88.1"), or why there is none.
std::string httpBackendDescription();

/// Downloads `request.url` into `request.partialPath`. Follows redirects; proxies from http_proxy, https_proxy,
/// all_proxy and no_proxy (loopback is never proxied). Fails with Unavailable when no connection or nothing at
/// all came (offline, refused, nothing before the timeout), IoError when a transfer stopped part way (the partial
/// file is kept for a resume), NotFound for HTTP 404, IoError for other HTTP errors, Cancelled when `cancel` was
/// set, Unsupported without libcurl. Every message names the address. Any thread.
Result<HttpDownloadResult> httpDownload(const HttpDownloadRequest& request);

} // namespace es::engine
