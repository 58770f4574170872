// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal to es_engine and its tests: the pickle interpreter behind readTorchCheckpoint (torch_checkpoint.h).
#include "base/status.h"

#include <c10/core/ScalarType.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace es::engine::pickle {

/// What a node of an unpickled object graph is. Python objects the interpreter does not know (optimizer classes,
/// argparse.Namespace, a pickled nn.Module) are Object nodes: opaque, named by their class.
enum class Kind : uint8_t {
    None,
    Bool,
    Int,
    BigInt,
    Float,
    String,
    Bytes,
    Tuple,
    List,
    Set,
    Dict,
    Global,
    Object,
    Storage,
    Tensor
};

/// One value of the graph. Containers refer to other nodes by index, so shared and cyclic values (the memo) cost
/// nothing special and the arena frees everything at once. Value type.
struct Node
{
    Kind kind = Kind::None;
    int64_t integer = 0; ///< Bool, Int; Storage: its element count; Tensor: its storage offset (elements)
    double real = 0; ///< Float
    std::string text; ///< String, Bytes, BigInt (little-endian two's complement); Global and Object: "module.name";
                      ///< Storage: its key
    std::vector<int32_t> items; ///< Tuple, List, Set: the elements; Dict: key, value, key, value...; Tensor: {storage}
    std::vector<int64_t> sizes, strides; ///< Tensor
    int64_t viewOffset = 0; ///< Storage: elements into the key's data where this storage starts (legacy views)
    int64_t viewNumel = 0; ///< Storage: its elements from viewOffset on (its whole size when it is no view)
    c10::ScalarType dtype = c10::ScalarType::Byte; ///< Storage
};

/// Bounds that keep a corrupt or hostile pickle from exhausting memory or the stack.
struct Limits
{
    size_t maxNodes = size_t(1) << 22; ///< each about 150 bytes: 600 MiB at most
    size_t maxStack = size_t(1) << 20;
    size_t maxMarks = size_t(1) << 16;
    size_t maxDims = 64;
};

/// A pickle interpreter for what torch.save writes (protocols 2 to 5, the opcodes Python's pickler emits for dicts,
/// lists, tuples, numbers, strings, globals, REDUCE/NEWOBJ/BUILD and persistent ids). It rebuilds
/// collections.OrderedDict as a dict, torch._utils._rebuild_tensor_v2 / _rebuild_parameter (and their variants) as
/// Tensor nodes that refer to Storage nodes (persistent ids ('storage', type, key, location, numel[, view])); the
/// storages' bytes are read by the caller, who knows the file format. Other globals become opaque Object nodes and
/// are listed in unknownGlobals(). Never throws; every error is CorruptData with the byte offset. One thread.
class Unpickler
{
public:
    explicit Unpickler(Limits limits = {}) : limits_(limits) { }

    /// Runs one pickle of `data` from `offset` to its STOP opcode; `offset` is left just after it. `what` names the
    /// pickle in messages ("data.pkl"). Returns the index of the root node. The memo starts empty for each pickle;
    /// nodes accumulate in the arena.
    Result<int32_t> load(const char* data, size_t size, size_t& offset, const std::string& what);

    const Node& node(int32_t index) const { return nodes_[size_t(index)]; }
    size_t nodeCount() const { return nodes_.size(); }
    /// Every Storage node, in the order their persistent ids appeared.
    const std::vector<int32_t>& storages() const { return storages_; }
    /// Every Tensor node.
    const std::vector<int32_t>& tensors() const { return tensors_; }
    /// Globals met that are not rebuilt ("argparse.Namespace", "torch.optim.sgd.SGD"), each once, in order.
    const std::vector<std::string>& unknownGlobals() const { return unknownGlobals_; }

private:
    class Run;
    friend class Run;

    Result<int32_t> add(Node node);

    Limits limits_;
    std::vector<Node> nodes_;
    std::vector<int32_t> storages_;
    std::vector<int32_t> tensors_;
    std::vector<std::string> unknownGlobals_;
};

/// The dtype of a torch storage class name ("torch.FloatStorage" -> Float, "torch.UntypedStorage" -> Byte); false
/// when the name is no storage class EdgeScope reads (quantized storages, for example).
bool storageDtype(const std::string& global, c10::ScalarType& dtype);

} // namespace es::engine::pickle
