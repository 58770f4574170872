// SPDX-License-Identifier: Apache-2.0
#include "ssd/weights.h"

#include "ssd/torch_checkpoint.h"

#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/script.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <sys/stat.h>

namespace es::engine {

namespace {

using TensorMap = std::map<std::string, torch::Tensor>;

/// What a weights file gave: its tensors by name and what else it held.
struct FileTensors
{
    TensorMap tensors;
    std::string kind; ///< WeightsInfo::kind
    std::string format; ///< WeightsInfo::format
    std::string where; ///< the checkpoint key the state dict was under ("model"), empty at the top
    int64_t otherEntries = 0; ///< entries that are no tensors (epoch, optimizer, ...)
    std::vector<std::string> otherNames; ///< the first few of them
};

std::string shapeText(const torch::Tensor& tensor)
{
    std::ostringstream out;
    out << tensor.sizes();
    return out.str();
}

std::string dtypeText(c10::ScalarType type)
{
    switch (type) {
    case c10::ScalarType::Half:
        return "float16";
    case c10::ScalarType::BFloat16:
        return "bfloat16";
    case c10::ScalarType::Float:
        return "float32";
    case c10::ScalarType::Double:
        return "float64";
    default:
        return c10::toString(type);
    }
}

std::string firstLine(const std::string& text)
{
    std::string line = text.substr(0, text.find('\n'));
    return line.size() > 160 ? line.substr(0, 160) + "..." : line;
}

std::string stripPrefix(std::string name)
{
    for (const char* prefix : { "module.", "model." }) {
        if (name.rfind(prefix, 0) == 0)
            name = name.substr(std::strlen(prefix));
    }
    return name;
}

void noteOther(FileTensors& file, const std::string& name)
{
    ++file.otherEntries;
    if (file.otherNames.size() < 4)
        file.otherNames.push_back(name);
}

bool readTorchScript(const std::string& path, FileTensors& file, std::string& why)
{
    try {
        torch::jit::Module module = torch::jit::load(path, torch::kCPU);
        for (const auto& item : module.named_parameters(/*recurse=*/true))
            file.tensors[stripPrefix(item.name)] = item.value;
        for (const auto& item : module.named_buffers(/*recurse=*/true))
            file.tensors[stripPrefix(item.name)] = item.value;
        file.kind = "torchscript";
        file.format = "TorchScript module";
        return true;
    } catch (const c10::Error& error) {
        why = firstLine(error.what_without_backtrace());
    } catch (const std::exception& error) {
        why = firstLine(error.what());
    }
    return false;
}

/// A state dict at the top of `value`, or under "model" / "state_dict" / "model_state" of a checkpoint dict (the
/// other entries of the checkpoint are counted as ignored).
void collectDict(const c10::IValue& value, FileTensors& file)
{
    if (!value.isGenericDict())
        return;
    const auto dict = value.toGenericDict();
    for (const char* nested : { "model", "state_dict", "model_state" }) {
        for (const auto& entry : dict) {
            if (entry.key().isString() && entry.key().toStringRef() == nested && entry.value().isGenericDict()) {
                for (const auto& other : dict)
                    if (!(other.key().isString() && other.key().toStringRef() == nested))
                        noteOther(file, other.key().isString() ? other.key().toStringRef() : "a non-string key");
                file.where += (file.where.empty() ? "" : ".") + std::string(nested);
                collectDict(entry.value(), file);
                return;
            }
        }
    }
    for (const auto& entry : dict) {
        if (entry.key().isString() && entry.value().isTensor())
            file.tensors[stripPrefix(entry.key().toStringRef())] = entry.value().toTensor();
        else
            noteOther(file, entry.key().isString() ? entry.key().toStringRef() : "a non-string key");
    }
}

/// A torch.save file read by torch_checkpoint.h (zip or legacy format; OrderedDicts and Python objects too).
Status readCheckpoint(const std::string& path, FileTensors& file)
{
    auto checkpoint = readTorchCheckpoint(path);
    if (!checkpoint)
        return checkpoint.status();
    collectDict(checkpoint->root, file);
    if (file.tensors.empty()) {
        std::string why = "a " + checkpoint->format + " file " + path + " that holds no state dict (no tensors by name";
        for (size_t i = 0; i < checkpoint->unknownGlobals.size() && i < 3; ++i)
            why += (i ? ", " : "; it holds Python objects EdgeScope does not rebuild: ")
                + checkpoint->unknownGlobals[i];
        return Status(StatusCode::CorruptData, why + "); save model.state_dict() with torch.save");
    }
    file.kind = "state_dict";
    file.format = checkpoint->format;
    return Status::ok();
}

/// LibTorch's own reader of pickled dicts (torch::jit::pickle_load): what this loader read before
/// torch_checkpoint.h, kept for files of LibTorch's writer it might not know.
bool readStateDict(const std::string& path, FileTensors& file)
{
    try {
        std::ifstream stream(path, std::ios::binary);
        std::vector<char> bytes((std::istreambuf_iterator<char>(stream)), std::istreambuf_iterator<char>());
        if (bytes.size() < 4)
            return false;
        FileTensors found;
        collectDict(torch::jit::pickle_load(bytes), found);
        if (found.tensors.empty())
            return false;
        file = std::move(found);
        file.kind = "state_dict";
        file.format = "LibTorch pickle";
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

/// The file's tensors: TorchScript, then torch_checkpoint.h's reader, then LibTorch's pickle reader. A refusal
/// names the file, the formats tried and why the likeliest one failed.
Result<FileTensors> readWeightsFile(const std::string& path)
{
    FileTensors file;
    std::string torchScriptWhy;
    if (readTorchScript(path, file, torchScriptWhy))
        return file;
    file = FileTensors();
    const Status checkpoint = readCheckpoint(path, file);
    if (checkpoint.isOk())
        return file;
    file = FileTensors();
    if (readStateDict(path, file))
        return file;
    const std::string tried = "tried: TorchScript module (torch.jit.save), torch.save file (zip or legacy format), "
                              "LibTorch pickle";
    // A TorchScript archive LibTorch could not load (saved by a newer PyTorch): its reason is the one that matters.
    const bool torchScriptModule = checkpoint.message().find("__torch__.") != std::string::npos;
    if (sniffTorchSave(path) == TorchSaveFormat::Unknown)
        return Status(StatusCode::CorruptData,
            "cannot read weights " + path
                + ": it is neither a TorchScript module (torch.jit.save) nor a torch.save file of a state dict "
                  "(torch.save(model.state_dict(), FILE), zip or legacy format); see docs/weights.md");
    return Status(checkpoint.code() == StatusCode::Unsupported ? StatusCode::Unsupported : StatusCode::CorruptData,
        "cannot read weights: " + checkpoint.message() + " (" + tried
            + (torchScriptModule ? "; as TorchScript: " + torchScriptWhy : "") + "); see docs/weights.md");
}

/// Which file tensor goes into which model tensor, checked before the model is touched.
struct Plan
{
    std::vector<std::pair<torch::Tensor, torch::Tensor>> assignments; ///< (model tensor, file tensor)
    std::set<std::string> used;
    std::map<std::pair<c10::ScalarType, c10::ScalarType>, int64_t> conversions; ///< (file dtype, model dtype)
};

Result<Plan> planAssignments(
    torch::nn::Module& model, const TensorMap& tensors, const std::string& path, const WeightsTarget& target)
{
    Plan result;
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
        if (found->second.scalar_type() != tensor.scalar_type())
            ++result.conversions[{ found->second.scalar_type(), tensor.scalar_type() }];
        result.assignments.emplace_back(tensor, found->second);
        result.used.insert(name);
        return Status::ok();
    };
    for (const auto& item : model.named_parameters(true))
        ES_RETURN_IF_ERROR(plan(item.key(), item.value()));
    for (const auto& item : model.named_buffers(true))
        ES_RETURN_IF_ERROR(plan(item.key(), item.value()));
    if (!missing.empty()) {
        std::string names;
        for (size_t i = 0; i < missing.size() && i < 3; ++i)
            names += (i ? ", " : "") + missing[i];
        return Status(StatusCode::CorruptData,
            "wrong weights in " + path + ": " + std::to_string(missing.size()) + " " + target.model
                + " tensors are missing (" + names + (missing.size() > 3 ? ", ..." : "") + "); the names must be "
                + target.names + ", see docs/weights.md");
    }
    return result;
}

/// Fills tensorsIgnored and the notes; returns the first few names of what was ignored.
std::vector<std::string> summarize(WeightsInfo& info, const FileTensors& file, const Plan& plan)
{
    std::vector<std::string> ignored = file.otherNames;
    for (const auto& [name, tensor] : file.tensors)
        if (!plan.used.count(name) && ignored.size() < 4)
            ignored.push_back(name);
    info.tensorsIgnored = int64_t(file.tensors.size()) - int64_t(plan.used.size()) + file.otherEntries;
    for (const auto& [types, count] : plan.conversions) {
        const bool mixedPrecision = types.first == c10::ScalarType::Half || types.first == c10::ScalarType::BFloat16;
        info.notes.push_back(std::to_string(count) + " " + dtypeText(types.first) + " tensors converted to "
            + dtypeText(types.second) + (mixedPrecision ? " (a mixed-precision checkpoint)" : ""));
    }
    return ignored;
}

/// What loadModuleWeights did, in WeightsInfo::description's words.
std::string describe(const WeightsInfo& info, const FileTensors& file, const std::vector<std::string>& ignored)
{
    std::ostringstream text;
    text << info.path << " (" << (info.kind == "torchscript" ? "TorchScript module" : "state dict");
    if (!file.where.empty())
        text << " under '" << file.where << "'";
    if (info.kind != "torchscript")
        text << ", " << info.format;
    text << ", " << info.tensorsLoaded << " tensors loaded";
    if (info.tensorsIgnored > 0) {
        text << ", " << info.tensorsIgnored << " entries ignored (";
        for (size_t i = 0; i < ignored.size(); ++i)
            text << (i ? ", " : "") << ignored[i];
        text << (int64_t(ignored.size()) < info.tensorsIgnored ? ", ...)" : ")");
    }
    for (const std::string& note : info.notes)
        text << "; " << note;
    text << ")";
    return text.str();
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

    ES_ASSIGN_OR_RETURN(FileTensors file, readWeightsFile(path));
    WeightsInfo result;
    result.path = path;
    result.kind = file.kind;
    result.format = file.format;

    // Check every tensor before touching the model, so that a bad file leaves it as it was.
    ES_ASSIGN_OR_RETURN(Plan plan, planAssignments(model, file.tensors, path, target));
    try {
        torch::NoGradGuard noGrad;
        for (auto& [tensor, source] : plan.assignments)
            tensor.copy_(source.to(tensor.dtype()));
    } catch (const std::exception& error) {
        return Status(StatusCode::CorruptData, "cannot use weights " + path + ": " + error.what());
    }
    result.tensorsLoaded = int64_t(plan.assignments.size());
    std::vector<std::string> ignored = summarize(result, file, plan);
    result.description = describe(result, file, ignored);
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
