#include <cmath>
#include <map>
#include <optional>

#include <vkcnn/model/model.h>
#include <vkcnn/model/model_file.h>

#include "layers/activation.h"
#include "layers/maxpool2d.h"

namespace vkcnn {
namespace {

// The inference-time rewrite of a spec: which layers disappear into which.
struct Rewrite {
  ModelSpec spec;
  Weights weights;
  std::map<std::string, std::pair<Activation, float>> fused;  // conv/dense name -> activation
};

std::string param_key(const std::string& layer, const char* suffix) { return layer + "." + suffix; }

const HostParam& need(const Weights& w, const std::string& key, const std::string& origin) {
  auto it = w.find(key);
  if (it == w.end()) throw Error(origin + ": missing tensor \"" + key + "\"");
  return it->second;
}

// conv(x) then batchnorm == conv with weights scaled per output channel and a shifted bias.
void fold_batchnorm(Rewrite& r, LayerSpec& conv, const LayerSpec& bn, const std::string& origin) {
  const HostParam& gamma = need(r.weights, param_key(bn.name, "weight"), origin);
  const HostParam& beta = need(r.weights, param_key(bn.name, "bias"), origin);
  const HostParam& mean = need(r.weights, param_key(bn.name, "running_mean"), origin);
  const HostParam& var = need(r.weights, param_key(bn.name, "running_var"), origin);
  double eps = bn.attributes.value("eps", 1e-5);
  HostParam& w = r.weights.at(param_key(conv.name, "weight"));
  std::size_t out = gamma.values.size();
  std::size_t per_out = w.values.size() / out;
  bool had_bias = conv.attributes.value("bias", true);
  HostParam bias{{static_cast<int64_t>(out)}, std::vector<float>(out, 0.f)};
  if (had_bias) bias = r.weights.at(param_key(conv.name, "bias"));
  for (std::size_t o = 0; o < out; ++o) {
    double scale = gamma.values[o] / std::sqrt(static_cast<double>(var.values[o]) + eps);
    for (std::size_t k = 0; k < per_out; ++k)
      w.values[o * per_out + k] = static_cast<float>(w.values[o * per_out + k] * scale);
    bias.values[o] = static_cast<float>((bias.values[o] - mean.values[o]) * scale + beta.values[o]);
  }
  r.weights[param_key(conv.name, "bias")] = std::move(bias);
  conv.attributes["bias"] = true;
}

// Whether an epilogue, which knows the kind and the slope only, computes this activation: not a
// hard_sigmoid with its own alpha or beta (the epilogue's is PyTorch's).
bool epilogue_computes(const LayerSpec& activation) {
  if (activation.type != "hard_sigmoid") return true;
  return activation.attributes.value("alpha", kHardSigmoidAlpha) == kHardSigmoidAlpha &&
         activation.attributes.value("beta", kHardSigmoidBeta) == kHardSigmoidBeta;
}

// Whether the producer can apply the activation in its own epilogue (conv2d, dense, add).
bool can_fuse(const LayerSpec& producer, Activation kind, float slope) {
  try {
    return make_layer(producer.attributes, producer.name)->fuse_activation(kind, slope);
  } catch (const Error&) {
    return false;
  }
}

// A max pool that a producer's epilogue computes: 2x2 windows, stride 2, nothing else.
bool fusable_max_pool(const LayerSpec& l) {
  if (l.type != "maxpool2d") return false;
  try {
    const std::unique_ptr<Layer> layer = make_layer(l.attributes, l.name);
    const auto* pool = dynamic_cast<const MaxPool2dLayer*>(layer.get());
    if (!pool) return false;
    const PoolGeometry& g = pool->geometry();
    const std::array<uint32_t, 2> two{2, 2}, zero{0, 0}, one{1, 1};
    return g.kernel == two && g.stride == two && g.padding == zero && g.dilation == one && !g.ceil_mode;
  } catch (const Error&) {
    return false;
  }
}

// Input channels of each layer, by name (from the graph of the spec as written).
std::map<std::string, uint32_t> input_channels(const Graph& graph) {
  std::map<std::string, uint32_t> out;
  for (const GraphNode& n : graph.nodes())
    if (!n.inputs.empty())
      out[n.layer->name()] = n.inputs[0] < 0 ? graph.input_shape(1).c : graph.nodes()[n.inputs[0]].output_shape.c;
  return out;
}

Rewrite rewrite_for_inference(const ModelSpec& spec, const Weights& weights, const Graph& graph,
                              const std::string& origin) {
  Rewrite r{spec, weights, {}};
  const std::map<std::string, uint32_t> channels = input_channels(graph);
  // Make every implicit "previous layer" input explicit, so that dropping layers keeps wiring.
  for (std::size_t i = 0; i < r.spec.layers.size(); ++i)
    if (r.spec.layers[i].inputs.empty()) r.spec.layers[i].inputs = {i == 0 ? "input" : r.spec.layers[i - 1].name};

  std::map<std::string, int> readers;
  for (const LayerSpec& l : r.spec.layers)
    for (const std::string& in : l.inputs) ++readers[in];

  std::vector<LayerSpec> kept;
  std::map<std::string, std::string> renamed;  // dropped layer -> the layer that now produces its output
  for (LayerSpec l : r.spec.layers) {
    for (std::string& in : l.inputs)
      if (auto it = renamed.find(in); it != renamed.end()) in = it->second;
    LayerSpec* producer = nullptr;
    if (l.inputs.size() == 1 && !kept.empty() && kept.back().name == l.inputs[0] && readers[l.inputs[0]] == 1 &&
        !kept.back().attributes.contains("max_pool_2x2"))
      producer = &kept.back();
    // A max pool after conv (+ batchnorm + activation: the pool comes last in the epilogue).
    // The attribute makes the graph's conv compute it, with the pooled output shape. Not the
    // model's last layer: what its output means is inferred from the last layer's type.
    const bool last = l.name == r.spec.layers.back().name;
    if (producer && producer->type == "conv2d" && !last && fusable_max_pool(l) && channels.count(producer->name)) {
      if (make_layer(producer->attributes, producer->name)->fuse_max_pool_2x2(channels.at(producer->name))) {
        producer->attributes["max_pool_2x2"] = true;
        renamed[l.name] = producer->name;
        readers[producer->name] = readers[l.name];
        continue;
      }
    }
    if (producer && r.fused.count(producer->name)) producer = nullptr;  // after its activation, only a pool joins

    if (producer && l.type == "batchnorm2d" && producer->type == "conv2d") {
      fold_batchnorm(r, *producer, l, origin);
      renamed[l.name] = producer->name;
      readers[producer->name] = readers[l.name];
      continue;
    }
    if (auto kind = activation_from_type(l.type); producer && kind && epilogue_computes(l)) {
      float slope = l.attributes.value("negative_slope", 0.01f);
      if (can_fuse(*producer, *kind, slope)) {
        r.fused[producer->name] = {*kind, slope};
        renamed[l.name] = producer->name;
        readers[producer->name] = readers[l.name];
        continue;
      }
    }
    kept.push_back(std::move(l));
  }
  r.spec.layers = std::move(kept);
  return r;
}

void check_weights(const Graph& graph, const Weights& weights, const std::string& origin) {
  for (const ParamEntry& p : graph.params()) {
    const HostParam& w = need(weights, p.name, origin);
    std::size_t count = graph.nodes()[p.node].params[p.index].count();
    if (w.values.size() != count)
      throw Error(origin + ": tensor \"" + p.name + "\" has " + std::to_string(w.values.size()) + " values, expected " +
                  std::to_string(count));
  }
}

}  // namespace

Model::Model(Context& ctx, const ModelSpec& spec, const Weights& weights, const std::string& origin)
    : ctx_(&ctx), spec_(spec), origin_(origin) {
  const Graph written(spec, origin);
  check_weights(written, weights, origin);
  Rewrite r = rewrite_for_inference(spec, weights, written, origin);
  graph_ = std::make_unique<Graph>(r.spec, origin);
  auto& nodes = graph_->nodes();
  for (std::size_t i = 0; i < nodes.size(); ++i)
    if (auto it = r.fused.find(nodes[i].layer->name()); it != r.fused.end())
      nodes[i].layer->fuse_activation(it->second.first, it->second.second);

  // Views point into param_tensors_, so reserve first: no reallocation may move them.
  param_tensors_.reserve(graph_->params().size());
  param_views_.resize(nodes.size());
  for (const ParamEntry& p : graph_->params()) {
    const HostParam& w = r.weights.at(p.name);
    Tensor& t = param_tensors_.emplace_back(ctx, Shape{static_cast<uint32_t>(w.values.size()), 1, 1, 1});
    t.upload(w.values);
    param_views_[p.node].push_back(t.view());
  }
}

std::unique_ptr<Model> Model::load(Context& ctx, const std::string& path) {
  ModelFile file = read_model_file(path);
  return std::make_unique<Model>(ctx, file.spec, file.weights, path);
}

}  // namespace vkcnn
