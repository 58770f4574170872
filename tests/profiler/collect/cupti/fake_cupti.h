// SPDX-License-Identifier: Apache-2.0
#pragma once

// A CUPTI stand-in for tests on machines without a GPU: records are built as the real structs of this CUDA version
// (cupti_records.h), packed into the collector's own buffers on flush, and walked by activityGetNextRecord as CUPTI
// does. Enable results, the dropped count, the library version and the clock offset are set by the test.
#include "base/clock.h"
#include "collect/cupti/cupti_api.h"
#include "collect/cupti/cupti_records.h"

#include <cstring>
#include <map>
#include <vector>

namespace es::prof::testing {

class FakeCupti final : public CuptiApi
{
public:
    std::map<CUpti_ActivityKind, CUptiResult> enableResults; ///< default: success
    std::vector<CUpti_ActivityKind> enabled;
    int enableCalls = 0;
    uint32_t version = CUPTI_API_VERSION;
    int64_t clockOffsetNs = 1'700'000'000'000'000'000; ///< CUPTI time = profiler time + this
    size_t droppedPerBuffer = 0;
    CUptiResult corruptAfter = CUPTI_SUCCESS; ///< returned instead of the record after `corruptIndex` records
    size_t corruptIndex = 0;
    CUpti_BuffersCallbackRequestFunc requested = nullptr;
    CUpti_BuffersCallbackCompleteFunc completed = nullptr;
    std::vector<std::vector<uint8_t>> pending; ///< records delivered at the next flush

    /// CUPTI's timestamp for a profiler time.
    uint64_t at(int64_t profilerNs) const { return uint64_t(profilerNs + clockOffsetNs); }

    template<typename Record> Record& add(CUpti_ActivityKind kind)
    {
        pending.emplace_back(sizeof(Record), 0);
        Record* record = reinterpret_cast<Record*>(pending.back().data());
        record->kind = kind;
        return *record;
    }

