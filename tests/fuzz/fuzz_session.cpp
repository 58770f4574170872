// SPDX-License-Identifier: Apache-2.0
// Fuzz target: opening a lab session (mutated session files) and everything that reads one: the run list, the
// environment, every stats report, the analysis and an export.
#include "analysis/analysis.h"
#include "exchange/exchange.h"
#include "fuzz_support.h"
#include "reports/session_stats.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static es::fuzz::ScratchFile file(".session.sqlite");
    static es::fuzz::ScratchFile exported(".nvtxt");
    auto store = es::prof::SessionStore::openForReading(file.write(data, size));
    if (!store)
        return 0;
    (void)store.value()->runs();
    (void)store.value()->environment();
    for (const std::string& report : es::prof::statsReportNames())
        (void)es::prof::computeReport(*store.value(), report, {});
    (void)es::prof::analyzeSession(*store.value());
    (void)es::prof::exportRuns(*store.value(), {}, es::prof::ExportFormat::Nvtxt, exported.path());
    (void)es::prof::exportRuns(*store.value(), {}, es::prof::ExportFormat::Chrome, exported.path());
    return 0;
}
