// SPDX-License-Identifier: Apache-2.0
#pragma once

// Which CUPTI record struct each activity kind carries, chosen at compile time by the CUDA version of the headers:
// CUPTI writes the struct of its own version, so a build reads the structs of the CUDA it was built against.
// Part of the CUPTI collector (includes CUPTI headers).
//
//   CUDA        kernel    memcpy   memset   synchronization   marker   marker data   overhead
//   13.x        Kernel10  Memcpy6  Memset4  Synchronization2  Marker2  MarkerData2   Overhead3
//   12.8-12.9   Kernel9   Memcpy6  Memset4  Synchronization2  Marker2  MarkerData    Overhead
//   12.0-12.7   Kernel9   Memcpy5  Memset4  Synchronization   Marker2  MarkerData    Overhead
//   10.2-11.x   Kernel4   Memcpy   Memset   Synchronization   Marker2  MarkerData    Overhead
// (Kernel4 and Memcpy/Memset v1 before 12.0 follow kineto: they hold every field read here, and the later
// versions CUPTI 11 writes keep those fields at the same offsets, as the static_asserts below check.)
#include <cupti.h>

#include <cstddef>

namespace es::prof::cupti_records {

#if CUDA_VERSION >= 13000
using Kernel = CUpti_ActivityKernel10;
using Memcpy = CUpti_ActivityMemcpy6;
using Memset = CUpti_ActivityMemset4;
using Synchronization = CUpti_ActivitySynchronization2;
using MarkerData = CUpti_ActivityMarkerData2;
using Overhead = CUpti_ActivityOverhead3;
#define ES_CUPTI_MEMSET_HAS_MEMORY_KIND 1
#elif CUDA_VERSION >= 12080
using Kernel = CUpti_ActivityKernel9;
using Memcpy = CUpti_ActivityMemcpy6;
using Memset = CUpti_ActivityMemset4;
using Synchronization = CUpti_ActivitySynchronization2;
using MarkerData = CUpti_ActivityMarkerData;
using Overhead = CUpti_ActivityOverhead;
#define ES_CUPTI_MEMSET_HAS_MEMORY_KIND 1
#elif CUDA_VERSION >= 12000
using Kernel = CUpti_ActivityKernel9;
using Memcpy = CUpti_ActivityMemcpy5;
using Memset = CUpti_ActivityMemset4;
using Synchronization = CUpti_ActivitySynchronization;
using MarkerData = CUpti_ActivityMarkerData;
using Overhead = CUpti_ActivityOverhead;
#define ES_CUPTI_MEMSET_HAS_MEMORY_KIND 1
#else
using Kernel = CUpti_ActivityKernel4;
using Memcpy = CUpti_ActivityMemcpy;
using Memset = CUpti_ActivityMemset;
using Synchronization = CUpti_ActivitySynchronization;
using MarkerData = CUpti_ActivityMarkerData;
using Overhead = CUpti_ActivityOverhead;
#define ES_CUPTI_MEMSET_HAS_MEMORY_KIND 0
#endif
using Api = CUpti_ActivityAPI;
using Marker = CUpti_ActivityMarker2;

// CUPTI writes the newest struct of its version for each kind (cupti_activity.h names it beside the kind). Where the
// struct read above is an older one, every field the collector reads must sit at the same offset in both; checked
// here at compile time for the CUDA versions scripts/cuda-headers-check.sh compiles against (11.8, 12.4; 13.0 reads
// the newest structs themselves).
#define ES_CUPTI_SAME_OFFSET(Read, Written, field)                                                                     \
    static_assert(offsetof(Read, field) == offsetof(Written, field),                                                   \
        #Read "::" #field " is not where " #Written ", which this CUPTI writes, has it")
#define ES_CUPTI_SAME_PLACE(Read, Written)                                                                             \
    ES_CUPTI_SAME_OFFSET(Read, Written, start);                                                                        \
    ES_CUPTI_SAME_OFFSET(Read, Written, end);                                                                          \
    ES_CUPTI_SAME_OFFSET(Read, Written, deviceId);                                                                     \
    ES_CUPTI_SAME_OFFSET(Read, Written, contextId);                                                                    \
    ES_CUPTI_SAME_OFFSET(Read, Written, streamId);                                                                     \
    ES_CUPTI_SAME_OFFSET(Read, Written, correlationId)
#if CUDA_VERSION >= 11080 && CUDA_VERSION < 12000
ES_CUPTI_SAME_PLACE(Kernel, CUpti_ActivityKernel8);
ES_CUPTI_SAME_OFFSET(Kernel, CUpti_ActivityKernel8, name);
ES_CUPTI_SAME_OFFSET(Kernel, CUpti_ActivityKernel8, gridX);
ES_CUPTI_SAME_OFFSET(Kernel, CUpti_ActivityKernel8, gridY);
ES_CUPTI_SAME_OFFSET(Kernel, CUpti_ActivityKernel8, gridZ);
ES_CUPTI_SAME_OFFSET(Kernel, CUpti_ActivityKernel8, blockX);
ES_CUPTI_SAME_OFFSET(Kernel, CUpti_ActivityKernel8, blockY);
ES_CUPTI_SAME_OFFSET(Kernel, CUpti_ActivityKernel8, blockZ);
ES_CUPTI_SAME_OFFSET(Kernel, CUpti_ActivityKernel8, registersPerThread);
ES_CUPTI_SAME_OFFSET(Kernel, CUpti_ActivityKernel8, staticSharedMemory);
ES_CUPTI_SAME_OFFSET(Kernel, CUpti_ActivityKernel8, dynamicSharedMemory);
ES_CUPTI_SAME_OFFSET(Kernel, CUpti_ActivityKernel8, gridId);
ES_CUPTI_SAME_PLACE(Memcpy, CUpti_ActivityMemcpy5);
ES_CUPTI_SAME_OFFSET(Memcpy, CUpti_ActivityMemcpy5, bytes);
ES_CUPTI_SAME_OFFSET(Memcpy, CUpti_ActivityMemcpy5, copyKind);
ES_CUPTI_SAME_OFFSET(Memcpy, CUpti_ActivityMemcpy5, srcKind);
ES_CUPTI_SAME_OFFSET(Memcpy, CUpti_ActivityMemcpy5, dstKind);
ES_CUPTI_SAME_PLACE(Memset, CUpti_ActivityMemset4);
ES_CUPTI_SAME_OFFSET(Memset, CUpti_ActivityMemset4, bytes);
ES_CUPTI_SAME_OFFSET(Memset, CUpti_ActivityMemset4, value);
#endif
#if CUDA_VERSION >= 12040 && CUDA_VERSION < 13000
ES_CUPTI_SAME_OFFSET(Overhead, CUpti_ActivityOverhead3, start);
ES_CUPTI_SAME_OFFSET(Overhead, CUpti_ActivityOverhead3, end);
ES_CUPTI_SAME_OFFSET(Overhead, CUpti_ActivityOverhead3, overheadKind);
ES_CUPTI_SAME_OFFSET(Overhead, CUpti_ActivityOverhead3, objectKind);
ES_CUPTI_SAME_OFFSET(Overhead, CUpti_ActivityOverhead3, objectId);
#endif
#undef ES_CUPTI_SAME_PLACE
#undef ES_CUPTI_SAME_OFFSET

/// The CUPTI_API_VERSION of the headers; an older libcupti lacks the structs above.
constexpr uint32_t kHeaderApiVersion = CUPTI_API_VERSION;

} // namespace es::prof::cupti_records
