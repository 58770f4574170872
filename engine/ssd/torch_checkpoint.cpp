// SPDX-License-Identifier: Apache-2.0
#include "ssd/torch_checkpoint.h"

#include "ssd/torch_unpickler.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/torch.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <unordered_map>
#include <unordered_set>

namespace es::engine {

namespace {

using pickle::Kind;
using pickle::Node;
using pickle::Unpickler;

/// The legacy format's magic number, 0x1950a86a20f9469cfc6c, as pickle's LONG1 writes it (little-endian).
const unsigned char kLegacyMagic[10] = { 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19 };
constexpr int64_t kLegacyProtocol = 1001;
constexpr int kMaxConvertDepth = 100;

/// The raw bytes of each storage key, as 1-D uint8 CPU tensors that own them.
using StorageBytes = std::unordered_map<std::string, torch::Tensor>;

Status corrupt(const std::string& path, const std::string& format, const std::string& why)
{
    return Status(StatusCode::CorruptData, "corrupt " + format + " file " + path + ": " + why);
}

/// A failed pickle's status, with the file named and its code kept (CorruptData, or Unsupported for a storage type
/// the reader does not know).
Status pickleError(const Status& status, const std::string& path, const std::string& format)
{
    if (status.code() == StatusCode::CorruptData)
        return corrupt(path, format, status.message());
    return Status(status.code(), "cannot read " + format + " file " + path + ": " + status.message());
}

std::string firstLine(const std::string& text)
{
    std::string line = text.substr(0, text.find('\n'));
    return line.size() > 200 ? line.substr(0, 200) + "..." : line;
}

bool hostIsLittleEndian()
{
    const uint16_t one = 1;
    uint8_t first = 0;
    std::memcpy(&first, &one, 1);
    return first == 1;
}

/// Every Storage node's declared extent must lie within the bytes its key holds.
Status checkStorages(
    const Unpickler& unpickler, const StorageBytes& bytes, const std::string& path, const std::string& format)
{
    for (const int32_t index : unpickler.storages()) {
        const Node& storage = unpickler.node(index);
        const auto found = bytes.find(storage.text);
        if (found == bytes.end())
            return corrupt(path, format, "the data of storage " + storage.text + " is missing");
        int64_t needed = 0;
        if (__builtin_mul_overflow(storage.integer, int64_t(c10::elementSize(storage.dtype)), &needed)
            || needed > found->second.numel())
            return corrupt(path, format,
                "storage " + storage.text + " declares " + std::to_string(storage.integer) + " elements of "
                    + c10::toString(storage.dtype) + " but its data holds " + std::to_string(found->second.numel())
                    + " bytes");
    }
    return Status::ok();
}

/// The first `count` elements of type `dtype` in `bytes` (uint8, contiguous), sharing its memory, which stays alive
/// as long as the result does. from_blob rather than Tensor::view(dtype), which LibTorch 1.7 lacks.
torch::Tensor reinterpretBytes(const torch::Tensor& bytes, int64_t count, c10::ScalarType dtype)
{
    torch::Tensor keep = bytes;
    return torch::from_blob(
        bytes.data_ptr(), { count }, [keep](void*) mutable { keep.reset(); }, torch::TensorOptions().dtype(dtype));
}

/// The tensors of the pickle's Tensor nodes, views of their storages' bytes (bounds were checked when the pickle
/// was read and by checkStorages).
std::unordered_map<int32_t, torch::Tensor> materialize(const Unpickler& unpickler, const StorageBytes& bytes)
{
    std::unordered_map<int32_t, torch::Tensor> tensors;
    for (const int32_t index : unpickler.tensors()) {
        const Node& tensor = unpickler.node(index);
        const Node& storage = unpickler.node(tensor.items.at(0));
        const torch::Tensor& raw = bytes.at(storage.text);
        const torch::Tensor typed = reinterpretBytes(raw, storage.integer, storage.dtype);
        tensors[index] = typed.as_strided(tensor.sizes, tensor.strides, storage.viewOffset + tensor.integer);
    }
    return tensors;
}

/// The unpickled graph as IValues: a value shared by several containers is converted once (dicts and lists keep
/// their identity); a container reached again from inside itself (a cycle) becomes None there, so that no IValue
/// holds itself; everything the loader has no use for becomes None.
class Converter
{
public:
    Converter(const Unpickler& unpickler, const std::unordered_map<int32_t, torch::Tensor>& tensors)
        : u_(unpickler), tensors_(tensors)
    { }

