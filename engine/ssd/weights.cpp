// SPDX-License-Identifier: Apache-2.0
#include "ssd/weights.h"

#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/script.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <sys/stat.h>

namespace es::engine {

namespace {

using TensorMap = std::map<std::string, torch::Tensor>;

std::string shapeText(const torch::Tensor& tensor)
{
    std::ostringstream out;
    out << tensor.sizes();
    return out.str();
}

std::string stripPrefix(std::string name)
{
    for (const char* prefix : { "module.", "model." }) {
        if (name.rfind(prefix, 0) == 0)
            name = name.substr(std::strlen(prefix));
    }
    return name;
}

bool readTorchScript(const std::string& path, TensorMap& tensors)
{
    try {
        torch::jit::Module module = torch::jit::load(path, torch::kCPU);
        for (const auto& item : module.named_parameters(/*recurse=*/true))
            tensors[stripPrefix(item.name)] = item.value;
        for (const auto& item : module.named_buffers(/*recurse=*/true))
            tensors[stripPrefix(item.name)] = item.value;
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

void collectDict(const c10::IValue& value, TensorMap& tensors)
{
    if (!value.isGenericDict())
        return;
    const auto dict = value.toGenericDict();
    for (const char* nested : { "model", "state_dict", "model_state" }) {
        for (const auto& entry : dict) {
            if (entry.key().isString() && entry.key().toStringRef() == nested && entry.value().isGenericDict()) {
                collectDict(entry.value(), tensors);
                return;
            }
        }
    }
    for (const auto& entry : dict) {
        if (entry.key().isString() && entry.value().isTensor())
            tensors[stripPrefix(entry.key().toStringRef())] = entry.value().toTensor();
    }
}

bool readStateDict(const std::string& path, TensorMap& tensors)
{
    try {
        std::ifstream file(path, std::ios::binary);
        std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
        if (bytes.size() < 4)
            return false;
        collectDict(torch::jit::pickle_load(bytes), tensors);
        return !tensors.empty();
    } catch (const std::exception&) {
        return false;
    }
}

} // namespace

Result<WeightsInfo> loadWeights(Ssd300& model, const std::string& path)
{
    return loadModuleWeights(*model, path,
        { "SSD300", "SSD300 (81 classes, 8732 boxes)", "NVIDIA's SSD300 names", "export NVIDIA's pretrained SSD300",
            "export NVIDIA's SSD300 v1.1 as docs/weights.md shows" });
}

Result<WeightsInfo> loadModuleWeights(torch::nn::Module& model, const std::string& path, const WeightsTarget& target)
{
    struct stat info;
    if (stat(path.c_str(), &info) != 0)
        return Status(StatusCode::NotFound,
            "cannot read weights " + path + ": " + std::strerror(errno)
                + " (leave the weights out for seeded weights; docs/weights.md says how to " + target.howToExport
                + ")");
    if (!S_ISREG(info.st_mode))
        return Status(StatusCode::InvalidArgument, "cannot read weights " + path + ": not a regular file");

    WeightsInfo result;
    result.path = path;
    TensorMap tensors;
    if (readTorchScript(path, tensors))
        result.kind = "torchscript";
    else if (readStateDict(path, tensors))
        result.kind = "state_dict";
    else
        return Status(StatusCode::CorruptData,
            "cannot read weights " + path
                + ": it is neither a TorchScript module (torch.jit.save) nor a saved state dict "
                  "(torch.save(model.state_dict(), FILE)); see docs/weights.md");

    // Check every tensor before touching the model, so that a bad file leaves it as it was.
    std::vector<std::pair<torch::Tensor, torch::Tensor>> assignments;
    std::vector<std::string> missing;
    auto plan = [&](const std::string& name, const torch::Tensor& tensor) -> Status {
        auto found = tensors.find(name);
        if (found == tensors.end()) {
            if (name.size() < 20 || name.compare(name.size() - 19, 19, "num_batches_tracked") != 0)
                missing.push_back(name);
            return Status::ok();
        }
        if (!found->second.sizes().equals(tensor.sizes()))
            return Status(StatusCode::CorruptData,
                "wrong weights in " + path + ": " + name + " has shape " + shapeText(found->second) + " but "
                    + target.modelWithShape + " needs " + shapeText(tensor) + "; " + target.fix);
        assignments.emplace_back(tensor, found->second);
        return Status::ok();
    };
    size_t used = 0;
    for (const auto& item : model.named_parameters(true)) {
        ES_RETURN_IF_ERROR(plan(item.key(), item.value()));
        used += tensors.count(item.key());
    }
    for (const auto& item : model.named_buffers(true)) {
        ES_RETURN_IF_ERROR(plan(item.key(), item.value()));
        used += tensors.count(item.key());
    }
    if (!missing.empty()) {
        std::string names;
        for (size_t i = 0; i < missing.size() && i < 3; ++i)
            names += (i ? ", " : "") + missing[i];
        return Status(StatusCode::CorruptData,
            "wrong weights in " + path + ": " + std::to_string(missing.size()) + " " + target.model
                + " tensors are missing (" + names + (missing.size() > 3 ? ", ..." : "") + "); the names must be "
                + target.names + ", see docs/weights.md");
    }
    try {
        torch::NoGradGuard noGrad;
        for (auto& [tensor, source] : assignments)
            tensor.copy_(source.to(tensor.dtype()));
    } catch (const std::exception& error) {
        return Status(StatusCode::CorruptData, "cannot use weights " + path + ": " + error.what());
    }
    result.tensorsLoaded = int64_t(assignments.size());
    result.tensorsIgnored = int64_t(tensors.size()) - int64_t(used);
    std::ostringstream text;
    text << path << " (" << (result.kind == "torchscript" ? "TorchScript module" : "state dict") << ", "
         << result.tensorsLoaded << " tensors loaded";
    if (result.tensorsIgnored > 0)
        text << ", " << result.tensorsIgnored << " entries ignored";
    text << ")";
    result.description = text.str();
    return result;
}

Status saveStateDict(const Ssd300& model, const std::string& path)
{
    return saveStateDict(*model, path);
}

Status saveStateDict(const torch::nn::Module& model, const std::string& path)
{
    try {
        c10::Dict<std::string, torch::Tensor> dict;
        for (const auto& item : model.named_parameters(true))
            dict.insert(item.key(), item.value().detach().cpu());
        for (const auto& item : model.named_buffers(true))
            dict.insert(item.key(), item.value().detach().cpu());
        const std::vector<char> bytes = torch::jit::pickle_save(c10::IValue(dict));
        std::ofstream file(path, std::ios::binary);
        file.write(bytes.data(), std::streamsize(bytes.size()));
        if (!file)
            return Status(StatusCode::IoError, "cannot write " + path + ": " + std::strerror(errno));
    } catch (const std::exception& error) {
        return Status(StatusCode::Internal, "cannot save weights to " + path + ": " + error.what());
    }
    return Status::ok();
}

} // namespace es::engine
