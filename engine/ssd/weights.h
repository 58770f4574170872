// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal to es_engine and its tests: includes LibTorch.
#include "base/status.h"
#include "ssd/ssd300.h"

#include <string>
#include <vector>

namespace es::engine {

/// Which weights a model carries, in words for every report ("seeded (seed 1): not trained ...").
struct WeightsInfo
{
    std::string kind; ///< "seeded", "torchscript" or "state_dict"
    std::string path; ///< empty for seeded weights
    /// How the file was read: "TorchScript module", "torch.save zip", "torch.save legacy (before PyTorch 1.6)",
    /// "LibTorch pickle" (torch::jit::pickle_load)
    std::string format;
    /// One line for reports: the path, kind and format, where the state dict was, counts, and the notes.
    std::string description;
    int64_t tensorsLoaded = 0;
    /// Entries of the file the model has no place for: tensors it does not use and, in a checkpoint, the entries
    /// beside the state dict (epoch, optimizer state...).
    int64_t tensorsIgnored = 0;
    /// What was changed on the way, e.g. "71 float16 tensors converted to float32 (a mixed-precision checkpoint)".
    std::vector<std::string> notes;
};

/// Fills `model` from `path`, read without Python: a TorchScript module (torch.jit.save), else a torch.save file in
/// the zip format (PyTorch >= 1.6) or the legacy one (torch_checkpoint.h), else a dict LibTorch's pickle reader
/// reads (what saveStateDict writes). The file holds a state dict (an OrderedDict as model.state_dict() returns, or a
/// dict), at the top or inside a checkpoint dict under "model", "state_dict" or "model_state" beside entries such as
/// "optimizer" and "epoch" (counted as ignored), with or without a "module." prefix (DataParallel). Tensors of another
/// dtype (the float16 or bfloat16 of a mixed-precision checkpoint) are converted to the model's, and a note says so.
/// Names must be NVIDIA's SSD300 names (docs/weights.md). Every parameter and running statistic must be present with
/// the right shape; a Status names the file, the first offending tensor and the fix; a file none of the readers takes
/// is refused naming the formats tried and why. The model is left unchanged when loading fails. Catches every
/// LibTorch exception. One thread at a time.
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
