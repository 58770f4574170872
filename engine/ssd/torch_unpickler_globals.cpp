// SPDX-License-Identifier: Apache-2.0
// The globals of torch.save's pickles: what REDUCE and NEWOBJ call (OrderedDict, the tensor rebuilds, sets, bytes;
// anything else becomes an opaque object) and the persistent ids of storages.
#include "ssd/torch_unpickler.h"

#include "ssd/torch_unpickler_run.h"

#include <algorithm>
#include <unordered_map>

namespace es::engine::pickle {

namespace {

const char* const kRebuildTensorV2 = "torch._utils._rebuild_tensor_v2";
const char* const kRebuildTensor = "torch._utils._rebuild_tensor";

} // namespace

bool storageDtype(const std::string& global, c10::ScalarType& dtype)
{
    using c10::ScalarType;
    // clang-format off
    static const std::unordered_map<std::string, ScalarType> types {
        { "torch.FloatStorage", ScalarType::Float }, { "torch.DoubleStorage", ScalarType::Double },
        { "torch.HalfStorage", ScalarType::Half }, { "torch.BFloat16Storage", ScalarType::BFloat16 },
        { "torch.LongStorage", ScalarType::Long }, { "torch.IntStorage", ScalarType::Int },
        { "torch.ShortStorage", ScalarType::Short }, { "torch.CharStorage", ScalarType::Char },
        { "torch.ByteStorage", ScalarType::Byte }, { "torch.BoolStorage", ScalarType::Bool },
        { "torch.ComplexFloatStorage", ScalarType::ComplexFloat },
        { "torch.ComplexDoubleStorage", ScalarType::ComplexDouble }, { "torch.UntypedStorage", ScalarType::Byte },
    };
    // clang-format on
    const auto found = types.find(global);
    if (found == types.end())
        return false;
    dtype = found->second;
    return true;
}

Result<int32_t> Unpickler::Run::opaque(const std::string& name)
{
    auto& known = u_.unknownGlobals_;
    if (std::find(known.begin(), known.end(), name) == known.end() && known.size() < 64)
        known.push_back(name);
    Node node;
    node.kind = Kind::Object;
    node.text = name;
    return make(std::move(node));
}

Result<int32_t> Unpickler::Run::call(int32_t callable, const std::vector<int32_t>& args, int depth)
{
    if (kindOf(callable) != Kind::Global)
        return opaque("a call of a non-global");
    const std::string name = at(callable).text;
    if (name == "collections.OrderedDict" || name == "collections.defaultdict" || name == "builtins.dict"
        || name == "__builtin__.dict") {
        Node dict;
        dict.kind = Kind::Dict;
        // OrderedDict([(key, value), ...]): the pairs given at construction (protocol 2 writes them as SETITEMS).
        if (name == "collections.OrderedDict" && !args.empty() && kindOf(args[0]) == Kind::List) {
            for (const int32_t pair : at(args[0]).items) {
                if ((kindOf(pair) != Kind::Tuple && kindOf(pair) != Kind::List) || at(pair).items.size() != 2)
                    return fail("OrderedDict built from something that is no list of pairs");
                dict.items.insert(dict.items.end(), at(pair).items.begin(), at(pair).items.end());
            }
        }
        return make(std::move(dict));
    }
    if ((name == "builtins.set" || name == "__builtin__.set" || name == "builtins.frozenset"
            || name == "__builtin__.frozenset")
        && args.size() == 1 && kindOf(args[0]) == Kind::List) {
        Node set; // protocol 2 writes a set as set([items])
        set.kind = Kind::Set;
        set.items = at(args[0]).items;
        return make(std::move(set));
    }
    if (name == kRebuildTensorV2 || name == kRebuildTensor)
        return rebuildTensor(args);
    if (name == "torch._utils._rebuild_parameter" || name == "torch._utils._rebuild_parameter_with_state") {
        if (args.empty() || kindOf(args[0]) != Kind::Tensor)
            return opaque(name);
        return args[0]; // a Parameter is its data
    }
    if ((name == "torch._tensor._rebuild_from_type_v2" || name == "torch._tensor._rebuild_from_type"
            || name == "torch._utils._rebuild_from_type_v2")
        && args.size() >= 3 && kindOf(args[2]) == Kind::Tuple && depth < 4) {
        const std::vector<int32_t> inner = at(args[2]).items; // (func, type, args, state): func(*args)
        return call(args[0], inner, depth + 1);
    }
    if (name.rfind("torch.jit._pickle.", 0) == 0 && !args.empty()
        && (name == "torch.jit._pickle.restore_type_tag" || name.rfind("torch.jit._pickle.build_", 0) == 0))
        return args[0]; // LibTorch's writer: a value with its TorchScript type, or a typed list
    if (name == "_codecs.encode" && !args.empty() && kindOf(args[0]) == Kind::String) {
        Node bytes; // protocol 2 writes bytes as _codecs.encode(text, 'latin1')
        bytes.kind = Kind::Bytes;
        bytes.text = at(args[0]).text;
        return make(std::move(bytes));
    }
    return opaque(name);
}

Result<int32_t> Unpickler::Run::rebuildTensor(const std::vector<int32_t>& args)
{
    if (args.size() < 4 || kindOf(args[0]) != Kind::Storage || kindOf(args[1]) != Kind::Int
        || kindOf(args[2]) != Kind::Tuple || kindOf(args[3]) != Kind::Tuple)
        return fail("_rebuild_tensor without (storage, offset, size, stride)");
    const Node& storage = at(args[0]);
    Node tensor;
    tensor.kind = Kind::Tensor;
    tensor.integer = at(args[1]).integer;
    tensor.items = { args[0] };
    const auto& sizeItems = at(args[2]).items;
    const auto& strideItems = at(args[3]).items;
    if (sizeItems.size() != strideItems.size() || sizeItems.size() > u_.limits_.maxDims)
        return fail("a tensor whose size and stride disagree or have more than 64 dimensions");
    int64_t numel = 1, last = tensor.integer; // `last`: the highest element index the tensor reads
    bool overflow = tensor.integer < 0;
    for (size_t i = 0; i < sizeItems.size() && !overflow; ++i) {
        if (kindOf(sizeItems[i]) != Kind::Int || kindOf(strideItems[i]) != Kind::Int)
            return fail("a tensor size or stride that is no integer");
        const int64_t size = at(sizeItems[i]).integer, stride = at(strideItems[i]).integer;
        tensor.sizes.push_back(size);
        tensor.strides.push_back(stride);
        int64_t reach = 0;
        overflow = size < 0 || stride < 0 || __builtin_mul_overflow(numel, size, &numel)
            || (size > 0
                && (__builtin_mul_overflow(size - 1, stride, &reach) || __builtin_add_overflow(last, reach, &last)));
    }
    const int64_t available = storage.viewNumel;
    if (overflow || (numel > 0 && last >= available) || (numel == 0 && tensor.integer > available))
        return fail("a tensor of " + std::to_string(tensor.sizes.size()) + " dimensions reads past its storage "
            + storage.text + " of " + std::to_string(available) + " elements");
    ES_ASSIGN_OR_RETURN(const int32_t index, make(std::move(tensor)));
    u_.tensors_.push_back(index);
    return index;
}

Result<int32_t> Unpickler::Run::persistentLoad(int32_t pid)
{
    // ('storage', storage_type, key, location, numel) in zip files; legacy files add view metadata: None or
    // (view_key, offset, view_numel).
    const Node& id = at(pid);
    if (id.kind != Kind::Tuple || id.items.size() < 5 || kindOf(id.items[0]) != Kind::String
        || at(id.items[0]).text != "storage")
        return fail("a persistent id that is no ('storage', type, key, location, numel)");
    const Node& type = at(id.items[1]);
    const int32_t keyIndex = id.items[2];
    if (type.kind != Kind::Global || (kindOf(keyIndex) != Kind::String && kindOf(keyIndex) != Kind::Int)
        || kindOf(id.items[4]) != Kind::Int || at(id.items[4]).integer < 0)
        return fail("a storage persistent id with a bad type, key or size");
    Node storage;
    storage.kind = Kind::Storage;
    if (!storageDtype(type.text, storage.dtype))
        return Status(StatusCode::Unsupported,
            what_ + ": it holds storages of type " + type.text + ", which EdgeScope does not read (quantized or "
                + "other special tensors); save a float32 state dict");
    storage.text = kindOf(keyIndex) == Kind::String ? at(keyIndex).text : std::to_string(at(keyIndex).integer);
    storage.integer = at(id.items[4]).integer;
    storage.viewNumel = storage.integer;
    if (id.items.size() >= 6 && kindOf(id.items[5]) == Kind::Tuple) {
        const auto& view = at(id.items[5]).items;
        if (view.size() != 3 || kindOf(view[1]) != Kind::Int || kindOf(view[2]) != Kind::Int)
            return fail("storage view metadata that is no (key, offset, size)");
        storage.viewOffset = at(view[1]).integer;
        storage.viewNumel = at(view[2]).integer;
        int64_t end = 0;
        if (storage.viewOffset < 0 || storage.viewNumel < 0
            || __builtin_add_overflow(storage.viewOffset, storage.viewNumel, &end) || end > storage.integer)
            return fail("a storage view past the end of its storage " + storage.text);
    }
    ES_ASSIGN_OR_RETURN(const int32_t index, make(std::move(storage)));
    u_.storages_.push_back(index);
    return index;
}

} // namespace es::engine::pickle
