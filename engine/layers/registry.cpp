// The one table of layer types a model spec may use. Adding an operation = one line here.
#include <functional>
#include <map>

#include "layers/activation.h"
#include "layers/attributes.h"

namespace vkcnn {
namespace {

using Factory = std::function<std::unique_ptr<Layer>(const Attributes&, const std::string& name)>;

std::unique_ptr<Layer> make_activation(const Attributes& a, const std::string& name, Activation kind) {
  return std::make_unique<ActivationLayer>(name, kind, a.real("negative_slope", 0.01));
}

const std::map<std::string, Factory, std::less<>>& factories() {
  static const std::map<std::string, Factory, std::less<>> table = {
      {"relu", [](const Attributes& a, const std::string& n) { return make_activation(a, n, Activation::Relu); }},
      {"relu6", [](const Attributes& a, const std::string& n) { return make_activation(a, n, Activation::Relu6); }},
      {"leaky_relu", [](const Attributes& a, const std::string& n) { return make_activation(a, n, Activation::LeakyRelu); }},
      {"sigmoid", [](const Attributes& a, const std::string& n) { return make_activation(a, n, Activation::Sigmoid); }},
  };
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
