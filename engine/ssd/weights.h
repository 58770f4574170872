// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal to es_engine and its tests: includes LibTorch.
#include "base/status.h"
#include "ssd/ssd300.h"

#include <string>

namespace es::engine {

/// Which weights a model carries, in words for every report ("seeded (seed 1): not trained ...").
struct WeightsInfo
{
    std::string kind; ///< "seeded", "torchscript" or "state_dict"
    std::string path; ///< empty for seeded weights
    std::string description;
    int64_t tensorsLoaded = 0;
    int64_t tensorsIgnored = 0; ///< entries of the file that SSD300 has no place for (e.g. optimizer state)
};

/// Fills `model` from `path`: a TorchScript module (torch.jit.save) or a saved state dict (torch.save of
/// model.state_dict(), also inside a checkpoint dict under "model", "state_dict" or "model_state", with or without a
/// "module." prefix). Names must be NVIDIA's SSD300 names (docs/weights.md). Every parameter and running statistic must
/// be present with the right shape; a Status names the file, the first offending tensor and the fix. The model is left
/// unchanged when loading fails. Catches every LibTorch exception. One thread at a time.
Result<WeightsInfo> loadWeights(Ssd300& model, const std::string& path);

/// Which model a weights file is for, in the words of loadModuleWeights' messages.
struct WeightsTarget
{
    std::string model; ///< "SSD300"
    std::string modelWithShape; ///< "SSD300 (81 classes, 8732 boxes)"
    std::string names; ///< whose state-dict names: "NVIDIA's SSD300 names"
    std::string howToExport; ///< "export NVIDIA's pretrained SSD300"
    std::string fix; ///< for a wrong shape: "export NVIDIA's SSD300 v1.1 as docs/weights.md shows"
};

/// loadWeights for any module: the same file kinds, checks and guarantees, with messages naming `target`.
Result<WeightsInfo> loadModuleWeights(torch::nn::Module& model, const std::string& path, const WeightsTarget& target);

/// Writes the model's state dict as torch.save would (a zip archive Python's torch.load reads). For tests and for
/// handing seeded weights around.
Status saveStateDict(const Ssd300& model, const std::string& path);
Status saveStateDict(const torch::nn::Module& model, const std::string& path);

} // namespace es::engine
