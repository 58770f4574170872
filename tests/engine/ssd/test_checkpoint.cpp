// SPDX-License-Identifier: Apache-2.0
// The torch.save reader (ssd/torch_checkpoint.h) and the weights loader on files written by Python's torch.save:
// the fixtures of tests/data/weights/ (make_fixtures.py, expected.json), broken and hand-made files, and a
// full-size SSD300 checkpoint in NVIDIA's layout written at test time where Debian's python3-torch is installed.
#include "ssd/postprocess.h"
#include "ssd/torch_checkpoint.h"
#include "ssd/weights.h"

#include "edgescope/engine/frame_source.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/pickle.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sys/mman.h>
#include <unistd.h>

using namespace es;
using namespace es::engine;
using nlohmann::json;

namespace {

const std::string kFixtures = std::string(ES_TEST_DATA_DIR) + "/weights/";

std::string tempPath(const std::string& name)
{
    return testing::TempDir() + "/es_ckpt_" + std::to_string(getpid()) + "_" + name;
}

std::string readFile(const std::string& path)
{
    std::ifstream file(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

const json& expected()
{
    static const json loaded = json::parse(readFile(kFixtures + "expected.json"));
    return loaded;
}

torch::ScalarType dtypeNamed(const std::string& name)
{
    if (name == "float16")
        return torch::kHalf;
    if (name == "bfloat16")
        return torch::kBFloat16;
    if (name == "int64")
        return torch::kLong;
    return torch::kFloat;
}

/// The fixture's tensor `name` as make_fixtures.py wrote it into expected.json (float32 or int64).
torch::Tensor referenceTensor(const std::string& name)
{
    const json& entry = expected()["tensors"][name];
    const auto shape = entry["shape"].get<std::vector<int64_t>>();
    const torch::ScalarType dtype = dtypeNamed(entry["dtype"].get<std::string>());
    std::vector<double> values = entry["values"].get<std::vector<double>>();
    return torch::tensor(values, torch::kDouble).to(dtype).reshape(shape);
}

/// The fixtures' module: the same as make_fixtures.py's Tiny.
struct TinyImpl : torch::nn::Module
{
    TinyImpl()
        : conv(register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 4, 3))))
        , bn(register_module("bn", torch::nn::BatchNorm2d(4)))
        , fc(register_module("fc", torch::nn::Linear(4, 2)))
    { }
    torch::nn::Conv2d conv;
    torch::nn::BatchNorm2d bn;
    torch::nn::Linear fc;
};
TORCH_MODULE(Tiny);

const WeightsTarget kTinyTarget { "Tiny", "Tiny (conv 3->4, bn, fc 4->2)", "the fixtures' names",
    "run tests/data/weights/make_fixtures.py", "run tests/data/weights/make_fixtures.py" };

std::map<std::string, torch::Tensor> stateOf(torch::nn::Module& module)
{
    std::map<std::string, torch::Tensor> state;
    for (const auto& item : module.named_parameters(true))
        state[item.key()] = item.value().detach().clone();
    for (const auto& item : module.named_buffers(true))
        state[item.key()] = item.value().detach().clone();
    return state;
}

/// The value under `keys` of nested dicts with str keys; None when one is missing.
c10::IValue lookup(c10::IValue value, const std::vector<std::string>& keys)
{
    for (const std::string& key : keys) {
        if (!value.isGenericDict() || !value.toGenericDict().contains(key))
            return c10::IValue();
        value = value.toGenericDict().at(key);
    }
    return value;
}

} // namespace