    c10::IValue convert(int32_t index, int depth)
    {
        if (const auto done = done_.find(index); done != done_.end())
            return done->second;
        if (depth > kMaxConvertDepth || open_.count(index))
            return c10::IValue();
        const Node& node = u_.node(index);
        switch (node.kind) {
        case Kind::Bool:
            return c10::IValue(node.integer != 0);
        case Kind::Int:
            return c10::IValue(node.integer);
        case Kind::Float:
            return c10::IValue(node.real);
        case Kind::String:
        case Kind::Bytes:
            return c10::IValue(node.text);
        case Kind::Tensor:
            return c10::IValue(tensors_.at(index));
        case Kind::Tuple:
            return tuple(index, node, depth);
        case Kind::List:
            return list(index, node, depth);
        case Kind::Dict:
            return dict(index, node, depth);
        default:
            return c10::IValue();
        }
    }

private:
    c10::IValue tuple(int32_t index, const Node& node, int depth)
    {
        open_.insert(index);
        std::vector<c10::IValue> items;
        for (const int32_t item : node.items)
            items.push_back(convert(item, depth + 1));
        open_.erase(index);
        return done_[index] = c10::IValue(c10::ivalue::Tuple::create(std::move(items)));
    }

    c10::IValue list(int32_t index, const Node& node, int depth)
    {
        c10::impl::GenericList list(c10::AnyType::get());
        open_.insert(index);
        for (const int32_t item : node.items)
            list.push_back(convert(item, depth + 1));
        open_.erase(index);
        return done_[index] = c10::IValue(list);
    }

    c10::IValue dict(int32_t index, const Node& node, int depth)
    {
        bool anyString = false;
        for (size_t i = 0; i < node.items.size(); i += 2)
            anyString = anyString || u_.node(node.items[i]).kind == Kind::String;
        const Kind keyKind = anyString ? Kind::String : Kind::Int;
        c10::impl::GenericDict dict(
            anyString ? c10::TypePtr(c10::StringType::get()) : c10::IntType::get(), c10::AnyType::get());
        open_.insert(index);
        for (size_t i = 0; i + 1 < node.items.size(); i += 2) {
            const Node& key = u_.node(node.items[i]);
            if (key.kind != keyKind)
                continue; // keys of other types (tuples, floats): nothing the loader looks up
            const c10::IValue value = convert(node.items[i + 1], depth + 1);
            if (keyKind == Kind::String)
                dict.insert_or_assign(c10::IValue(key.text), value);
            else
                dict.insert_or_assign(c10::IValue(key.integer), value);
        }
        open_.erase(index);
        return done_[index] = c10::IValue(dict);
    }

