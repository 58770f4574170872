// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the nsys SQLite export reader, on mutated database files (seeds: small exports with each table the
// reader uses), and the import into a session that follows it.
#include "exchange/exchange.h"
#include "fuzz_support.h"

#include <cstdio>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static es::fuzz::ScratchFile trace(".nsys.sqlite");
    static es::fuzz::ScratchFile session(".session.sqlite");
    es::prof::ExchangeStats stats;
    const std::string& path = trace.write(data, size);
    std::remove(session.path().c_str());
    auto runId = es::prof::importTrace(path, session.path(), &stats);
    (void)runId;
    std::remove(session.path().c_str());
    std::remove((session.path() + "-journal").c_str());
    return 0;
}