TEST(Checkpoint, ReadsEveryFixtureWithNamesShapesDtypesAndValues)
{
    ASSERT_GE(expected()["fixtures"].size(), 10u);
    for (const auto& [name, fixture] : expected()["fixtures"].items()) {
        SCOPED_TRACE(name);
        auto checkpoint = readTorchCheckpoint(kFixtures + name);
        ASSERT_TRUE(checkpoint.isOk()) << checkpoint.status().message();
        EXPECT_NE(checkpoint->format.find(fixture["format"].get<std::string>()), std::string::npos)
            << checkpoint->format;
        const c10::IValue state = lookup(checkpoint->root, fixture["where"].get<std::vector<std::string>>());
        ASSERT_TRUE(state.isGenericDict());
        const auto dict = state.toGenericDict();
        EXPECT_EQ(dict.size(), expected()["tensors"].size()); // OrderedDict's _metadata is no entry
        const std::string prefix = fixture["prefix"].get<std::string>();
        for (const auto& [tensorName, entry] : expected()["tensors"].items()) {
            SCOPED_TRACE(tensorName);
            ASSERT_TRUE(dict.contains(prefix + tensorName));
            const torch::Tensor tensor = dict.at(prefix + tensorName).toTensor();
            torch::Tensor reference = referenceTensor(tensorName);
            if (reference.is_floating_point())
                reference = reference.to(dtypeNamed(fixture["dtype"].get<std::string>()));
            EXPECT_EQ(tensor.scalar_type(), reference.scalar_type());
            EXPECT_EQ(tensor.sizes(), reference.sizes());
            EXPECT_TRUE(torch::equal(tensor, reference));
            if (fixture["strides"].contains(tensorName)) {
                EXPECT_EQ(tensor.strides().vec(), fixture["strides"][tensorName].get<std::vector<int64_t>>());
            }
        }
        for (const auto& global : fixture["unknown_globals"])
            EXPECT_NE(std::find(checkpoint->unknownGlobals.begin(), checkpoint->unknownGlobals.end(),
                          global.get<std::string>()),
                checkpoint->unknownGlobals.end());
    }
}

TEST(Checkpoint, LoadsEveryFixtureIntoAModule)
{
    for (const auto& [name, fixture] : expected()["fixtures"].items()) {
        SCOPED_TRACE(name);
        Tiny model;
        const std::string path = kFixtures + name;
        auto info = loadModuleWeights(*model, path, kTinyTarget);
        ASSERT_TRUE(info.isOk()) << info.status().message();
        EXPECT_EQ(info->kind, "state_dict");
        EXPECT_NE(info->format.find(fixture["format"].get<std::string>()), std::string::npos) << info->format;
        EXPECT_EQ(info->tensorsLoaded, 9);
        EXPECT_EQ(info->tensorsIgnored, int64_t(fixture["ignored"].size()));
        EXPECT_NE(info->description.find(path), std::string::npos);
        for (const auto& ignored : fixture["ignored"])
            EXPECT_NE(info->description.find(ignored.get<std::string>()), std::string::npos) << info->description;
        const std::string dtype = fixture["dtype"].get<std::string>();
        if (dtype != "float32") {
            ASSERT_EQ(info->notes.size(), 1u) << info->description;
            EXPECT_EQ(info->notes[0].rfind("8 " + dtype + " tensors converted to float32", 0), 0u) << info->notes[0];
            EXPECT_NE(info->description.find(info->notes[0]), std::string::npos);
        } else {
            EXPECT_TRUE(info->notes.empty()) << info->description;
        }
        for (const auto& [tensorName, tensor] : stateOf(*model)) {
            torch::Tensor reference = referenceTensor(tensorName);
            if (reference.is_floating_point())
                reference = reference.to(dtypeNamed(dtype)).to(torch::kFloat);
            EXPECT_TRUE(torch::equal(tensor, reference)) << tensorName;
        }
    }
}

