#include <span>

#include <vkcnn/model/graph.h>
#include <vkcnn/model/json_text.h>
#include <vkcnn/model/model_file.h>
#include <vkcnn/train/checkpoint.h>
#include <vkcnn/vk/check.h>

#include "model/safetensors.h"

namespace vkcnn {
namespace {
constexpr const char* kSpecKey = "vkcnn.model";
constexpr const char* kInfoKey = "vkcnn.checkpoint";
constexpr const char* kOptimizerPrefix = "optimizer.";
constexpr const char* kKeptPrefix = "kept.";
}  // namespace

void write_checkpoint(const std::string& path, const ModelSpec& spec, const TrainingState& state,
                      const nlohmann::json& info, const Weights& kept) {
  nlohmann::json meta = info.is_object() ? info : nlohmann::json::object();
  meta["step"] = state.step;
  std::map<std::string, safetensors::TensorRef> tensors;
  for (const auto& [name, p] : state.weights)
    tensors.emplace(name, safetensors::TensorRef{"F32", p.dims, std::as_bytes(std::span(p.values))});
  for (const auto& [name, p] : state.optimizer)
    tensors.emplace(kOptimizerPrefix + name, safetensors::TensorRef{"F32", p.dims, std::as_bytes(std::span(p.values))});
  for (const auto& [name, p] : kept)
    tensors.emplace(kKeptPrefix + name, safetensors::TensorRef{"F32", p.dims, std::as_bytes(std::span(p.values))});
  safetensors::write_file(path, {{kSpecKey, to_json(spec).dump()}, {kInfoKey, meta.dump()}}, tensors);
}

Checkpoint read_checkpoint(const std::string& path) {
  safetensors::File file = safetensors::read_file(path);
  auto meta = [&](const char* key) -> const std::string& {
    if (!file.metadata || !file.metadata->count(key))
      throw Error(path + ": not a vkcnn checkpoint (no __metadata__[\"" + key + "\"])");
    return file.metadata->at(key);
  };
  Checkpoint c;
  c.spec = parse_model_spec(meta(kSpecKey), path);
  c.info = parse_json(meta(kInfoKey), path, "checkpoint metadata");
  if (!c.info.is_object() || !c.info.contains("step") || !c.info.at("step").is_number_unsigned())
    throw Error(path + ": checkpoint metadata lacks a \"step\" count");
  c.state.step = c.info.at("step").get<uint64_t>();
  const std::string prefix = kOptimizerPrefix, kept = kKeptPrefix;
  for (const auto& [name, info] : file.tensors) {
    HostParam p{info.shape, safetensors::to_f32(file, name)};
    if (name.rfind(prefix, 0) == 0)
      c.state.optimizer.emplace(name.substr(prefix.size()), std::move(p));
    else if (name.rfind(kept, 0) == 0)
      c.kept.emplace(name.substr(kept.size()), std::move(p));
    else
      c.state.weights.emplace(name, std::move(p));
  }
  const Graph graph(c.spec, path);
  check_weight_values(graph, c.state.weights, path);
  if (!c.kept.empty()) check_weight_values(graph, c.kept, path + " (kept weights)");
  return c;
}

}  // namespace vkcnn
