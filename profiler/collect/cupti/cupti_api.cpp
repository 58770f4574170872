// SPDX-License-Identifier: Apache-2.0
// The real CUPTI behind the seam: libcupti opened with dlopen, its entry points looked up once.
#include "collect/cupti/cupti_api.h"

#include "collect/cupti_locations.h"

#include <cstdlib>
#include <dlfcn.h>
#include <vector>

namespace es::prof {

namespace {

/// libcupti loaded at run time. Immutable after construction; any thread.
class LoadedCupti final : public CuptiApi
{
public:
    /// `flags` add to RTLD_NOW | RTLD_LOCAL (RTLD_NOLOAD: only a library already in the process).
    static std::unique_ptr<LoadedCupti> open(const std::string& path, std::string& error, int flags = 0)
    {
        void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | flags);
        if (!handle) {
            const char* text = dlerror();
            error = text ? text : path + ": cannot be loaded";
            return nullptr;
        }
        std::unique_ptr<LoadedCupti> api(new LoadedCupti(handle, path));
        const char* missing = api->resolve();
        if (missing) {
            error = path + " has no " + missing + " (too old a CUPTI?)";
            return nullptr;
        }
        return api;
    }

    ~LoadedCupti() override
    {
        // libcupti stays loaded: CUPTI keeps callbacks and threads of its own that outlive this object.
    }

    CUptiResult getVersion(uint32_t* version) override { return m_getVersion(version); }
    CUptiResult getTimestamp(uint64_t* timestamp) override { return m_getTimestamp(timestamp); }
    CUptiResult activitySetAttribute(CUpti_ActivityAttribute attribute, size_t* size, void* value) override
    {
        return m_setAttribute(attribute, size, value);
    }
    CUptiResult activityRegisterCallbacks(
        CUpti_BuffersCallbackRequestFunc requested, CUpti_BuffersCallbackCompleteFunc completed) override
    {
        return m_registerCallbacks(requested, completed);
    }
    CUptiResult activityEnable(CUpti_ActivityKind kind) override { return m_enable(kind); }
    CUptiResult activityDisable(CUpti_ActivityKind kind) override { return m_disable(kind); }
    CUptiResult activityFlushAll(uint32_t flag) override { return m_flushAll(flag); }
    CUptiResult activityGetNextRecord(uint8_t* buffer, size_t validSize, CUpti_Activity** record) override
    {
        return m_getNextRecord(buffer, validSize, record);
    }
    CUptiResult activityGetNumDroppedRecords(CUcontext context, uint32_t streamId, size_t* dropped) override
    {
        return m_getNumDropped(context, streamId, dropped);
    }
    CUptiResult getResultString(CUptiResult result, const char** text) override
    {
        return m_getResultString(result, text);
    }
    CUptiResult getCallbackName(CUpti_CallbackDomain domain, uint32_t callbackId, const char** name) override
    {
        return m_getCallbackName ? m_getCallbackName(domain, callbackId, name) : CUPTI_ERROR_NOT_SUPPORTED;
    }
    std::string location() const override { return m_path; }

private:
    LoadedCupti(void* handle, std::string path) : m_handle(handle), m_path(std::move(path)) { }

    template<typename Function> bool lookUp(Function& function, const char* name)
    {
        function = reinterpret_cast<Function>(dlsym(m_handle, name));
        return function != nullptr;
    }