TEST(Checkpoint, KeepsTheEntriesBesideTheStateDict)
{
    auto checkpoint = readTorchCheckpoint(kFixtures + "tiny_checkpoint.pt");
    ASSERT_TRUE(checkpoint.isOk()) << checkpoint.status().message();
    EXPECT_EQ(lookup(checkpoint->root, { "epoch" }).toInt(), 3);
    EXPECT_TRUE(lookup(checkpoint->root, { "args" }).isNone()); // argparse.Namespace: opaque
    // SGD's state: keyed by parameter index (ints), one momentum buffer per parameter.
    const c10::IValue state = lookup(checkpoint->root, { "optimizer", "state" });
    ASSERT_TRUE(state.isGenericDict());
    ASSERT_EQ(state.toGenericDict().size(), 4u); // the parameters that had a gradient: conv and fc
    const c10::IValue first = state.toGenericDict().at(int64_t(0));
    EXPECT_EQ(first.toGenericDict().at("momentum_buffer").toTensor().sizes(), (std::vector<int64_t> { 4, 3, 3, 3 }));
    const auto groups = lookup(checkpoint->root, { "optimizer" }).toGenericDict().at("param_groups").toList();
    EXPECT_DOUBLE_EQ(groups.get(0).toGenericDict().at("lr").toDouble(), 0.1);
}

TEST(Checkpoint, RefusesTruncatedFilesAndModulesNamingTheFile)
{
    Tiny model, untouched;
    torch::NoGradGuard noGrad;
    for (auto& parameter : untouched->parameters())
        parameter.fill_(0.5f);
    for (auto& parameter : model->parameters())
        parameter.fill_(0.5f);
    for (const std::string name : { "tiny_truncated.pt", "tiny_legacy_truncated.pt" }) {
        SCOPED_TRACE(name);
        const std::string path = kFixtures + name;
        auto checkpoint = readTorchCheckpoint(path);
        ASSERT_FALSE(checkpoint.isOk());
        EXPECT_EQ(checkpoint.status().code(), StatusCode::CorruptData);
        EXPECT_NE(checkpoint.status().message().find(path), std::string::npos) << checkpoint.status().message();
        EXPECT_NE(checkpoint.status().message().find("truncated"), std::string::npos) << checkpoint.status().message();
        auto info = loadModuleWeights(*model, path, kTinyTarget);
        ASSERT_FALSE(info.isOk());
        EXPECT_EQ(info.status().code(), StatusCode::CorruptData);
        EXPECT_NE(info.status().message().find(path), std::string::npos);
        EXPECT_NE(info.status().message().find("tried: TorchScript"), std::string::npos) << info.status().message();
    }
    // torch.save(model): the tensors live inside a Python object of the user's class.
    const std::string whole = kFixtures + "tiny_whole_module.pt";
    auto info = loadModuleWeights(*model, whole, kTinyTarget);
    ASSERT_FALSE(info.isOk());
    EXPECT_EQ(info.status().code(), StatusCode::CorruptData);
    EXPECT_NE(info.status().message().find("__main__.Tiny"), std::string::npos) << info.status().message();
    EXPECT_NE(info.status().message().find("state_dict()"), std::string::npos);
    const auto now = stateOf(*model), before = stateOf(*untouched);
    for (const auto& [name, tensor] : before)
        EXPECT_TRUE(torch::equal(tensor, now.at(name))) << name;
}

TEST(Checkpoint, EveryTruncationAndByteFlipOfALegacyFileIsRefusedOrRead)
{
    const std::string bytes = readFile(kFixtures + "tiny_legacy.pt");
    ASSERT_GT(bytes.size(), 1000u);
    // In memory (memfd): thousands of rewrites of a file on disk cost seconds where the disk discards freed blocks.
    const int fd = memfd_create("es_ckpt_mutated", 0);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    const std::string path = "/proc/self/fd/" + std::to_string(fd);
    auto rewrite = [fd](const std::string& contents) {
        ASSERT_EQ(ftruncate(fd, 0), 0);
        ASSERT_EQ(pwrite(fd, contents.data(), contents.size(), 0), ssize_t(contents.size()));
    };
    for (size_t length = 0; length < bytes.size(); ++length) {
        rewrite(bytes.substr(0, length));
        auto checkpoint = readTorchCheckpoint(path);
        ASSERT_FALSE(checkpoint.isOk()) << length;
        ASSERT_EQ(checkpoint.status().code(), StatusCode::CorruptData) << length;
        ASSERT_NE(checkpoint.status().message().find(path), std::string::npos) << checkpoint.status().message();
    }
    int refused = 0;
    for (size_t at = 0; at < bytes.size(); ++at) {
        std::string mutated = bytes;
        mutated[at] = char(mutated[at] ^ 0x5a);
        rewrite(mutated);
        auto checkpoint = readTorchCheckpoint(path);
        if (!checkpoint.isOk()) {
            ++refused;
            EXPECT_TRUE(checkpoint.status().code() == StatusCode::CorruptData
                || checkpoint.status().code() == StatusCode::Unsupported)
                << checkpoint.status().toString();
        }
    }
    EXPECT_GT(refused, 100);
    close(fd);
}

