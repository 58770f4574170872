// SPDX-License-Identifier: Apache-2.0
#include "collect/cupti_locations.h"

#include <algorithm>

namespace es::prof {

std::vector<std::string> cuptiSonames(int cudaVersion)
{
    const int major = cudaVersion / 1000;
    const int minor = cudaVersion % 1000 / 10;
    if (major <= 0)
        return {};
    const std::string byMajor = "libcupti.so." + std::to_string(major);
    if (major < 12)
        return { byMajor + "." + std::to_string(minor), byMajor };
    return { byMajor };
}

std::vector<std::string> cuptiLibraryCandidates(const CuptiSearch& search)
{
    std::vector<std::string> candidates;
    auto add = [&candidates](const std::string& path) {
        if (!path.empty() && std::find(candidates.begin(), candidates.end(), path) == candidates.end())
            candidates.push_back(path);
    };
    add(search.chosen);
    add(search.configured);
    const std::vector<std::string> sonames = cuptiSonames(search.cudaVersion);
    for (const std::string& soname : sonames)
        add(soname);

    std::vector<std::string> roots;
    if (!search.cudaHome.empty())
        roots.push_back(search.cudaHome);
    if (search.cudaVersion > 0)
        roots.push_back("/usr/local/cuda-" + std::to_string(search.cudaVersion / 1000) + "."
            + std::to_string(search.cudaVersion % 1000 / 10));
    roots.push_back("/usr/local/cuda");
    // extras/CUPTI/lib64 on every JetPack and x86 toolkit; lib64 and targets/<arch>/lib where CUDA 12 and later
    // install it beside the runtime.
    const char* folders[] = { "/extras/CUPTI/lib64/", "/lib64/", "/targets/aarch64-linux/lib/",
        "/targets/sbsa-linux/lib/", "/targets/x86_64-linux/lib/" };
    for (const std::string& root : roots)
        for (const char* folder : folders)
            for (const std::string& soname : sonames)
                add(root + folder + soname);
    add("libcupti.so");
    return candidates;
}

} // namespace es::prof