    CUptiResult getVersion(uint32_t* v) override
    {
        *v = version;
        return CUPTI_SUCCESS;
    }
    CUptiResult getTimestamp(uint64_t* timestamp) override
    {
        *timestamp = at(nowNs());
        return CUPTI_SUCCESS;
    }
    CUptiResult activitySetAttribute(CUpti_ActivityAttribute, size_t*, void*) override { return CUPTI_SUCCESS; }
    CUptiResult activityRegisterCallbacks(
        CUpti_BuffersCallbackRequestFunc onRequested, CUpti_BuffersCallbackCompleteFunc onCompleted) override
    {
        requested = onRequested;
        completed = onCompleted;
        return CUPTI_SUCCESS;
    }
    CUptiResult activityEnable(CUpti_ActivityKind kind) override
    {
        ++enableCalls;
        auto found = enableResults.find(kind);
        const CUptiResult result = found == enableResults.end() ? CUPTI_SUCCESS : found->second;
        if (result == CUPTI_SUCCESS)
            enabled.push_back(kind);
        return result;
    }
    CUptiResult activityDisable(CUpti_ActivityKind kind) override
    {
        for (auto it = enabled.begin(); it != enabled.end(); ++it) {
            if (*it == kind) {
                enabled.erase(it);
                break;
            }
        }
        return CUPTI_SUCCESS;
    }
    /// Delivers the pending records: asks the collector for buffers and hands each back full, as CUPTI does.
    CUptiResult activityFlushAll(uint32_t) override
    {
        while (!pending.empty()) {
            uint8_t* buffer = nullptr;
            size_t size = 0, maxRecords = 0;
            requested(&buffer, &size, &maxRecords);
            if (!buffer) {
                m_refusedRecords += pending.size();
                pending.clear();
                break;
            }
            size_t used = 0, taken = 0;
            while (taken < pending.size() && used + padded(pending[taken].size()) <= size) {
                std::memcpy(buffer + used, pending[taken].data(), pending[taken].size());
                used += padded(pending[taken].size());
                ++taken;
            }
            pending.erase(pending.begin(), pending.begin() + long(taken));
            m_inCompleted = true;
            completed(nullptr, 0, buffer, size, used);
            m_inCompleted = false;
        }
        return CUPTI_SUCCESS;
    }
    CUptiResult activityGetNextRecord(uint8_t* buffer, size_t validSize, CUpti_Activity** record) override
    {
        size_t offset = 0;
        if (*record) {
            const uint8_t* current = reinterpret_cast<const uint8_t*>(*record);
            offset = size_t(current - buffer) + padded(sizeOf((*record)->kind));
        }
        if (corruptAfter != CUPTI_SUCCESS && *record && recordIndex(buffer, offset) >= corruptIndex)
            return corruptAfter;
        if (offset >= validSize)
            return CUPTI_ERROR_MAX_LIMIT_REACHED;
        *record = reinterpret_cast<CUpti_Activity*>(buffer + offset);
        return sizeOf((*record)->kind) ? CUPTI_SUCCESS : CUPTI_ERROR_INVALID_KIND;
    }
    CUptiResult activityGetNumDroppedRecords(CUcontext, uint32_t, size_t* dropped) override
    {
        *dropped = (m_inCompleted ? droppedPerBuffer : 0) + m_refusedRecords;
        m_refusedRecords = 0;
        return CUPTI_SUCCESS;
    }
    CUptiResult getResultString(CUptiResult result, const char** text) override
    {
        static const std::map<CUptiResult, const char*> names = { { CUPTI_ERROR_INSUFFICIENT_PRIVILEGES,
                                                                      "CUPTI_ERROR_INSUFFICIENT_PRIVILEGES" },
            { CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED, "CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED" },
            { CUPTI_ERROR_NOT_COMPATIBLE, "CUPTI_ERROR_NOT_COMPATIBLE" },
            { CUPTI_ERROR_UNKNOWN, "CUPTI_ERROR_UNKNOWN" }, { CUPTI_ERROR_INVALID_KIND, "CUPTI_ERROR_INVALID_KIND" } };
        auto found = names.find(result);
        if (found == names.end())
            return CUPTI_ERROR_INVALID_PARAMETER;
        *text = found->second;
        return CUPTI_SUCCESS;
    }
    CUptiResult getCallbackName(CUpti_CallbackDomain domain, uint32_t callbackId, const char** name) override
    {
        if (domain == CUPTI_CB_DOMAIN_RUNTIME_API && callbackId == CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernel_v7000)
            *name = "cudaLaunchKernel_v7000";
        else if (domain == CUPTI_CB_DOMAIN_RUNTIME_API && callbackId == CUPTI_RUNTIME_TRACE_CBID_cudaMemcpyAsync_v3020)
            *name = "cudaMemcpyAsync_v3020";
        else if (domain == CUPTI_CB_DOMAIN_RUNTIME_API
            && callbackId == CUPTI_RUNTIME_TRACE_CBID_cudaStreamSynchronize_v3020)
            *name = "cudaStreamSynchronize_v3020";
        else
            return CUPTI_ERROR_INVALID_PARAMETER;
        return CUPTI_SUCCESS;
    }
    std::string location() const override { return "fake libcupti"; }

    static size_t padded(size_t bytes) { return (bytes + 7) & ~size_t(7); }
    static size_t sizeOf(CUpti_ActivityKind kind)
    {
        namespace r = cupti_records;
        switch (kind) {
        case CUPTI_ACTIVITY_KIND_KERNEL:
        case CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL:
            return sizeof(r::Kernel);
        case CUPTI_ACTIVITY_KIND_MEMCPY:
            return sizeof(r::Memcpy);
        case CUPTI_ACTIVITY_KIND_MEMSET:
            return sizeof(r::Memset);
        case CUPTI_ACTIVITY_KIND_RUNTIME:
        case CUPTI_ACTIVITY_KIND_DRIVER:
            return sizeof(r::Api);
        case CUPTI_ACTIVITY_KIND_SYNCHRONIZATION:
            return sizeof(r::Synchronization);
        case CUPTI_ACTIVITY_KIND_MARKER:
            return sizeof(r::Marker);
        case CUPTI_ACTIVITY_KIND_MARKER_DATA:
            return sizeof(r::MarkerData);
        case CUPTI_ACTIVITY_KIND_OVERHEAD:
            return sizeof(r::Overhead);
        case CUPTI_ACTIVITY_KIND_NAME:
            return sizeof(CUpti_ActivityName);
        default:
            return 0;
        }
    }

private:
    size_t recordIndex(uint8_t* buffer, size_t offset) const
    {
        size_t index = 0;
        for (size_t at = 0; at < offset;) {
            at += padded(sizeOf(reinterpret_cast<CUpti_Activity*>(buffer + at)->kind));
            ++index;
        }
        return index;
    }
    size_t m_refusedRecords = 0;
    bool m_inCompleted = false;
};

} // namespace es::prof::testing