namespace {

/// Writes a zip as torch.save does, with a data.pkl and storages of our own.
void writeArchive(const std::string& path, const std::string& pickle, const std::map<std::string, std::string>& data)
{
    caffe2::serialize::PyTorchStreamWriter writer(path);
    writer.writeRecord("data.pkl", pickle.data(), pickle.size());
    for (const auto& [key, bytes] : data)
        writer.writeRecord("data/" + key, bytes.data(), bytes.size());
    writer.writeEndOfFile();
}

/// A small pickle assembler for hand-made files.
struct PickleText
{
    std::string bytes = "\x80\x02";
    PickleText& op(char code) { return bytes += code, *this; }
    PickleText& text(const std::string& value)
    {
        const uint32_t size = uint32_t(value.size());
        bytes += 'X';
        bytes.append(reinterpret_cast<const char*>(&size), 4);
        return bytes += value, *this;
    }
    PickleText& integer(int32_t value)
    {
        bytes += 'J';
        return bytes.append(reinterpret_cast<const char*>(&value), 4), *this;
    }
    PickleText& global(const std::string& module, const std::string& name)
    {
        return bytes += "c" + module + "\n" + name + "\n", *this;
    }
};

/// {'w': a float tensor of `size` elements (offset `offset`) on a storage declared with `numel` elements}.
std::string oneTensor(int32_t numel, int32_t offset, int32_t size)
{
    PickleText p;
    p.op('}').op('(').text("w").global("torch._utils", "_rebuild_tensor_v2").op('(');
    p.op('(').text("storage").global("torch", "FloatStorage").text("0").text("cpu").integer(numel).op('t').op('Q');
    p.integer(offset).integer(size).op('\x85').integer(1).op('\x85').op('\x89');
    p.global("collections", "OrderedDict").op(')').op('R').op('t').op('R').op('u').op('.');
    return p.bytes;
}

Status readArchive(const std::string& pickle, const std::map<std::string, std::string>& data)
{
    const std::string path = tempPath("handmade.pt");
    writeArchive(path, pickle, data);
    auto checkpoint = readTorchCheckpoint(path);
    std::remove(path.c_str());
    if (checkpoint.isOk() && !checkpoint->root.isGenericDict())
        return Status(StatusCode::Internal, "read, but the root is no dict");
    return checkpoint.isOk() ? Status::ok() : checkpoint.status();
}

void expectRefused(const Status& status, const std::string& words)
{
    EXPECT_EQ(status.code(), StatusCode::CorruptData) << status.toString();
    EXPECT_NE(status.message().find(words), std::string::npos) << status.message();
    EXPECT_NE(status.message().find("handmade.pt"), std::string::npos) << status.message();
}

} // namespace

