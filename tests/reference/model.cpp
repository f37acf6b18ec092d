#include "reference/model.h"

#include <map>
#include <stdexcept>

#include "reference/activation.h"
#include "reference/add.h"
#include "reference/avgpool2d.h"
#include "reference/batchnorm2d.h"
#include "reference/channel_shuffle.h"
#include "reference/channel_slice.h"
#include "reference/concat.h"
#include "reference/conv2d.h"
#include "reference/dense.h"
#include "reference/global_avgpool.h"
#include "reference/log_softmax.h"
#include "reference/maxpool2d.h"
#include "reference/mul.h"
#include "reference/pad.h"
#include "reference/softmax.h"

namespace vkcnn::reference {
namespace {

struct Value {
  Shape shape;
  std::vector<double> data;
};

uint32_t get(const nlohmann::json& j, const char* key, uint32_t fallback) { return j.value(key, fallback); }

std::pair<uint32_t, uint32_t> pair(const nlohmann::json& j, const char* key, uint32_t fallback) {
  if (j.contains(key) && j.at(key).is_array()) return {j.at(key)[0].get<uint32_t>(), j.at(key)[1].get<uint32_t>()};
  uint32_t v = get(j, key, fallback);
  return {v, v};
}

std::vector<double> param(const Weights& w, const std::string& name) {
  const auto& p = w.at(name);
  return {p.values.begin(), p.values.end()};
}

Pool2dConfig pool_config(const nlohmann::json& a) {
  Pool2dConfig c;
  auto [kh, kw] = pair(a, "kernel", 1);
  auto [sh, sw] = a.contains("stride") ? pair(a, "stride", 1) : std::pair{kh, kw};
  auto [ph, pw] = pair(a, "padding", 0);
  auto [dh, dw] = pair(a, "dilation", 1);
  c.kh = kh, c.kw = kw, c.sh = sh, c.sw = sw, c.ph = ph, c.pw = pw, c.dh = dh, c.dw = dw;
  c.ceil_mode = a.value("ceil_mode", false);
  c.count_include_pad = a.value("count_include_pad", true);
  return c;
}

Value run_layer(const LayerSpec& l, const std::vector<const Value*>& in, const Weights& w) {
  const nlohmann::json& a = l.attributes;
  const Value& x = *in[0];
  const std::string& t = l.type;
  if (t == "conv2d") {
    Conv2dConfig c;
    c.out_channels = a.at("out_channels");
    std::tie(c.kh, c.kw) = pair(a, "kernel", 1);
    std::tie(c.sh, c.sw) = pair(a, "stride", 1);
    std::tie(c.ph, c.pw) = pair(a, "padding", 0);
    std::tie(c.dh, c.dw) = pair(a, "dilation", 1);
    c.groups = get(a, "groups", 1);
    std::vector<double> bias =
        a.value("bias", true) ? param(w, l.name + ".bias") : std::vector<double>(c.out_channels, 0.0);
    return {conv2d_output_shape(c, x.shape), conv2d_forward(c, x.shape, x.data, param(w, l.name + ".weight"), bias)};
  }
  if (t == "dense") {
    uint32_t m = a.at("out_features");
    uint32_t k = static_cast<uint32_t>(x.shape.per_image());
    std::vector<double> bias = a.value("bias", true) ? param(w, l.name + ".bias") : std::vector<double>(m, 0.0);
    return {Shape{x.shape.n, m, 1, 1}, dense_forward(x.shape.n, k, m, x.data, param(w, l.name + ".weight"), bias)};
  }
  if (t == "relu" || t == "relu6" || t == "leaky_relu" || t == "sigmoid" || t == "tanh" || t == "hard_sigmoid" ||
      t == "hard_swish" || t == "silu" || t == "clamp") {
    const bool hs = t == "hard_sigmoid";
    return {x.shape, activation_forward(t, x.data, a.value("negative_slope", 0.01),
                                        hs ? a.value("alpha", 1.0 / 6) : a.value("min", -HUGE_VAL),
                                        hs ? a.value("beta", 0.5) : a.value("max", HUGE_VAL))};
  }
  if (t == "maxpool2d") {
    auto c = pool_config(a);
    return {pool_output_shape(c, x.shape), maxpool2d_forward(c, x.shape, x.data).y};
  }
  if (t == "avgpool2d") {
    auto c = pool_config(a);
    return {pool_output_shape(c, x.shape), avgpool2d_forward(c, x.shape, x.data)};
  }
  if (t == "global_avgpool") return {Shape{x.shape.n, x.shape.c, 1, 1}, global_avgpool_forward(x.shape, x.data)};
  if (t == "batchnorm2d")
    return {x.shape,
            batchnorm2d_forward(x.shape, x.data, param(w, l.name + ".running_mean"), param(w, l.name + ".running_var"),
                                param(w, l.name + ".weight"), param(w, l.name + ".bias"), a.value("eps", 1e-5))};
  if (t == "add") return {x.shape, add_forward(x.data, in[1]->data, a.value("activation", "identity"))};
  if (t == "mul") return {x.shape, mul_forward(x.shape, x.data, in[1]->data)};
  if (t == "concat") {
    std::vector<ShapedValues> parts;
    Shape out = x.shape;
    out.c = 0;
    for (const Value* v : in) parts.push_back({v->shape, v->data}), out.c += v->shape.c;
    return {out, concat_forward(parts)};
  }
  if (t == "pad") {
    std::array<uint32_t, 4> p{};
    if (a.at("padding").is_array())
      for (int i = 0; i < 4; ++i) p[i] = a.at("padding")[i].get<uint32_t>();
    else
      p.fill(a.at("padding").get<uint32_t>());
    return {pad_output_shape(x.shape, p), pad_forward(x.shape, x.data, p, a.value("value", 0.0))};
  }
  if (t == "channel_shuffle") return {x.shape, channel_shuffle_forward(x.shape, x.data, a.at("groups"))};
  if (t == "channel_slice") {
    const uint32_t start = a.at("start"), end = a.at("end");
    return {Shape{x.shape.n, end - start, x.shape.h, x.shape.w}, channel_slice_forward(x.shape, x.data, start, end)};
  }
  if (t == "flatten") return {Shape{x.shape.n, static_cast<uint32_t>(x.shape.per_image()), 1, 1}, x.data};
  if (t == "dropout") return x;  // identity at inference
  if (t == "softmax") return {x.shape, softmax_forward(x.shape, x.data)};
  if (t == "log_softmax") return {x.shape, log_softmax_forward(x.shape, x.data)};
  throw std::invalid_argument("reference model: no reference for layer type " + t);
}

}  // namespace

std::vector<double> model_forward(const ModelSpec& spec, const Weights& weights, uint32_t batch,
                                  const std::vector<double>& x) {
  std::map<std::string, Value> values;
  values["input"] = {Shape{batch, spec.input.channels, spec.input.height, spec.input.width}, x};
  std::string previous = "input";
  for (const LayerSpec& l : spec.layers) {
    std::vector<const Value*> in;
    if (l.inputs.empty()) {
      in.assign(l.type == "add" || l.type == "mul" ? 2 : 1, &values.at(previous));
    } else {
      for (const std::string& name : l.inputs) in.push_back(&values.at(name));
    }
    values[l.name] = run_layer(l, in, weights);
    previous = l.name;
  }
  return values.at(previous).data;
}

}  // namespace vkcnn::reference
