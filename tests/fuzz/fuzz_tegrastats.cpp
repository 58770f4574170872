// SPDX-License-Identifier: Apache-2.0
// Fuzz target: tegrastats line decoding (every JetPack's form), line by line as the CLI and the lab read it.
#include "collect/tegrastats.h"

#include <map>
#include <sstream>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::istringstream lines(std::string(reinterpret_cast<const char*>(data), size));
    std::map<std::string, es::prof::CounterTrack> tracks;
    std::string line;
    int64_t index = 0;
    while (std::getline(lines, line)) {
        auto sample = es::prof::parseTegrastatsLine(line);
        if (sample)
            es::prof::appendTegrastatsSample(sample.value(), index++, tracks);
    }
    return 0;
}