TEST(Checkpoint, ChecksEverySizeOfHandMadeFiles)
{
    const std::string sixteen(16, '\x01');
    EXPECT_TRUE(readArchive(oneTensor(4, 0, 4), { { "0", sixteen } }).isOk());
    EXPECT_TRUE(readArchive(oneTensor(4, 3, 1), { { "0", sixteen } }).isOk());
    expectRefused(readArchive(oneTensor(4, 0, 5), { { "0", sixteen } }), "reads past its storage");
    expectRefused(readArchive(oneTensor(4, 3, 2), { { "0", sixteen } }), "reads past its storage");
    expectRefused(readArchive(oneTensor(4, -1, 2), { { "0", sixteen } }), "reads past its storage");
    expectRefused(readArchive(oneTensor(8, 0, 8), { { "0", sixteen } }), "declares 8 elements");
    expectRefused(readArchive(oneTensor(4, 0, 4), {}), "is missing");
    expectRefused(readArchive(oneTensor(4, 0, 4).substr(0, 40), { { "0", sixteen } }), "truncated");

    PickleText memo;
    memo.op('h').op('\x07').op('.');
    expectRefused(readArchive(memo.bytes, {}), "never stored");
    PickleText marks;
    for (int i = 0; i < 70000; ++i)
        marks.op('(');
    expectRefused(readArchive(marks.bytes, {}), "MARKs nested deeper");
    PickleText stack;
    stack.bytes += std::string(1 << 21, 'N');
    expectRefused(readArchive(stack.bytes, {}), "the stack grows past");
    PickleText unknown;
    unknown.op('}').op('\xff');
    expectRefused(readArchive(unknown.bytes, {}), "opcode 0xff");

    // A dict that holds itself (d['self'] = d) and an unknown class: read, without looping.
    PickleText cycle;
    cycle.op('}').op('q').op('\0').text("self").op('h').op('\0').op('s');
    cycle.text("args").global("argparse", "Namespace").op(')').op('\x81').op('}').op('b').op('s').op('.');
    EXPECT_TRUE(readArchive(cycle.bytes, {}).isOk());
}

TEST(Checkpoint, EveryTruncationAndByteFlipOfAZipFilesPickleIsRefusedOrRead)
{
    caffe2::serialize::PyTorchStreamReader reader(kFixtures + "tiny_state_dict.pt");
    auto [pickleData, pickleSize] = reader.getRecord("data.pkl");
    const std::string pickle(static_cast<const char*>(pickleData.get()), pickleSize);
    std::map<std::string, std::string> storages;
    for (const std::string& name : reader.getAllRecords()) {
        if (name.rfind("data/", 0) == 0) {
            auto [data, size] = reader.getRecord(name);
            storages[name.substr(5)] = std::string(static_cast<const char*>(data.get()), size);
        }
    }
    ASSERT_EQ(storages.size(), 9u);
    EXPECT_TRUE(readArchive(pickle, storages).isOk());
    for (size_t length = 0; length < pickle.size(); length += 3)
        EXPECT_EQ(readArchive(pickle.substr(0, length), storages).code(), StatusCode::CorruptData) << length;
    for (size_t at = 0; at < pickle.size(); ++at) {
        std::string mutated = pickle;
        mutated[at] = char(mutated[at] ^ 0x5a);
        const Status status = readArchive(mutated, storages);
        EXPECT_TRUE(status.isOk() || status.code() == StatusCode::CorruptData
            || status.code() == StatusCode::Unsupported || status.code() == StatusCode::Internal)
            << status.toString();
    }
}

TEST(Checkpoint, ReadsWhatLibTorchsOwnWriterWrites)
{
    Tiny source, target;
    const std::string path = tempPath("libtorch.pt");
    ASSERT_TRUE(saveStateDict(*source, path).isOk());
    auto checkpoint = readTorchCheckpoint(path);
    ASSERT_TRUE(checkpoint.isOk()) << checkpoint.status().message();
    EXPECT_EQ(checkpoint->tensors, 9);
    auto info = loadModuleWeights(*target, path, kTinyTarget);
    ASSERT_TRUE(info.isOk()) << info.status().message();
    EXPECT_EQ(info->format, "torch.save zip");
    const auto a = stateOf(*source), b = stateOf(*target);
    for (const auto& [name, tensor] : a)
        EXPECT_TRUE(torch::equal(tensor, b.at(name))) << name;
    std::remove(path.c_str());
}

