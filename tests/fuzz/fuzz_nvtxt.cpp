// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the NVTXT reader (the text format Nsight Systems' ImportNvtxt reads).
#include "exchange/exchange.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static es::fuzz::ScratchFile file(".nvtxt");
    // Told apart by content: keep the reader on NVTXT by starting the file with a comment line.
    std::string text = "# nvtxt\n";
    text.append(reinterpret_cast<const char*>(data), size);
    es::prof::ExchangeStats stats;
    auto run = es::prof::readTrace(file.write(reinterpret_cast<const uint8_t*>(text.data()), text.size()), &stats);
    (void)run;
    return 0;
}
