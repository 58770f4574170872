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
// versions CUPTI 11 writes keep those fields at the same offsets.)
#include <cupti.h>

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

/// The CUPTI_API_VERSION of the headers; an older libcupti lacks the structs above.
constexpr uint32_t kHeaderApiVersion = CUPTI_API_VERSION;

} // namespace es::prof::cupti_records
