// SPDX-License-Identifier: Apache-2.0
#pragma once

// Where libcupti may be, by the CUDA version the collector was built against. Kept apart from the collector (no
// CUDA or CUPTI header here) so that the rules are tested in every build, with or without the CUDA toolkit.
#include <string>
#include <vector>

namespace es::prof {

/// What the search for libcupti starts from. Value type; any thread.
struct CuptiSearch
{
    /// CUDA_VERSION of the headers the collector was compiled with (12060 for CUDA 12.6).
    int cudaVersion = 0;
    /// $EDGESCOPE_CUPTI_LIBRARY: the user's choice, tried first.
    std::string chosen;
    /// The libcupti CMake found when EdgeScope was configured (may be absent on the machine that runs it).
    std::string configured;
    /// $CUDA_HOME, where set.
    std::string cudaHome;
};

/// The sonames of libcupti for a CUDA version, most specific first. Before CUDA 12 the soname carries the minor
/// version (libcupti.so.11.4 on JetPack 5, libcupti.so.10.2 on JetPack 4.6); from 12 on only the major
/// (libcupti.so.12, libcupti.so.13).
std::vector<std::string> cuptiSonames(int cudaVersion);

/// Every path to hand to dlopen, in order, without duplicates: the user's choice, the configured library, each
/// soname through the dynamic loader's search, then each soname in the toolkit folders the loader does not search
/// (JetPack keeps CUPTI in /usr/local/cuda/extras/CUPTI/lib64, outside ld.so.conf): $CUDA_HOME,
/// /usr/local/cuda-<major>.<minor>, /usr/local/cuda; last the unversioned libcupti.so of a -dev package.
std::vector<std::string> cuptiLibraryCandidates(const CuptiSearch& search);

} // namespace es::prof
