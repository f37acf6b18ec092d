#include <cmath>
#include <span>

#include <vkcnn/model/graph.h>
#include <vkcnn/model/json_text.h>
#include <vkcnn/model/model_file.h>
#include <vkcnn/vk/check.h>

#include "model/safetensors.h"

namespace vkcnn {
namespace {

constexpr const char* kSpecKey = "vkcnn.model";

using DimsByName = std::map<std::string, std::vector<int64_t>>;

// PyTorch's BatchNorm2d keeps a step counter in its state_dict. It plays no part in inference
// or in our training, so a state_dict saved straight from PyTorch loads with it ignored.
bool is_pytorch_bookkeeping(const std::string& name, const ModelSpec& spec) {
  const std::string suffix = ".num_batches_tracked";
  if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return false;
  const std::string layer = name.substr(0, name.size() - suffix.size());
  for (const LayerSpec& l : spec.layers)
    if (l.name == layer && l.type == "batchnorm2d") return true;
  return false;
}

std::string owner(const Graph& graph, const ParamEntry& p) {
  const Layer& layer = *graph.nodes()[p.node].layer;
  return std::string(layer.type()) + " '" + layer.name() + "'";
}

// `found` must hold exactly the parameters the architecture implies, each with its exact dims.
void check_tensor_set(const Graph& graph, const DimsByName& found, const std::string& origin) {
  std::vector<const ParamEntry*> missing;
  for (const ParamEntry& p : graph.params()) {
    auto it = found.find(p.name);
    if (it == found.end()) {
      missing.push_back(&p);
    } else if (it->second != p.dims) {
      throw Error(origin + ": tensor '" + p.name + "' has shape " + safetensors::shape_str(it->second) + ", but " +
                  owner(graph, p) + " needs " + safetensors::shape_str(p.dims));
    }
  }
  if (!missing.empty()) {
    const ParamEntry& p = *missing.front();
    std::string more = missing.size() > 1 ? " and " + std::to_string(missing.size() - 1) + " more" : "";
    throw Error(origin + ": missing tensor '" + p.name + "' (" + owner(graph, p) + " needs " +
                safetensors::shape_str(p.dims) + ")" + more);
  }
  for (const auto& [name, dims] : found) {
    bool expected = false;
    for (const ParamEntry& p : graph.params()) expected = expected || p.name == name;
    if (!expected)
      throw Error(origin + ": unexpected tensor '" + excerpt(name) +
                  "': the architecture has no parameter of that name");
  }
}

// Values that load fine but make every output NaN: the model would report nothing, silently.
void check_values(const ParamEntry& p, const std::vector<float>& values, const std::string& origin) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    const float v = values[i];
    if (!std::isfinite(v))
      throw Error(origin + ": tensor '" + p.name + "' holds " + (std::isnan(v) ? "NaN" : "an infinite value") +
                  " at index " + std::to_string(i) + " (of " + std::to_string(values.size()) + ")");
    if (p.non_negative && v < 0)
      throw Error(origin + ": tensor '" + p.name + "' holds the negative value " + std::to_string(v) + " at index " +
                  std::to_string(i) + "; a variance cannot be negative");
  }
}

}  // namespace

void check_weight_values(const Graph& graph, const Weights& weights, const std::string& origin) {
  for (const ParamEntry& p : graph.params()) {
    auto it = weights.find(p.name);
    if (it != weights.end()) check_values(p, it->second.values, origin);
  }
}

namespace {

ModelFile model_from(const safetensors::File& file, const std::string& path) {
  if (!file.metadata)
    throw Error(path +
                ": no __metadata__ in the header: a safetensors file, but not a vkcnn model "
                "(the architecture belongs in __metadata__[\"vkcnn.model\"])");
  auto spec_text = file.metadata->find(kSpecKey);
  if (spec_text == file.metadata->end())
    throw Error(path + ": __metadata__ has no \"vkcnn.model\" entry (the architecture JSON): not a vkcnn model");

  ModelFile out;
  out.spec = parse_model_spec(spec_text->second, path);
  const Graph graph(out.spec, path);  // unknown layer types, shape mismatches between layers

  DimsByName found;
  for (const auto& [name, t] : file.tensors)
    if (!is_pytorch_bookkeeping(name, out.spec)) found.emplace(name, t.shape);
  check_tensor_set(graph, found, path);

  for (const ParamEntry& p : graph.params())
    out.weights.emplace(p.name, HostParam{p.dims, safetensors::to_f32(file, p.name)});
  check_weight_values(graph, out.weights, path);
  return out;
}

}  // namespace

ModelFile read_model_file(const std::string& path) { return model_from(safetensors::read_file(path), path); }

ModelFile parse_model_file(std::span<const std::byte> bytes, const std::string& origin) {
  return model_from(safetensors::parse(bytes, origin), origin);
}

void write_model_file(const std::string& path, const ModelSpec& spec, const Weights& weights) {
  // Everything read_model_file would reject is refused here, before the disk is touched.
  const Graph graph(spec, path);
  DimsByName found;
  for (const auto& [name, param] : weights) {
    auto count = safetensors::element_count(param.dims);
    if (!count || *count != param.values.size())
      throw Error(path + ": tensor '" + name + "' holds " + std::to_string(param.values.size()) +
                  " values, which does not fit its shape " + safetensors::shape_str(param.dims));
    found.emplace(name, param.dims);
  }
  check_tensor_set(graph, found, path);

  std::map<std::string, safetensors::TensorRef> tensors;
  for (const auto& [name, param] : weights)
    tensors.emplace(name, safetensors::TensorRef{"F32", param.dims, std::as_bytes(std::span(param.values))});
  // "format": "pt" is what safetensors.torch writes, so Python tools treat the file as PyTorch's.
  safetensors::write_file(path, {{kSpecKey, to_json(spec).dump()}, {"format", "pt"}}, tensors);
}

}  // namespace vkcnn