    const Unpickler& u_;
    const std::unordered_map<int32_t, torch::Tensor>& tensors_;
    std::unordered_map<int32_t, c10::IValue> done_;
    std::unordered_set<int32_t> open_;
};

TorchCheckpoint finish(const Unpickler& unpickler, int32_t root, const StorageBytes& bytes, const std::string& format)
{
    TorchCheckpoint checkpoint;
    checkpoint.format = format;
    const auto tensors = materialize(unpickler, bytes);
    checkpoint.root = Converter(unpickler, tensors).convert(root, 0);
    checkpoint.unknownGlobals = unpickler.unknownGlobals();
    checkpoint.tensors = int64_t(tensors.size());
    for (const auto& [key, raw] : bytes)
        checkpoint.storageBytes += raw.numel();
    return checkpoint;
}

torch::Tensor ownedBytes(const char* data, size_t size)
{
    torch::Tensor raw = torch::empty({ int64_t(size) }, torch::kUInt8);
    if (size > 0)
        std::memcpy(raw.data_ptr(), data, size);
    return raw;
}

Result<TorchCheckpoint> readZip(const std::string& path)
{
    const std::string format = "torch.save zip";
    try {
        caffe2::serialize::PyTorchStreamReader reader(path);
        std::string picklePath; // records are named below the archive's top folder, whatever it is called
        for (const std::string& name : reader.getAllRecords()) {
            const bool pickle = name.size() >= 8 && name.compare(name.size() - 8, 8, "data.pkl") == 0;
            if (pickle && (picklePath.empty() || name == "data.pkl"))
                picklePath = name;
        }
        if (picklePath.empty())
            return corrupt(path, format, "the zip archive holds no data.pkl: it is not a torch.save file");
        if (reader.hasRecord("byteorder")) {
            auto [order, orderSize] = reader.getRecord("byteorder");
            if (std::string(static_cast<const char*>(order.get()), orderSize).rfind("big", 0) == 0)
                return Status(StatusCode::Unsupported, path + " was saved on a big-endian machine: save it again");
        }
        auto [pickleData, pickleSize] = reader.getRecord(picklePath);
        Unpickler unpickler;
        size_t offset = 0;
        auto root = unpickler.load(static_cast<const char*>(pickleData.get()), pickleSize, offset, picklePath);
        if (!root)
            return pickleError(root.status(), path, format);
        const std::string dataFolder = picklePath.substr(0, picklePath.size() - 8) + "data/";
        StorageBytes bytes;
        for (const int32_t index : unpickler.storages()) {
            const std::string& key = unpickler.node(index).text;
            if (bytes.count(key))
                continue;
            if (!reader.hasRecord(dataFolder + key))
                return corrupt(path, format, "the storage " + dataFolder + key + " is missing from the archive");
            auto [data, size] = reader.getRecord(dataFolder + key);
            bytes[key] = ownedBytes(static_cast<const char*>(data.get()), size);
        }
        ES_RETURN_IF_ERROR(checkStorages(unpickler, bytes, path, format));
        return finish(unpickler, *root, bytes, format);
    } catch (const c10::Error& error) {
        const std::string why = firstLine(error.what_without_backtrace());
        if (why.find("version") != std::string::npos)
            return Status(StatusCode::Unsupported,
                "cannot read " + format + " file " + path + ": " + why + " (saved by a PyTorch newer than this "
                    + "LibTorch reads); save it again with torch.save(..., _use_new_zipfile_serialization=False)");
        return corrupt(path, format,
            "not a complete zip archive (" + why + "): the file is truncated or damaged; copy or fetch it again");
    } catch (const std::exception& error) {
        return corrupt(path, format, firstLine(error.what()));
    }
}

/// The four pickles before the object's: magic number, protocol version, system information.
Status readLegacyHeader(
    Unpickler& unpickler, const std::string& data, size_t& offset, const std::string& path, const std::string& format)
{
    auto magic = unpickler.load(data.data(), data.size(), offset, "the magic-number pickle");
    if (!magic)
        return pickleError(magic.status(), path, format);
    const Node& number = unpickler.node(*magic);
    if (number.kind != Kind::BigInt || number.text != std::string(std::begin(kLegacyMagic), std::end(kLegacyMagic)))
        return corrupt(path, format, "a pickle that does not start with torch.save's magic number");
    auto protocol = unpickler.load(data.data(), data.size(), offset, "the protocol pickle");
    if (!protocol)
        return pickleError(protocol.status(), path, format);
    if (unpickler.node(*protocol).kind != Kind::Int || unpickler.node(*protocol).integer != kLegacyProtocol)
        return Status(StatusCode::Unsupported,
            path + " uses a legacy torch.save protocol other than 1001: load it and save it again with PyTorch");
    auto info = unpickler.load(data.data(), data.size(), offset, "the system-information pickle");
    if (!info)
        return pickleError(info.status(), path, format);
    const Node& sysInfo = unpickler.node(*info);
    for (size_t i = 0; sysInfo.kind == Kind::Dict && i + 1 < sysInfo.items.size(); i += 2) {
        const Node& key = unpickler.node(sysInfo.items[i]);
        const Node& value = unpickler.node(sysInfo.items[i + 1]);
        if (key.kind == Kind::String && key.text == "little_endian" && value.kind == Kind::Bool && !value.integer)
            return Status(StatusCode::Unsupported, path + " was saved on a big-endian machine: save it again");
    }
    return Status::ok();
}

/// After the key list: each storage as an 8-byte little-endian element count and its bytes.
Status readLegacyStorages(const Unpickler& unpickler, int32_t keyList, const std::string& data, size_t offset,
    StorageBytes& bytes, const std::string& path, const std::string& format)
{
    const Node& keys = unpickler.node(keyList);
    if (keys.kind != Kind::List)
        return corrupt(path, format, "the storage key list is no list");
    std::unordered_map<std::string, int64_t> elementSizes; // the dtype of the first storage of each key
    for (const int32_t index : unpickler.storages())
        elementSizes.emplace(unpickler.node(index).text, int64_t(c10::elementSize(unpickler.node(index).dtype)));
    for (const int32_t keyIndex : keys.items) {
        const Node& key = unpickler.node(keyIndex);
        const auto element = elementSizes.find(key.text);
        if (key.kind != Kind::String || element == elementSizes.end())
            return corrupt(path, format, "the storage key list names a storage no tensor uses");
        if (data.size() - offset < 8)
            return corrupt(path, format, "the file ends before storage " + key.text + " (truncated file)");
        uint64_t count = 0;
        for (size_t i = 0; i < 8; ++i)
            count |= uint64_t(uint8_t(data[offset + i])) << (8 * i);
        offset += 8;
        uint64_t size = 0;
        if (__builtin_mul_overflow(count, uint64_t(element->second), &size) || size > data.size() - offset)
            return corrupt(path, format,
                "storage " + key.text + " of " + std::to_string(count) + " elements runs past the end of the file "
                    + "(truncated file)");
        bytes[key.text] = ownedBytes(data.data() + offset, size_t(size));
        offset += size_t(size);
    }
    return Status::ok();
}

Result<TorchCheckpoint> readLegacy(const std::string& path)
{
    const std::string format = "torch.save legacy (before PyTorch 1.6)";
    try {
        std::ifstream file(path, std::ios::binary);
        const std::string data((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
        if (!file.good() && !file.eof())
            return Status(StatusCode::IoError, "cannot read " + path + ": " + std::strerror(errno));
        Unpickler unpickler;
        size_t offset = 0;
        ES_RETURN_IF_ERROR(readLegacyHeader(unpickler, data, offset, path, format));
        auto root = unpickler.load(data.data(), data.size(), offset, "the object's pickle");
        if (!root)
            return pickleError(root.status(), path, format);
        auto keys = unpickler.load(data.data(), data.size(), offset, "the storage key pickle");
        if (!keys)
            return pickleError(keys.status(), path, format);
        StorageBytes bytes;
        ES_RETURN_IF_ERROR(readLegacyStorages(unpickler, *keys, data, offset, bytes, path, format));
        ES_RETURN_IF_ERROR(checkStorages(unpickler, bytes, path, format));
        return finish(unpickler, *root, bytes, format);
    } catch (const c10::Error& error) {
        return corrupt(path, format, firstLine(error.what_without_backtrace()));
    } catch (const std::exception& error) {
        return corrupt(path, format, firstLine(error.what()));
    }
}

} // namespace

TorchSaveFormat sniffTorchSave(const std::string& path)
{
    std::ifstream file(path, std::ios::binary);
    char head[4] = {};
    file.read(head, sizeof head);
    if (file.gcount() < 4)
        return TorchSaveFormat::Unknown;
    if (std::memcmp(head, "PK\x03\x04", 4) == 0)
        return TorchSaveFormat::Zip;
    // PROTO n, then LONG1 10 (protocol 2 and 3) or a FRAME (protocol 4 and 5) before it.
    if (uint8_t(head[0]) == 0x80 && uint8_t(head[1]) >= 2 && uint8_t(head[1]) <= 5
        && ((uint8_t(head[2]) == 0x8a && head[3] == 10) || uint8_t(head[2]) == 0x95))
        return TorchSaveFormat::Legacy;
    return TorchSaveFormat::Unknown;
}

Result<TorchCheckpoint> readTorchCheckpoint(const std::string& path)
{
    if (!hostIsLittleEndian())
        return Status(StatusCode::Unsupported, "cannot read " + path + ": torch.save files on a big-endian machine");
    switch (sniffTorchSave(path)) {
    case TorchSaveFormat::Zip:
        return readZip(path);
    case TorchSaveFormat::Legacy:
        return readLegacy(path);
    default:
        return Status(StatusCode::CorruptData,
            "not a torch.save file: " + path + " starts neither as a zip archive nor with the legacy magic number");
    }
}

} // namespace es::engine
