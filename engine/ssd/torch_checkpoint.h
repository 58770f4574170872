// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal to es_engine and its tests: includes LibTorch.
#include "base/status.h"

#include <ATen/core/ivalue.h>

#include <string>
#include <vector>

namespace es::engine {

/// The object a torch.save file holds, read without Python. Value type.
struct TorchCheckpoint
{
    std::string format; ///< "torch.save zip" or "torch.save legacy (before PyTorch 1.6)"
    /// The saved object: dicts (OrderedDict too) as GenericDicts with str keys (int keys where there is no str key),
    /// tensors on the CPU as saved (a view keeps its offset and strides), lists, tuples, numbers, strings; Python
    /// objects the reader does not rebuild (optimizer classes, argparse.Namespace...) as None.
    c10::IValue root;
    std::vector<std::string> unknownGlobals; ///< the classes of those objects ("argparse.Namespace"), each once
    int64_t tensors = 0; ///< tensors rebuilt
    int64_t storageBytes = 0; ///< bytes of tensor data read
};

/// What a file's first bytes say it is.
enum class TorchSaveFormat { Unknown, Zip, Legacy };

/// A zip archive (the format of torch.save since PyTorch 1.6, and of torch.jit.save) or a pickle that starts with
/// torch.save's legacy magic number. Unknown for anything else, or a file that cannot be opened.
TorchSaveFormat sniffTorchSave(const std::string& path);

/// Reads a file written by torch.save: the zip format (archive/data.pkl and the storages archive/data/KEY, whatever
/// the archive's top folder is called) or the legacy one (magic number, protocol and system-information pickles, the
/// object's pickle, the list of storage keys, then each storage as an 8-byte little-endian element count and its
/// bytes). Storages are little-endian (a big-endian file or host is Unsupported). Every size is checked against the
/// bytes the file holds, the pickle interpreter is bounded (torch_unpickler.h): a damaged or truncated file gives
/// CorruptData naming `path` and what is wrong, never a crash. Catches every LibTorch exception. Any thread.
Result<TorchCheckpoint> readTorchCheckpoint(const std::string& path);

} // namespace es::engine
