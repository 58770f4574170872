// SPDX-License-Identifier: Apache-2.0
#pragma once

// The seam over the CUPTI calls the collector makes. Part of the CUPTI collector: with cupti_collector.h, the only
// headers that include CUPTI's. The real implementation loads libcupti at run time (so that a binary built with
// CUPTI still starts where it is missing); tests implement it with synthetic buffers laid out as the real structs.
#include <cupti.h>

#include <memory>
#include <string>

namespace es::prof {

/// One CUPTI entry point per method, same arguments and results as the C function it names. Any thread, as CUPTI.
class CuptiApi
{
public:
    virtual ~CuptiApi() = default;
    virtual CUptiResult getVersion(uint32_t* version) = 0;
    virtual CUptiResult getTimestamp(uint64_t* timestamp) = 0;
    virtual CUptiResult activitySetAttribute(CUpti_ActivityAttribute attribute, size_t* size, void* value) = 0;
    virtual CUptiResult activityRegisterCallbacks(
        CUpti_BuffersCallbackRequestFunc requested, CUpti_BuffersCallbackCompleteFunc completed)
        = 0;
    virtual CUptiResult activityEnable(CUpti_ActivityKind kind) = 0;
    virtual CUptiResult activityDisable(CUpti_ActivityKind kind) = 0;
    virtual CUptiResult activityFlushAll(uint32_t flag) = 0;
    virtual CUptiResult activityGetNextRecord(uint8_t* buffer, size_t validSize, CUpti_Activity** record) = 0;
    virtual CUptiResult activityGetNumDroppedRecords(CUcontext context, uint32_t streamId, size_t* dropped) = 0;
    virtual CUptiResult getResultString(CUptiResult result, const char** text) = 0;
    /// cuptiGetCallbackName; CUPTI_ERROR_NOT_SUPPORTED where the library predates it.
    virtual CUptiResult getCallbackName(CUpti_CallbackDomain domain, uint32_t callbackId, const char** name) = 0;
    /// Where the library came from ("/usr/local/cuda/lib64/libcupti.so.13").
    virtual std::string location() const = 0;
};

/// Loads libcupti: one already in the process, else $EDGESCOPE_CUPTI_LIBRARY, the library this build was configured
/// with, the dynamic loader's search and the toolkit folders, by this CUDA's sonames (cuptiLibraryCandidates). On
/// failure returns null and says why in `error`.
std::unique_ptr<CuptiApi> loadCupti(std::string& error);

/// CUPTI's text for a result ("CUPTI_ERROR_INSUFFICIENT_PRIVILEGES"), or the number.
std::string cuptiResultText(CuptiApi& api, CUptiResult result);

} // namespace es::prof
