// GraphTranslator's frame: constants, inferred shapes, the walk over the nodes and how a
// node's plan becomes a layer of the spec. The ops themselves are in onnx_ops.cpp.
#include <functional>

#include <vkcnn/vk/check.h>

#include "onnx_attributes.h"
#include "onnx_ops.h"
#include "onnx_tensors.h"

namespace vkcnn::onnx_import {
namespace {

Dims dims_of(const onnx::ValueInfoProto& v) {
  Dims d;
  if (!v.type().has_tensor_type() || !v.type().tensor_type().has_shape()) return d;
  for (const auto& dim : v.type().tensor_type().shape().dim()) d.push_back(dim.has_dim_value() ? dim.dim_value() : -1);
  return d;
}

// Layer names end up in tensor names, messages and metadata; the spec allows 256 bytes.
std::string bounded(std::string s) { return s.size() > 200 ? s.substr(s.size() - 200) : s; }

}  // namespace

GraphTranslator::GraphTranslator(const onnx::ModelProto& model, const std::string& image) : model_(model) {
  for (const auto& o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") opset_ = o.version();
  const auto& g = model.graph();
  for (const auto& t : g.initializer()) add_constant(t);
  for (const auto& v : g.input()) dims_[v.name()] = dims_of(v);
  for (const auto& v : g.value_info()) dims_[v.name()] = dims_of(v);
  for (const auto& v : g.output()) dims_[v.name()] = dims_of(v);
  producers_[image] = "input";
}

std::optional<std::string> GraphTranslator::producer(const std::string& name) const {
  auto it = producers_.find(name);
  return it == producers_.end() ? std::nullopt : std::optional(it->second);
}

const Dims* GraphTranslator::dims(const std::string& name) const {
  auto it = dims_.find(name);
  return it == dims_.end() ? nullptr : &it->second;
}

std::string GraphTranslator::node_name(const onnx::NodeProto& node) const {
  return node.name().empty() ? node.op_type() + " -> " + (node.output_size() ? node.output(0) : "?") : node.name();
}

void GraphTranslator::unsupported(const onnx::NodeProto& node, const std::string& what) {
  problems_.push_back("node '" + node_name(node) + "' (" + node.op_type() + "): " + what);
  problem_ops_.insert(node.op_type());
  for (const auto& o : node.output()) poisoned_.insert(o);
}

const HostParam* GraphTranslator::constant_input(const onnx::NodeProto& node, int index, const char* role) {
  if (index >= node.input_size() || node.input(index).empty()) {
    unsupported(node, std::string("has no ") + role);
    return nullptr;
  }
  auto it = constants_.find(node.input(index));
  if (it == constants_.end()) {
    unsupported(node, std::string(role) + " '" + node.input(index) +
                          "' is computed by the graph; vkcnn needs it as an initializer (a constant)");
    return nullptr;
  }
  return &it->second;
}

const Dims* GraphTranslator::image_input(const onnx::NodeProto& node, int index) {
  const std::string& name = node.input(index);
  if (is_constant(name)) {
    unsupported(node, "input '" + name + "' is a constant; vkcnn runs this op only on values computed from the image");
    return nullptr;
  }
  const Dims* d = dims(name);
  if (!d || d->size() != 4) {
    unsupported(node, "input '" + name + "' must be a 4-D (N, C, H, W) tensor, shape inference found " +
                          (d ? list_text(*d) : std::string("no shape")));
    return nullptr;
  }
  for (std::size_t i = 1; i < 4; ++i)
    if ((*d)[i] < 1) {
      unsupported(
          node, "input '" + name + "' has a symbolic or zero C, H or W " + list_text(*d) + "; vkcnn needs them fixed");
      return nullptr;
    }
  return d;
}

// PyTorch's state_dict names end in ".weight", ".bias", ...: the layer takes the prefix so that
// its tensors keep their ONNX names. Otherwise (folded or anonymous weights) the node's name.
std::string GraphTranslator::layer_name(const onnx::NodeProto& node, const std::string& weight, const char* suffix) {
  const std::string tail = std::string(".") + suffix;
  std::string base = weight.size() > tail.size() && weight.ends_with(tail)
                         ? weight.substr(0, weight.size() - tail.size())
                         : bounded(node_name(node));
  std::string name = base;
  for (int i = 2; layer_names_.count(name); ++i) name = base + "_" + std::to_string(i);
  return name;
}

void GraphTranslator::constant(const onnx::NodeProto& node) {
  const auto* value = find_attribute(node, "value");
  if (!value || !value->has_t()) {
    unsupported(node, "only a Constant with a \"value\" tensor is read");
    return;
  }
  onnx::TensorProto t = value->t();
  t.set_name(node.output(0));
  add_constant(t);
}

bool GraphTranslator::copy_constant(const std::string& from, const std::string& to) {
  if (auto f = constants_.find(from); f != constants_.end()) {
    constants_[to] = f->second;
    return true;
  }
  if (auto i = int_constants_.find(from); i != int_constants_.end()) {
    int_constants_[to] = i->second;
    return true;
  }
  return false;
}

void GraphTranslator::add_constant(const onnx::TensorProto& t) {
  try {
    if (is_integer(t))
      int_constants_[t.name()] = int_tensor(t);
    else
      constants_[t.name()] = float_tensor(t);
  } catch (const Error& e) {
    problems_.push_back(std::string("initializer ") + e.what());
  }
}

std::optional<LayerPlan> GraphTranslator::plan(const onnx::NodeProto& node, std::size_t index) {
  const std::string& op = node.op_type();
  if (!node.domain().empty() && node.domain() != "ai.onnx") {
    unsupported(node, "operator domain '" + node.domain() + "' is not supported (only the standard ONNX ops)");
    return std::nullopt;
  }
  if (op == "Conv") return conv(node);
  if (op == "BatchNormalization") return batch_norm(node);
  if (op == "Relu" || op == "LeakyRelu" || op == "Sigmoid" || op == "Tanh" || op == "HardSigmoid" || op == "HardSwish")
    return activation(node);
  if (op == "Mul") return mul(node);
  if (op == "Concat") return concat(node);
  if (op == "Clip") return clip(node);
  if (op == "MaxPool" || op == "AveragePool") return pool(node);
  if (op == "GlobalAveragePool" || op == "ReduceMean") return global_pool(node);
  if (op == "Gemm") return gemm(node);
  if (op == "MatMul") return matmul(node, index);
  if (op == "Add") return add(node);
  if (op == "Flatten") return flatten(node);
  if (op == "Reshape") return reshape(node);
  if (op == "Transpose") return transpose(node);
  if (op == "Pad") return pad(node);
  if (op == "Slice") return slice(node);
  if (op == "Split") {
    split(node);
    return std::nullopt;
  }
  if (op == "Softmax" || op == "LogSoftmax") return softmax(node);
  if ((op == "Dropout" || op == "Identity") && node.input_size() > 0 && copy_constant(node.input(0), node.output(0)))
    return std::nullopt;  // PyTorch's exports alias shared weights through Identity
  if (op == "Dropout" || op == "Identity") return alias(node);
  if (op == "Constant") {
    constant(node);
    return std::nullopt;
  }
  if (op == "Shape") {
    unsupported(node,
                "a shape computed at run time that vkcnn-import could not fold into a constant (it is read "
                "as data, or it depends on the batch where a Reshape cannot copy it)");
    return std::nullopt;
  }
  unsupported(node, "operator " + op + " has no vkcnn layer");
  return std::nullopt;
}

void GraphTranslator::apply(const onnx::NodeProto& node, LayerPlan plan, const std::string& output) {
  std::vector<std::string> layers;
  for (const std::string& in : plan.inputs) {
    if (poisoned_.count(in)) {  // already reported where it started
      for (const auto& o : node.output()) poisoned_.insert(o);
      return;
    }
    auto p = producer(in);
    if (!p && shuffle_views_.count(in)) {
      unsupported(node,
                  "input '" + in +
                      "' is a 5-D view of a channel shuffle; vkcnn reads it only through Transpose (0, 2, 1, 3, 4) "
                      "and a Reshape back to (N, C, H, W)");
      return;
    }
    if (!p) {
      unsupported(node, "input '" + in + "' is not computed from the image");
      return;
    }
    layers.push_back(*p);
  }
  if (plan.type.empty()) {
    producers_[output] = layers.at(0);
    return;
  }
  LayerSpec spec;
  spec.type = plan.type;
  spec.name = plan.name.empty() ? layer_name(node, "", "") : plan.name;
  layer_names_.insert(spec.name);
  // A layer that reads the previous one (or the image, first) needs no "inputs".
  const std::string previous = layers_.empty() ? "input" : layers_.back().name;
  if (!(layers.size() == 1 && layers[0] == previous)) spec.inputs = layers;
  spec.attributes = plan.attributes;
  spec.attributes["type"] = spec.type;
  spec.attributes["name"] = spec.name;
  if (!spec.inputs.empty()) spec.attributes["inputs"] = spec.inputs;
  for (auto& [suffix, value] : plan.params) weights_[spec.name + "." + suffix] = std::move(value);
  layers_.push_back(std::move(spec));
  producers_[output] = layers_.back().name;
  if (!plan.also_computes.empty()) producers_[plan.also_computes] = layers_.back().name;
}

void GraphTranslator::translate() {
  const auto& nodes = model_.graph().node();
  for (int i = 0; i < nodes.size(); ++i) {
    const auto& node = nodes[i];
    if (absorbed_.count(node.output(0))) continue;
    auto p = plan(node, static_cast<std::size_t>(i));
    if (p) apply(node, std::move(*p), node.output(0));
  }
}

}  // namespace vkcnn::onnx_import