    /// Looks every entry point up; returns the name of the first one missing, or null.
    const char* resolve()
    {
        if (!lookUp(m_getVersion, "cuptiGetVersion"))
            return "cuptiGetVersion";
        if (!lookUp(m_getTimestamp, "cuptiGetTimestamp"))
            return "cuptiGetTimestamp";
        if (!lookUp(m_setAttribute, "cuptiActivitySetAttribute"))
            return "cuptiActivitySetAttribute";
        if (!lookUp(m_registerCallbacks, "cuptiActivityRegisterCallbacks"))
            return "cuptiActivityRegisterCallbacks";
        if (!lookUp(m_enable, "cuptiActivityEnable"))
            return "cuptiActivityEnable";
        if (!lookUp(m_disable, "cuptiActivityDisable"))
            return "cuptiActivityDisable";
        if (!lookUp(m_flushAll, "cuptiActivityFlushAll"))
            return "cuptiActivityFlushAll";
        if (!lookUp(m_getNextRecord, "cuptiActivityGetNextRecord"))
            return "cuptiActivityGetNextRecord";
        if (!lookUp(m_getNumDropped, "cuptiActivityGetNumDroppedRecords"))
            return "cuptiActivityGetNumDroppedRecords";
        if (!lookUp(m_getResultString, "cuptiGetResultString"))
            return "cuptiGetResultString";
        lookUp(m_getCallbackName, "cuptiGetCallbackName"); // optional: CUDA 11.5 and later
        return nullptr;
    }

    void* m_handle;
    std::string m_path;
    CUptiResult (*m_getVersion)(uint32_t*) = nullptr;
    CUptiResult (*m_getTimestamp)(uint64_t*) = nullptr;
    CUptiResult (*m_setAttribute)(CUpti_ActivityAttribute, size_t*, void*) = nullptr;
    CUptiResult (*m_registerCallbacks)(CUpti_BuffersCallbackRequestFunc, CUpti_BuffersCallbackCompleteFunc) = nullptr;
    CUptiResult (*m_enable)(CUpti_ActivityKind) = nullptr;
    CUptiResult (*m_disable)(CUpti_ActivityKind) = nullptr;
    CUptiResult (*m_flushAll)(uint32_t) = nullptr;
    CUptiResult (*m_getNextRecord)(uint8_t*, size_t, CUpti_Activity**) = nullptr;
    CUptiResult (*m_getNumDropped)(CUcontext, uint32_t, size_t*) = nullptr;
    CUptiResult (*m_getResultString)(CUptiResult, const char**) = nullptr;
    CUptiResult (*m_getCallbackName)(CUpti_CallbackDomain, uint32_t, const char**) = nullptr;
};

} // namespace

std::unique_ptr<CuptiApi> loadCupti(std::string& error)
{
    CuptiSearch search;
    search.cudaVersion = CUDA_VERSION;
    const char* chosen = std::getenv("EDGESCOPE_CUPTI_LIBRARY");
    search.chosen = chosen ? chosen : "";
#ifdef ES_CUPTI_LIBRARY_PATH
    search.configured = ES_CUPTI_LIBRARY_PATH;
#endif
    const char* cudaHome = std::getenv("CUDA_HOME");
    search.cudaHome = cudaHome ? cudaHome : "";
    // A CUPTI already in the process (LibTorch's, from pip's nvidia-cuda-cupti) must be the one used: a second copy
    // from another path would trace the same driver twice.
    if (search.chosen.empty()) {
        for (const std::string& soname : cuptiSonames(CUDA_VERSION)) {
            std::string ignored;
            if (auto loaded = LoadedCupti::open(soname, ignored, RTLD_NOLOAD))
                return loaded;
        }
    }
    std::string errors;
    int missing = 0;
    for (const std::string& path : cuptiLibraryCandidates(search)) {
        std::string why;
        if (auto api = LoadedCupti::open(path, why))
            return api;
        // Absolute paths that do not exist are the folders tried, not errors worth a line each.
        if (path.front() == '/' && why.find("No such file") != std::string::npos) {
            ++missing;
            continue;
        }
        errors += (errors.empty() ? "" : "; ") + why;
    }
    error = "libcupti could not be loaded (" + errors
        + (missing ? "; not in the " + std::to_string(missing)
                    + " CUDA toolkit folders tried, /usr/local/cuda/extras/CUPTI/lib64 among them)"
                   : ")");
    return nullptr;
}

std::string cuptiResultText(CuptiApi& api, CUptiResult result)
{
    const char* text = nullptr;
    if (api.getResultString(result, &text) == CUPTI_SUCCESS && text)
        return std::string(text) + " (" + std::to_string(int(result)) + ")";
    return "CUPTI error " + std::to_string(int(result));
}

} // namespace es::prof
