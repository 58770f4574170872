// SPDX-License-Identifier: Apache-2.0
#include "ssd/weights.h"

#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/script.h>

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <unistd.h>

using namespace es;
using namespace es::engine;

namespace {

std::string tempPath(const std::string& name)
{
    return testing::TempDir() + "/es_w_" + std::to_string(getpid()) + "_" + name;
}

bool sameWeights(const Ssd300& a, const Ssd300& b)
{
    const auto pb = b->named_parameters(true);
    for (const auto& item : a->named_parameters(true))
        if (!torch::equal(item.value(), pb[item.key()]))
            return false;
    const auto bb = b->named_buffers(true);
    for (const auto& item : a->named_buffers(true))
        if (!torch::equal(item.value(), bb[item.key()]))
            return false;
    return true;
}

void writeDict(const std::string& path, const c10::Dict<std::string, torch::Tensor>& dict)
{
    const std::vector<char> bytes = torch::jit::pickle_save(c10::IValue(dict));
    std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

c10::Dict<std::string, torch::Tensor> stateOf(const Ssd300& model, const std::string& prefix = "")
{
    c10::Dict<std::string, torch::Tensor> dict;
    for (const auto& item : model->named_parameters(true))
        dict.insert(prefix + item.key(), item.value().detach().clone());
    for (const auto& item : model->named_buffers(true))
        dict.insert(prefix + item.key(), item.value().detach().clone());
    return dict;
}

} // namespace

TEST(Weights, StateDictRoundTrips)
{
    Ssd300 source, target;
    source->initializeSeeded(7);
    target->initializeSeeded(8);
    ASSERT_FALSE(sameWeights(source, target));
    const std::string path = tempPath("ssd.pt");
    ASSERT_TRUE(saveStateDict(source, path).isOk());
    auto info = loadWeights(target, path);
    ASSERT_TRUE(info.isOk()) << info.status().message();
    EXPECT_EQ(info->kind, "state_dict");
    EXPECT_EQ(info->tensorsIgnored, 0);
    EXPECT_NE(info->description.find(path), std::string::npos);
    EXPECT_TRUE(sameWeights(source, target));
    std::remove(path.c_str());
}

TEST(Weights, LoadsACheckpointWithModulePrefix)
{
    Ssd300 source, target;
    source->initializeSeeded(3);
    target->initializeSeeded(4);
    c10::Dict<std::string, torch::Tensor> state = stateOf(source, "module.");
    state.insert("module.optimizer_step", torch::zeros({ 1 }));
    const std::string path = tempPath("checkpoint.pt");
    writeDict(path, state);
    auto info = loadWeights(target, path);
    ASSERT_TRUE(info.isOk()) << info.status().message();
    EXPECT_EQ(info->tensorsIgnored, 1);
    EXPECT_TRUE(sameWeights(source, target));
    std::remove(path.c_str());
}

TEST(Weights, LoadsATorchScriptModule)
{
    Ssd300 source, target;
    source->initializeSeeded(21);
    target->initializeSeeded(22);
    // Build a scripted module with the same hierarchy, as torch.jit.script(ssd300).save() would.
    int typeCounter = 0;
    torch::jit::Module root("__torch__.SSD300");
    auto place = [&](const std::string& name, const torch::Tensor& value, bool parameter) {
        torch::jit::Module node = root;
        size_t start = 0;
        for (size_t dot = name.find('.'); dot != std::string::npos; dot = name.find('.', start)) {
            const std::string part = name.substr(start, dot - start);
            if (!node.hasattr(part))
                node.register_module(part, torch::jit::Module("__torch__.Node" + std::to_string(typeCounter++)));
            node = node.attr(part).toModule();
            start = dot + 1;
        }
        const std::string leaf = name.substr(start);
        if (parameter)
            node.register_parameter(leaf, value.detach().clone(), false);
        else
            node.register_buffer(leaf, value.detach().clone());
    };
    for (const auto& item : source->named_parameters(true))
        place(item.key(), item.value(), true);
    for (const auto& item : source->named_buffers(true))
        place(item.key(), item.value(), false);
    const std::string path = tempPath("scripted.pt");
    root.save(path);
    auto info = loadWeights(target, path);
    ASSERT_TRUE(info.isOk()) << info.status().message();
    EXPECT_EQ(info->kind, "torchscript");
    EXPECT_TRUE(sameWeights(source, target));
    std::remove(path.c_str());
}

TEST(Weights, RefusesJunkAndMissingFiles)
{
    Ssd300 model, untouched;
    model->initializeSeeded(1);
    untouched->initializeSeeded(1);
    auto missing = loadWeights(model, "/nonexistent/weights.pt");
    ASSERT_FALSE(missing.isOk());
    EXPECT_EQ(missing.status().code(), StatusCode::NotFound);
    EXPECT_NE(missing.status().message().find("docs/weights.md"), std::string::npos);

    const std::string junk = tempPath("junk.pt");
    std::mt19937 random(3);
    std::string bytes(4096, '\0');
    for (char& c : bytes)
        c = char(random());
    std::ofstream(junk, std::ios::binary) << bytes;
    auto corrupt = loadWeights(model, junk);
    ASSERT_FALSE(corrupt.isOk());
    EXPECT_EQ(corrupt.status().code(), StatusCode::CorruptData);
    EXPECT_NE(corrupt.status().message().find(junk), std::string::npos);
    EXPECT_TRUE(sameWeights(model, untouched));
    std::remove(junk.c_str());
}

TEST(Weights, RefusesWrongShapesAndMissingTensorsWithoutTouchingTheModel)
{
    Ssd300 source, model, untouched;
    source->initializeSeeded(2);
    model->initializeSeeded(1);
    untouched->initializeSeeded(1);

    c10::Dict<std::string, torch::Tensor> wrongShape = stateOf(source);
    wrongShape.insert_or_assign("conf.0.weight", torch::zeros({ 4 * 21, 1024, 3, 3 })); // a 21-class (VOC) head
    const std::string path = tempPath("wrong.pt");
    writeDict(path, wrongShape);
    auto shape = loadWeights(model, path);
    ASSERT_FALSE(shape.isOk());
    EXPECT_EQ(shape.status().code(), StatusCode::CorruptData);
    EXPECT_NE(shape.status().message().find("conf.0.weight"), std::string::npos);
    EXPECT_NE(shape.status().message().find("[84, 1024, 3, 3]"), std::string::npos);
    EXPECT_TRUE(sameWeights(model, untouched));

    c10::Dict<std::string, torch::Tensor> partial = stateOf(source);
    ASSERT_EQ(partial.erase("loc.3.bias"), 1u);
    writeDict(path, partial);
    auto missing = loadWeights(model, path);
    ASSERT_FALSE(missing.isOk());
    EXPECT_NE(missing.status().message().find("loc.3.bias"), std::string::npos);
    EXPECT_TRUE(sameWeights(model, untouched));
    std::remove(path.c_str());
}
