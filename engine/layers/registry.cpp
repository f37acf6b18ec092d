// The one table of layer types a model spec may use. Adding an operation = one line here.
#include <cmath>
#include <functional>
#include <map>

#include "layers/activation.h"
#include "layers/add.h"
#include "layers/attributes.h"
#include "layers/avgpool2d.h"
#include "layers/batchnorm2d.h"
#include "layers/channel_shuffle.h"
#include "layers/channel_slice.h"
#include "layers/concat.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/dropout.h"
#include "layers/flatten.h"
#include "layers/global_avgpool.h"
#include "layers/log_softmax.h"
#include "layers/maxpool2d.h"
#include "layers/mul.h"
#include "layers/pad.h"
#include "layers/softmax.h"

namespace vkcnn {
namespace {

using Factory = std::function<std::unique_ptr<Layer>(const Attributes&, const std::string& name)>;

std::unique_ptr<Layer> make_activation(const Attributes& a, const std::string& name, Activation kind) {
  ActivationParams p;
  if (kind == Activation::Clamp) {  // PyTorch's torch.clamp(x, min, max): either bound optional
    p = {a.real("min", -INFINITY), a.real("max", INFINITY)};
    if (!(p.a <= p.b))
      throw a.error("clamp: \"min\" " + std::to_string(p.a) + " is above \"max\" " + std::to_string(p.b));
  }
  // ONNX's HardSigmoid(alpha, beta), PyTorch's by default (real() refuses what is not finite).
  if (kind == Activation::HardSigmoid) p = {a.real("alpha", kHardSigmoidAlpha), a.real("beta", kHardSigmoidBeta)};
  return std::make_unique<ActivationLayer>(name, kind, a.real("negative_slope", 0.01), p);
}

const std::map<std::string, Factory, std::less<>>& factories() {
  static const std::map<std::string, Factory, std::less<>> table = [] {
    std::map<std::string, Factory, std::less<>> t = {
        {"conv2d", make_conv2d},
        {"maxpool2d", MaxPool2dLayer::create},
        {"avgpool2d", AvgPool2dLayer::create},
        {"global_avgpool",
         [](const Attributes&, const std::string& n) -> std::unique_ptr<Layer> {
           return std::make_unique<GlobalAvgPoolLayer>(n);
         }},
        {"add", AddLayer::create},
        {"mul", MulLayer::create},
        {"concat", ConcatLayer::create},
        {"pad", PadLayer::create},
        {"channel_shuffle", ChannelShuffleLayer::create},
        {"channel_slice", ChannelSliceLayer::create},
        {"flatten",
         [](const Attributes&, const std::string& n) -> std::unique_ptr<Layer> {
           return std::make_unique<FlattenLayer>(n);
         }},
        {"dropout", DropoutLayer::create},
        {"dense",
         [](const Attributes& a, const std::string& n) -> std::unique_ptr<Layer> {
           return std::make_unique<DenseLayer>(n, a.uint("out_features"), a.flag("bias", true));
         }},
        {"softmax",
         [](const Attributes& a, const std::string& n) -> std::unique_ptr<Layer> {
           if (a.uint("dim", 1) != 1) throw a.error("softmax is over the channels: \"dim\" must be 1");
           return std::make_unique<SoftmaxLayer>(n);
         }},
        {"log_softmax",
         [](const Attributes& a, const std::string& n) -> std::unique_ptr<Layer> {
           if (a.uint("dim", 1) != 1) throw a.error("log_softmax is over the channels: \"dim\" must be 1");
           return std::make_unique<LogSoftmaxLayer>(n);
         }},
        {"batchnorm2d",
         [](const Attributes& a, const std::string& n) -> std::unique_ptr<Layer> {
           return std::make_unique<BatchNorm2dLayer>(n, a.real("eps", 1e-5), a.real("momentum", 0.1));
         }},
    };
    // One entry per function of engine/include/vkcnn/layers/activations.def.
    for (Activation kind : activation_kinds())
      t.emplace(std::string(activation_type(kind)),
                [kind](const Attributes& a, const std::string& n) { return make_activation(a, n, kind); });
    return t;
  }();
  return table;
}

std::string known_types() {
  std::string out;
  for (const auto& [type, _] : factories()) out += (out.empty() ? "" : ", ") + type;
  return out;
}

}  // namespace

std::unique_ptr<Layer> make_layer(const nlohmann::json& spec, const std::string& name) {
  if (!spec.is_object() || !spec.contains("type") || !spec.at("type").is_string())
    throw Error("layer '" + name + "': every layer needs a \"type\" string");
  const std::string type = spec.at("type").get<std::string>();
  auto it = factories().find(type);
  if (it == factories().end())
    throw Error("layer '" + name + "': unknown layer type \"" + type + "\" (known: " + known_types() + ")");
  return it->second(Attributes(spec, name), name);
}

}  // namespace vkcnn
