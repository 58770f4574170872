// SPDX-License-Identifier: Apache-2.0
#include "zoo/model_zoo.h"

#include "runtime/torch_support.h"
#include "ssd/postprocess.h"
#include "ssd/ssd300.h"
#include "zoo/dense_models.h"
#include "zoo/yolo_tiny.h"

#include <algorithm>
#include <sstream>

namespace es::engine {

namespace nn = torch::nn;

const std::vector<ModelInfo>& benchModels()
{
    static const std::vector<ModelInfo> models = {
        { "ssd300", "SSD300 (ResNet-50)", "detection", 300, 300, 22894902,
            "Liu et al. 2016; NVIDIA DeepLearningExamples SSD300 v1.1", "NVIDIA's SSD300 v1.1", { "ssd" } },
        { "yolov3-tiny", "YOLOv3-tiny", "detection", 416, 416, 8852366,
            "Redmon and Farhadi 2018; darknet yolov3-tiny.cfg",
            "Ultralytics' Darknet module_list (or darknet .weights)", { "yolo", "tiny-yolo", "yolov3tiny" } },
        { "resnet50", "ResNet-50", "classification", 224, 224, 25557032, "He et al. 2016; torchvision resnet50",
            "torchvision's resnet50", { "resnet" } },
        { "mobilenetv2", "MobileNetV2", "classification", 224, 224, 3504872,
            "Sandler et al. 2018; torchvision mobilenet_v2", "torchvision's mobilenet_v2",
            { "mobilenet", "mobilenet_v2" } },
        { "deeplabv3-mobilenetv2", "DeepLabV3 (MobileNetV2)", "segmentation", 257, 257, 5113877,
            "Chen et al. 2017, output stride 16; VainF/DeepLabV3Plus-Pytorch deeplabv3_mobilenet",
            "VainF/DeepLabV3Plus-Pytorch's deeplabv3_mobilenet", { "deeplab", "deeplabv3", "segmentation" } },
        { "pose-resnet50", "SimpleBaseline pose (ResNet-50)", "pose", 256, 192, 33999697,
            "Xiao et al. 2018; microsoft/human-pose-estimation.pytorch pose_resnet_50 (34.0 M)",
            "microsoft/human-pose-estimation.pytorch's pose_resnet", { "pose", "simplebaseline", "pose-resnet" } },
    };
    return models;
}

namespace {

std::vector<std::string> splitList(const std::string& text)
{
    std::vector<std::string> items;
    std::stringstream stream(text);
    for (std::string item; std::getline(stream, item, ',');) {
        item.erase(0, item.find_first_not_of(" \t"));
        item.erase(item.find_last_not_of(" \t") + 1);
        std::transform(item.begin(), item.end(), item.begin(), [](unsigned char c) { return char(std::tolower(c)); });
        if (!item.empty())
            items.push_back(item);
    }
    return items;
}

template<typename T> void appendOnce(std::vector<T>& list, const T& value)
{
    if (std::find(list.begin(), list.end(), value) == list.end())
        list.push_back(value);
}

} // namespace

Result<std::vector<std::string>> parseModelList(const std::string& text)
{
    std::vector<std::string> ids;
    const std::vector<std::string> items = splitList(text);
    if (items.empty())
        return Status::invalidOption("models", "the model list is empty (all, or a comma list such as resnet50,yolo)");
    for (const std::string& item : items) {
        if (item == "all") {
            for (const ModelInfo& model : benchModels())
                appendOnce(ids, model.id);
            continue;
        }
        const ModelInfo* found = nullptr;
        for (const ModelInfo& model : benchModels())
            if (model.id == item || std::find(model.aliases.begin(), model.aliases.end(), item) != model.aliases.end())
                found = &model;
        if (!found) {
            std::string known;
            for (const ModelInfo& model : benchModels())
                known += (known.empty() ? "" : ", ") + model.id;
            return Status::invalidOption("models", "model '" + item + "' is not in the zoo (all, " + known + ")");
        }
        appendOnce(ids, found->id);
    }
    return ids;
}

Result<std::vector<std::string>> parsePrecisionList(const std::string& text)
{
    std::vector<std::string> precisions;
    const std::vector<std::string> items = splitList(text);
    if (items.empty())
        return Status::invalidOption("precisions", "the precision list is empty (fp32, fp16, bf16 or auto)");
    for (const std::string& item : items) {
        if (item != "fp32" && item != "fp16" && item != "bf16" && item != "auto")
            return Status::invalidOption(
                "precisions", "precision '" + item + "' is unknown (fp32, fp16, bf16 or auto)");
        appendOnce(precisions, item);
    }
    return precisions;
}

ZooModel::ZooModel(ModelInfo info, std::shared_ptr<torch::nn::Module> module, Forward forward, WeightsLoader loader,
    std::function<void(uint64_t)> seededInit)
    : m_info(std::move(info))
    , m_module(std::move(module))
    , m_forward(std::move(forward))
    , m_loader(std::move(loader))
    , m_seededInit(std::move(seededInit))
{
    if (m_info.id == "ssd300")
        m_defaultBoxes = defaultBoxesXywh();
}

TaskOutputs ZooModel::interpret(const std::vector<torch::Tensor>& outputs) const
{
    TaskOutputs result;
    if (m_info.task == "classification") {
        result.classes = outputs.at(0).to(torch::kFloat32).argmax(1).cpu();
    } else if (m_info.task == "segmentation") {
        result.masks = outputs.at(0).to(torch::kFloat32).argmax(1).cpu();
    } else if (m_info.task == "pose") {
        const torch::Tensor heatmaps = outputs.at(0).to(torch::kFloat32).cpu();
        const int64_t height = heatmaps.size(2), width = heatmaps.size(3);
        const torch::Tensor peak = heatmaps.flatten(2).argmax(2); // N x K
        const torch::Tensor x = (peak % width).to(torch::kFloat32) * (double(m_info.inputWidth) / double(width));
        const torch::Tensor y
            = floorDivide(peak, width).to(torch::kFloat32) * (double(m_info.inputHeight) / double(height));
        result.keypoints = torch::stack({ x, y }, -1);
    } else if (m_info.id == "yolov3-tiny") {
        auto [boxes, scores] = decodeYolo(outputs, YoloV3TinyImpl::kInputSize);
        result.detections = yoloPostprocess(boxes, scores);
    } else {
        const torch::Tensor locations = outputs.at(0).to(torch::kFloat32);
        const torch::Tensor logits = outputs.at(1).to(torch::kFloat32);
        result.detections
            = vectorizedPostprocess(locations, logits, m_defaultBoxes.to(locations.device()), PostprocessConfig {});
    }
    return result;
}

void initializeTorchvisionStyle(torch::nn::Module& module, uint64_t seed)
{
    torch::NoGradGuard noGrad;
    torch::manual_seed(seed);
    for (auto& child : module.modules(/*include_self=*/false)) {
        if (auto* conv = child->as<nn::Conv2d>()) {
            nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
            if (conv->bias.defined())
                nn::init::zeros_(conv->bias);
        } else if (auto* deconv = child->as<nn::ConvTranspose2d>()) {
            nn::init::normal_(deconv->weight, 0.0, 0.001); // SimpleBaseline's deconvolution init
        } else if (auto* norm = child->as<nn::BatchNorm2d>()) {
            nn::init::ones_(norm->weight);
            nn::init::zeros_(norm->bias);
        } else if (auto* linear = child->as<nn::Linear>()) {
            nn::init::normal_(linear->weight, 0.0, 0.01);
            nn::init::zeros_(linear->bias);
        }
    }
}

namespace {

template<typename Holder> ZooModel::WeightsLoader moduleLoader(Holder model, const ModelInfo& info, std::string shape)
{
    const WeightsTarget target { info.name, info.name + " (" + shape + ")", info.weightNames + " names",
        "export " + info.name + " from its public pretrained source",
        "export " + info.name + " as docs/weights.md shows" };
    return [model, target](const std::string& path) mutable { return loadModuleWeights(*model, path, target); };
}

/// The forward of a model with one output tensor.
template<typename Holder> ZooModel::Forward singleOutput(Holder model)
{
    return [model](const torch::Tensor& x) mutable { return std::vector<torch::Tensor> { model->forward(x) }; };
}

template<typename Holder> std::function<void(uint64_t)> torchvisionInit(Holder model)
{
    return [model](uint64_t seed) mutable { initializeTorchvisionStyle(*model, seed); };
}

} // namespace

Result<std::unique_ptr<ZooModel>> createZooModel(const std::string& id)
{
    auto found = std::find_if(
        benchModels().begin(), benchModels().end(), [&](const ModelInfo& model) { return model.id == id; });
    if (found == benchModels().end())
        return Status(StatusCode::InvalidArgument, "no model '" + id + "' in the zoo");
    const ModelInfo& info = *found;
    std::unique_ptr<ZooModel> zoo;
    try {
        if (id == "ssd300") {
            Ssd300 model;
            zoo = std::make_unique<ZooModel>(
                info, model.ptr(),
                [model](const torch::Tensor& x) mutable {
                    auto [locations, logits] = model->forward(x);
                    return std::vector<torch::Tensor> { locations, logits };
                },
                [model](const std::string& path) mutable { return loadWeights(model, path); },
                [model](uint64_t seed) mutable { model->initializeSeeded(seed); });
        } else if (id == "yolov3-tiny") {
            YoloV3Tiny model;
            const WeightsTarget target { info.name, "YOLOv3-tiny (80 COCO classes, yolov3-tiny.cfg)",
                info.weightNames + " names", "use darknet's yolov3-tiny.weights",
                "use darknet's yolov3-tiny.weights or a state dict of the 80-class model" };
            zoo = std::make_unique<ZooModel>(
                info, model.ptr(), [model](const torch::Tensor& x) mutable { return model->forward(x); },
                [model, target](const std::string& path) mutable -> Result<WeightsInfo> {
                    if (path.size() > 8 && path.compare(path.size() - 8, 8, ".weights") == 0) {
                        ES_ASSIGN_OR_RETURN(const int64_t loaded, loadDarknetWeights(model, path));
                        WeightsInfo weights;
                        weights.kind = "darknet";
                        weights.path = path;
                        weights.tensorsLoaded = loaded;
                        weights.description
                            = path + " (darknet weights, " + std::to_string(loaded) + " tensors loaded)";
                        return weights;
                    }
                    return loadModuleWeights(*model, path, target);
                },
                torchvisionInit(model));
        } else if (id == "resnet50") {
            ResNet50 model;
            zoo = std::make_unique<ZooModel>(info, model.ptr(), singleOutput(model),
                moduleLoader(model, info, "1000 ImageNet classes"), torchvisionInit(model));
        } else if (id == "mobilenetv2") {
            MobileNetV2 model;
            zoo = std::make_unique<ZooModel>(info, model.ptr(), singleOutput(model),
                moduleLoader(model, info, "1000 ImageNet classes"), torchvisionInit(model));
        } else if (id == "deeplabv3-mobilenetv2") {
            DeepLabV3MobileNet model;
            zoo = std::make_unique<ZooModel>(info, model.ptr(), singleOutput(model),
                moduleLoader(model, info, "21 VOC classes, output stride 16"), torchvisionInit(model));
        } else {
            PoseResNet model;
            zoo = std::make_unique<ZooModel>(info, model.ptr(), singleOutput(model),
                moduleLoader(model, info, "17 COCO keypoints"), torchvisionInit(model));
        }
        zoo->initializeSeeded(1);
        zoo->module().eval();
    } catch (const std::exception& error) {
        return Status(StatusCode::Internal, "cannot build " + info.name + ": " + error.what());
    }
    return zoo;
}

torch::Tensor modelInput(const ModelInfo& info, const std::vector<const Frame*>& frames)
{
    std::vector<torch::Tensor> images;
    for (const Frame* frame : frames)
        images.push_back(torch::from_blob(
            const_cast<uint8_t*>(frame->rgb.data()), { frame->height, frame->width, 3 }, torch::kUInt8));
    torch::Tensor x = torch::stack(images).permute({ 0, 3, 1, 2 }).to(torch::kFloat32).div(255.0);
    x = torch::nn::functional::interpolate(x,
        torch::nn::functional::InterpolateFuncOptions()
            .size(std::vector<int64_t> { info.inputHeight, info.inputWidth })
            .mode(torch::kBilinear)
            .align_corners(false));
    if (info.id == "ssd300")
        return (x * 2.0 - 1.0).contiguous();
    if (info.id == "yolov3-tiny")
        return x.contiguous();
    const torch::Tensor mean = torch::tensor({ 0.485f, 0.456f, 0.406f }).view({ 1, 3, 1, 1 });
    const torch::Tensor std = torch::tensor({ 0.229f, 0.224f, 0.225f }).view({ 1, 3, 1, 1 });
    return ((x - mean) / std).contiguous();
}

void calibrateBatchNorm(ZooModel& model, const torch::Tensor& images)
{
    torch::NoGradGuard noGrad;
    using Momentum = std::decay_t<decltype(std::declval<nn::BatchNormOptions>().momentum())>;
    std::vector<std::pair<nn::BatchNorm2dImpl*, Momentum>> norms;
    for (auto& child : model.module().modules(/*include_self=*/false)) {
        if (auto* norm = child->as<nn::BatchNorm2d>()) {
            norms.emplace_back(norm, norm->options.momentum());
            norm->options.momentum(1.0);
            norm->train(true);
        }
    }
    model.forward(images);
    for (auto& [norm, momentum] : norms) {
        norm->options.momentum(momentum);
        norm->train(false);
    }
}

} // namespace es::engine