namespace {

bool pythonHasTorch()
{
    return std::system("/usr/bin/python3 -c 'import torch, torchvision' >/dev/null 2>&1") == 0;
}

/// Detections of `model` on one synthetic 300x300 frame (values -1..1, as the pipeline scales them).
FrameDetections detectOnSyntheticFrame(Ssd300& model)
{
    auto source = openSynthetic(300, 300, 1, 7);
    EXPECT_TRUE(source.isOk());
    Frame frame;
    EXPECT_TRUE((*source)->read(frame).isOk());
    InferenceGuard guard;
    model->eval();
    const torch::Tensor input = torch::from_blob(frame.rgb.data(), { 1, 300, 300, 3 }, torch::kUInt8)
                                    .permute({ 0, 3, 1, 2 })
                                    .to(torch::kFloat)
                                    .div(127.5)
                                    .sub(1.0);
    const auto [locations, logits] = model->forward(input);
    return vectorizedPostprocess(locations, logits, defaultBoxesXywh(), {}).at(0);
}

} // namespace

TEST(Checkpoint, FullSizeNvidiaCheckpointGivesTheSameDetectionsAsThePlainDict)
{
    if (!pythonHasTorch())
        GTEST_SKIP() << "/usr/bin/python3 has no torch and torchvision (Debian: apt install python3-torch "
                        "python3-torchvision): the full-size SSD300 checkpoint cannot be written here";
    const std::string checkpointPath = tempPath("nvidia_ssd300_ckpt.pt"), plainPath = tempPath("plain.pt");
    const std::string command
        = "/usr/bin/python3 " + kFixtures + "make_ssd300_checkpoint.py " + checkpointPath + " " + plainPath + " 3";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;

    Ssd300 fromCheckpoint, fromPlain;
    fromCheckpoint->initializeSeeded(1);
    auto info = loadWeights(fromCheckpoint, checkpointPath);
    ASSERT_TRUE(info.isOk()) << info.status().message();
    EXPECT_EQ(info->format, "torch.save zip");
    EXPECT_EQ(info->tensorsIgnored, 5) << info->description; // epoch, iteration, optimizer, scheduler, label_map
    EXPECT_NE(info->description.find("under 'model'"), std::string::npos) << info->description;

    // The plain dict as LibTorch's own reader (the loader's only reader before torch_checkpoint.h) gives it.
    const std::string bytes = readFile(plainPath);
    const c10::IValue plain = torch::jit::pickle_load(std::vector<char>(bytes.begin(), bytes.end()));
    const auto dict = plain.toGenericDict();
    fromPlain->initializeSeeded(2);
    torch::NoGradGuard noGrad;
    size_t compared = 0;
    for (const auto& [name, tensor] : stateOf(*fromCheckpoint)) {
        ASSERT_TRUE(dict.contains(name)) << name;
        const torch::Tensor reference = dict.at(name).toTensor();
        EXPECT_TRUE(torch::equal(tensor, reference)) << name;
        (fromPlain->named_parameters(true).contains(name) ? fromPlain->named_parameters(true)[name]
                                                          : fromPlain->named_buffers(true)[name])
            .copy_(reference);
        ++compared;
    }
    EXPECT_EQ(compared, dict.size());

    const FrameDetections a = detectOnSyntheticFrame(fromCheckpoint), b = detectOnSyntheticFrame(fromPlain);
    EXPECT_FALSE(a.empty());
    const Agreement agreement = compareDetections({ a }, { b }, 0.0);
    EXPECT_TRUE(agreement.identical) << agreement.detections << " vs " << agreement.referenceDetections;
    EXPECT_EQ(a.size(), b.size());
    std::remove(checkpointPath.c_str());
    std::remove(plainPath.c_str());
}
