// SPDX-License-Identifier: Apache-2.0
// weightsFileFor (cli_support.h): kept out of cli_support.cpp, whose value parsers the torch-free fuzz build
// compiles alone, because the weights cache knows the zoo's model ids.
#include "cli_support.h"

#include "edgescope/engine/weights_cache.h"

namespace es::cli {

Result<std::string> weightsFileFor(const std::string& model, const std::string& value)
{
    if (value == "seeded")
        return std::string();
    if (value.empty())
        return engine::cachedWeights(model).value_or(std::string());
    auto file = engine::resolveWeights(value);
    if (!file)
        return file.status();
    return file.value();
}

} // namespace es::cli
