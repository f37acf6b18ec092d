// One function per ONNX op: what it becomes in vkcnn, or why it cannot (GraphTranslator).
#include "onnx_ops.h"

#include <cmath>
#include <limits>
#include <map>

#include "layers/activation.h"
#include "layers/pool2d.h"
#include "onnx_attributes.h"

namespace vkcnn::onnx_import {
namespace {

int64_t out_extent(int64_t in, int64_t k, int64_t s, int64_t d, int64_t begin, int64_t end, bool ceil_mode) {
  const int64_t span = in + begin + end - d * (k - 1) - 1;
  return (ceil_mode ? (span + s - 1) / s : span / s) + 1;
}

// ONNX's pads are [top, left, bottom, right]; vkcnn's layers pad both sides alike. Asymmetric
// pads are still exact when the extra cells at the end are never read: same output extent
// with the end pad cut to the begin pad (TensorFlow's SAME often exports so).
std::optional<uint32_t> symmetric_pad(int64_t in, int64_t k, int64_t s, int64_t d, int64_t begin, int64_t end,
                                      bool ceil_mode) {
  if (begin == end) return static_cast<uint32_t>(begin);
  if (begin < end && out_extent(in, k, s, d, begin, begin, ceil_mode) == out_extent(in, k, s, d, begin, end, ceil_mode))
    return static_cast<uint32_t>(begin);
  return std::nullopt;
}

struct Window {
  std::vector<int64_t> kernel, strides, dilations, pads;  // pads: [top, left, bottom, right]
};

// kernel_shape, strides, dilations, pads and auto_pad of Conv, MaxPool and AveragePool; SAME_*
// is turned into explicit pads from the input's extent, as the ONNX spec defines it.
std::optional<Window> read_window(const onnx::NodeProto& node, const Dims& x, std::vector<int64_t> kernel,
                                  std::string& why) {
  Window w;
  w.kernel = ints_attribute(node, "kernel_shape", kernel);
  w.strides = ints_attribute(node, "strides", {1, 1});
  w.dilations = ints_attribute(node, "dilations", {1, 1});
  w.pads = ints_attribute(node, "pads", {0, 0, 0, 0});
  if (w.kernel.size() != 2 || w.strides.size() != 2 || w.dilations.size() != 2 || w.pads.size() != 4) {
    why = "only 2-D windows are supported (kernel_shape " + list_text(w.kernel) + ")";
    return std::nullopt;
  }
  const std::string auto_pad = string_attribute(node, "auto_pad", "NOTSET");
  if (auto_pad == "VALID") {
    w.pads = {0, 0, 0, 0};
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    for (int i = 0; i < 2; ++i) {
      const int64_t in = x[2 + i], s = w.strides[i], extent = (w.kernel[i] - 1) * w.dilations[i] + 1;
      const int64_t total = std::max<int64_t>(0, ((in + s - 1) / s - 1) * s + extent - in);
      const int64_t small = total / 2, large = total - small;
      w.pads[i] = auto_pad == "SAME_UPPER" ? small : large;
      w.pads[2 + i] = auto_pad == "SAME_UPPER" ? large : small;
    }
  } else if (auto_pad != "NOTSET") {
    why = "attribute auto_pad \"" + auto_pad + "\" is not an ONNX value";
    return std::nullopt;
  }
  for (int i = 0; i < 2; ++i)
    if (w.kernel[i] < 1 || w.strides[i] < 1 || w.dilations[i] < 1 || w.pads[i] < 0 || w.pads[2 + i] < 0) {
      why = "kernel_shape, strides, dilations must be positive and pads non-negative";
      return std::nullopt;
    }
  return w;
}

// The symmetric [h, w] pads of a window, or why there are none.
std::optional<std::array<uint32_t, 2>> padding(const Window& w, const Dims& x, bool ceil_mode, std::string& why) {
  std::array<uint32_t, 2> p{};
  for (int i = 0; i < 2; ++i) {
    auto s = symmetric_pad(x[2 + i], w.kernel[i], w.strides[i], w.dilations[i], w.pads[i], w.pads[2 + i], ceil_mode);
    if (!s) {
      why = "attribute pads " + list_text(w.pads) +
            " pads one side more than the other where the extra cells are read; vkcnn's layers pad both sides alike";
      return std::nullopt;
    }
    p[i] = *s;
  }
  return p;
}

nlohmann::json pair(const std::vector<int64_t>& v) { return {v[0], v[1]}; }

}  // namespace

std::optional<LayerPlan> GraphTranslator::conv(const onnx::NodeProto& node) {
  const Dims* x = image_input(node, 0);
  const HostParam* w = constant_input(node, 1, "weight");
  const HostParam* b = node.input_size() > 2 && !node.input(2).empty() ? constant_input(node, 2, "bias") : nullptr;
  if (!x || !w || (node.input_size() > 2 && !node.input(2).empty() && !b)) return std::nullopt;
  if (w->dims.size() != 4) {
    unsupported(node, "only 2-D convolutions are supported (weight dims " + list_text(w->dims) + ")");
    return std::nullopt;
  }
  std::string why;
  auto win = read_window(node, *x, {w->dims[2], w->dims[3]}, why);
  auto pad = win ? padding(*win, *x, false, why) : std::nullopt;
  if (!pad) {
    unsupported(node, why);
    return std::nullopt;
  }
  LayerPlan p;
  p.type = "conv2d";
  p.name = layer_name(node, node.input(1), "weight");
  p.inputs = {node.input(0)};
  p.attributes = {{"out_channels", w->dims[0]},
                  {"kernel", pair(win->kernel)},
                  {"stride", pair(win->strides)},
                  {"padding", {(*pad)[0], (*pad)[1]}},
                  {"dilation", pair(win->dilations)},
                  {"groups", int_attribute(node, "group", 1)},
                  {"bias", b != nullptr}};
  p.params.emplace_back("weight", *w);
  if (b) p.params.emplace_back("bias", *b);
  return p;
}

std::optional<LayerPlan> GraphTranslator::batch_norm(const onnx::NodeProto& node) {
  if (int_attribute(node, "training_mode", 0) != 0) {
    unsupported(node, "attribute training_mode 1 (batch statistics) is not inference; export the model in eval mode");
    return std::nullopt;
  }
  for (int i = 1; i < node.output_size(); ++i)
    if (!node.output(i).empty()) {
      unsupported(node, "outputs running_mean/running_var are training outputs; export the model in eval mode");
      return std::nullopt;
    }
  const Dims* x = image_input(node, 0);
  const HostParam* scale = constant_input(node, 1, "scale");
  const HostParam* bias = constant_input(node, 2, "B");
  const HostParam* mean = constant_input(node, 3, "input_mean");
  const HostParam* var = constant_input(node, 4, "input_var");
  if (!x || !scale || !bias || !mean || !var) return std::nullopt;
  LayerPlan p;
  p.type = "batchnorm2d";
  p.name = layer_name(node, node.input(1), "weight");
  p.inputs = {node.input(0)};
  p.attributes = {{"eps", float_attribute(node, "epsilon", 1e-5f)}};
  // The engine's layouts are PyTorch's: 1-D per-channel vectors, whatever shape the file gave.
  for (auto [suffix, param] :
       {std::pair{"weight", scale}, {"bias", bias}, {"running_mean", mean}, {"running_var", var}}) {
    HostParam v = *param;
    v.dims = {static_cast<int64_t>(v.values.size())};
    p.params.emplace_back(suffix, std::move(v));
  }
  return p;
}

std::optional<LayerPlan> GraphTranslator::activation(const onnx::NodeProto& node) {
  LayerPlan p;
  const std::string& op = node.op_type();
  static const std::map<std::string, std::string> kTypes = {
      {"Relu", "relu"}, {"Sigmoid", "sigmoid"},          {"LeakyRelu", "leaky_relu"},
      {"Tanh", "tanh"}, {"HardSigmoid", "hard_sigmoid"}, {"HardSwish", "hard_swish"}};
  p.type = kTypes.at(op);
  if (op == "LeakyRelu") p.attributes = {{"negative_slope", float_attribute(node, "alpha", 0.01f)}};
  if (op == "HardSigmoid") {
    // vkcnn's default is PyTorch's, alpha 1/6 (which a conv's epilogue can fuse); ONNX's default
    // alpha is 0.2. Written only where they differ from PyTorch's, so that PyTorch's model fuses.
    const float alpha = float_attribute(node, "alpha", 0.2f), beta = float_attribute(node, "beta", 0.5f);
    if (std::abs(alpha - kHardSigmoidAlpha) > 1e-7f || beta != kHardSigmoidBeta)
      p.attributes = {{"alpha", alpha}, {"beta", beta}};
  }
  p.inputs = {node.input(0)};
  if (is_constant(node.input(0))) {
    unsupported(node, "input '" + node.input(0) + "' is a constant; vkcnn runs this op only on computed values");
    return std::nullopt;
  }
  return p;
}

std::optional<LayerPlan> GraphTranslator::clip(const onnx::NodeProto& node) {
  // Opset 11 moved min and max from attributes to optional inputs.
  float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
  if (opset_ < 11) {
    lo = float_attribute(node, "min", lo);
    hi = float_attribute(node, "max", hi);
  } else {
    for (int i = 1; i < 3 && i < node.input_size(); ++i) {
      if (node.input(i).empty()) continue;
      const HostParam* v = constant_input(node, i, i == 1 ? "min" : "max");
      if (!v) return std::nullopt;
      if (v->values.size() != 1) {
        unsupported(node, std::string(i == 1 ? "min" : "max") + " must be a scalar");
        return std::nullopt;
      }
      (i == 1 ? lo : hi) = v->values[0];
    }
  }
  if (!(lo <= hi)) {
    unsupported(node, "Clip to [" + std::to_string(lo) + ", " + std::to_string(hi) + "]: min is above max");
    return std::nullopt;
  }
  LayerPlan p;
  p.inputs = {node.input(0)};
  if (lo == 0.f && hi == 6.f) {
    p.type = "relu6";
  } else if (lo == 0.f && std::isinf(hi)) {
    p.type = "relu";
  } else {
    p.type = "clamp";  // a bound that is infinite stays out: clamp's absent bound is unbounded
    if (!std::isinf(lo)) p.attributes["min"] = lo;
    if (!std::isinf(hi)) p.attributes["max"] = hi;
  }
  return p;
}

std::optional<LayerPlan> GraphTranslator::pool(const onnx::NodeProto& node) {
  const bool max = node.op_type() == "MaxPool";
  const Dims* x = image_input(node, 0);
  if (!x) return std::nullopt;
  if (max && node.output_size() > 1 && !node.output(1).empty()) {
    unsupported(node, "output Indices is not supported");
    return std::nullopt;
  }
  if (max && int_attribute(node, "storage_order", 0) != 0) {
    unsupported(node, "attribute storage_order 1 (column-major indices) is not supported");
    return std::nullopt;
  }
  const bool ceil_mode = int_attribute(node, "ceil_mode", 0) != 0;
  const bool count_include_pad = !max && int_attribute(node, "count_include_pad", 0) != 0;
  std::string why;
  auto win = read_window(node, *x, {}, why);
  if (win && !max && win->dilations != std::vector<int64_t>{1, 1}) why = "attribute dilations must be [1, 1]";
  auto pad = win && why.empty() ? padding(*win, *x, ceil_mode, why) : std::nullopt;
  if (!pad) {
    unsupported(node, why);
    return std::nullopt;
  }
  PoolGeometry g;
  for (int i = 0; i < 2; ++i) {
    g.kernel[i] = static_cast<uint32_t>(win->kernel[i]);
    g.stride[i] = static_cast<uint32_t>(win->strides[i]);
    g.dilation[i] = static_cast<uint32_t>(win->dilations[i]);
    g.padding[i] = (*pad)[i];
    if (g.padding[i] > g.kernel[i] / 2) {
      unsupported(node, "attribute pads " + list_text(win->pads) + " is more than half of kernel_shape " +
                            list_text(win->kernel) + ", which vkcnn's pooling (as PyTorch's) refuses");
      return std::nullopt;
    }
  }
  g.ceil_mode = ceil_mode;
  // vkcnn pools as PyTorch does: with ceil_mode a last window that would start in the right
  // padding is dropped, and an average with count_include_pad over a window that runs past the
  // padded input divides by the cells inside it. ONNX (opsets <= 17) leaves both open; refuse
  // where they would show. (Without count_include_pad the divisor is the cells in the input.)
  const Dims* y = dims(node.output(0));
  for (int i = 0; i < 2; ++i) {
    const uint32_t ours = g.output_extent(static_cast<uint32_t>((*x)[2 + i]), i);
    if (y && y->size() == 4 && (*y)[2 + i] > 0 && (*y)[2 + i] != ours) {
      unsupported(node, "attribute ceil_mode with pads " + list_text(win->pads) + " gives ONNX an output extent of " +
                            std::to_string((*y)[2 + i]) + " where vkcnn's pooling gives " + std::to_string(ours));
      return std::nullopt;
    }
    const int64_t reach = int64_t(ours - 1) * g.stride[i] + g.kernel[i];
    if (!max && ceil_mode && count_include_pad && reach > (*x)[2 + i] + 2 * int64_t(g.padding[i])) {
      unsupported(node,
                  "attributes ceil_mode and count_include_pad: the last window runs past the padded input, "
                  "where ONNX runtimes disagree on the divisor; vkcnn does not guess");
      return std::nullopt;
    }
  }
  LayerPlan p;
  p.type = max ? "maxpool2d" : "avgpool2d";
  p.inputs = {node.input(0)};
  p.attributes = {{"kernel", pair(win->kernel)},
                  {"stride", pair(win->strides)},
                  {"padding", {(*pad)[0], (*pad)[1]}},
                  {"ceil_mode", ceil_mode}};
  if (max)
    p.attributes["dilation"] = pair(win->dilations);
  else
    p.attributes["count_include_pad"] = count_include_pad;
  return p;
}

std::optional<LayerPlan> GraphTranslator::global_pool(const onnx::NodeProto& node) {
  const Dims* x = image_input(node, 0);
  if (!x) return std::nullopt;
  if (node.op_type() == "ReduceMean") {
    // keepdims 0 gives (N, C): the same memory as global_avgpool's (N, C, 1, 1).
    auto axes = ints_attribute(node, "axes", {});
    if (node.input_size() > 1) {
      unsupported(node, "axes as an input (opset 18) is not supported");
      return std::nullopt;
    }
    for (int64_t& a : axes) a = a < 0 ? a + 4 : a;
    std::sort(axes.begin(), axes.end());
    if (axes != std::vector<int64_t>{2, 3}) {
      unsupported(node, "attribute axes " + list_text(ints_attribute(node, "axes", {})) +
                            ": only the mean over H and W ([2, 3]) maps onto global_avgpool");
      return std::nullopt;
    }
  }
  LayerPlan p;
  p.type = "global_avgpool";
  p.inputs = {node.input(0)};
  return p;
}

std::optional<LayerPlan> GraphTranslator::gemm(const onnx::NodeProto& node) {
  if (int_attribute(node, "transA", 0) != 0) {
    unsupported(node, "attribute transA 1 is not supported (the activations must be A, untransposed)");
    return std::nullopt;
  }
  const HostParam* b = constant_input(node, 1, "B (the weight)");
  const HostParam* c =
      node.input_size() > 2 && !node.input(2).empty() ? constant_input(node, 2, "C (the bias)") : nullptr;
  if (!b || (node.input_size() > 2 && !node.input(2).empty() && !c)) return std::nullopt;
  const float alpha = float_attribute(node, "alpha", 1.f), beta = float_attribute(node, "beta", 1.f);
  const bool trans_b = int_attribute(node, "transB", 0) != 0;
  const int64_t k = trans_b ? b->dims[1] : b->dims[0], m = trans_b ? b->dims[0] : b->dims[1];
  // dense's weight is PyTorch's [out, in] with y = x W^T + b: B^T (or B when transB), times alpha.
  HostParam w{{m, k}, std::vector<float>(static_cast<std::size_t>(m * k))};
  for (int64_t o = 0; o < m; ++o)
    for (int64_t i = 0; i < k; ++i)
      w.values[o * k + i] = alpha * (trans_b ? b->values[o * k + i] : b->values[i * m + o]);
  LayerPlan p;
  p.type = "dense";
  p.name = layer_name(node, node.input(1), "weight");
  p.inputs = {node.input(0)};
  p.attributes = {{"out_features", m}, {"bias", c != nullptr}};
  p.params.emplace_back("weight", std::move(w));
  if (c) {
    // C broadcasts to (N, M): one value per output, or one for all.
    if (c->values.size() != 1 && c->values.size() != static_cast<std::size_t>(m)) {
      unsupported(node, "C of dims " + list_text(c->dims) + " is not a bias per output (" + std::to_string(m) + ")");
      return std::nullopt;
    }
    HostParam bias{{m}, std::vector<float>(static_cast<std::size_t>(m))};
    for (int64_t o = 0; o < m; ++o) bias.values[o] = beta * c->values[c->values.size() == 1 ? 0 : o];
    p.params.emplace_back("bias", std::move(bias));
  }
  if (is_constant(node.input(0))) {
    unsupported(node, "input A is a constant; vkcnn runs dense layers only on computed values");
    return std::nullopt;
  }
  return p;
}

std::optional<LayerPlan> GraphTranslator::matmul(const onnx::NodeProto& node, std::size_t index) {
  const HostParam* b = constant_input(node, 1, "B (the weight)");
  if (!b) return std::nullopt;
  const Dims* a = dims(node.input(0));
  if (b->dims.size() != 2 || !a || a->size() != 2) {
    unsupported(node, "only (N, K) x (K, M) products map onto dense");
    return std::nullopt;
  }
  const int64_t k = b->dims[0], m = b->dims[1];
  HostParam w{{m, k}, std::vector<float>(static_cast<std::size_t>(m * k))};
  for (int64_t o = 0; o < m; ++o)
    for (int64_t i = 0; i < k; ++i) w.values[o * k + i] = b->values[i * m + o];
  LayerPlan p;
  p.type = "dense";
  p.name = layer_name(node, node.input(1), "weight");
  p.inputs = {node.input(0)};
  p.attributes = {{"out_features", m}, {"bias", false}};
  p.params.emplace_back("weight", std::move(w));
  // The Add of a bias right after (PyTorch's Linear without Gemm) becomes dense's bias, when the
  // product feeds nothing else.
  const auto& nodes = model_.graph().node();
  const onnx::NodeProto* add = nullptr;
  int readers = 0;
  for (int i = static_cast<int>(index) + 1; i < nodes.size(); ++i)
    for (const auto& in : nodes[i].input())
      if (in == node.output(0)) {
        ++readers;
        add = &nodes[i];
      }
  if (readers == 1 && add->op_type() == "Add") {
    const std::string& other = add->input(0) == node.output(0) ? add->input(1) : add->input(0);
    auto c = constants_.find(other);
    if (c != constants_.end() && c->second.values.size() == static_cast<std::size_t>(m)) {
      p.attributes["bias"] = true;
      HostParam bias{{m}, c->second.values};
      p.params.emplace_back("bias", std::move(bias));
      absorbed_[add->output(0)] = index;
      p.also_computes = add->output(0);
    }
  }
  if (is_constant(node.input(0))) {
    unsupported(node, "input A is a constant; vkcnn runs dense layers only on computed values");
    return std::nullopt;
  }
  return p;
}

std::optional<LayerPlan> GraphTranslator::add(const onnx::NodeProto& node) {
  for (int i = 0; i < 2; ++i)
    if (is_constant(node.input(i))) {
      unsupported(node, "input '" + node.input(i) +
                            "' is a constant: vkcnn adds two computed tensors (a residual) "
                            "or a bias right after a MatMul, nothing else");
      return std::nullopt;
    }
  const Dims *a = dims(node.input(0)), *b = dims(node.input(1));
  if (!a || !b || *a != *b) {
    unsupported(node, "inputs of dims " + (a ? list_text(*a) : "?") + " and " + (b ? list_text(*b) : "?") +
                          " broadcast; vkcnn's add needs equal shapes");
    return std::nullopt;
  }
  LayerPlan p;
  p.type = "add";
  p.inputs = {node.input(0), node.input(1)};
  return p;
}

std::optional<LayerPlan> GraphTranslator::mul(const onnx::NodeProto& node) {
  for (int i = 0; i < 2; ++i)
    if (is_constant(node.input(i))) {
      unsupported(node, "input '" + node.input(i) +
                            "' is a constant: vkcnn multiplies two computed tensors (a gate), nothing else");
      return std::nullopt;
    }
  const Dims *a = dims(node.input(0)), *b = dims(node.input(1));
  // The per-channel factor may come first in the graph; vkcnn's mul takes it second.
  auto per_channel_of = [](const Dims* full, const Dims* f) {
    return full && f && full->size() == 4 && f->size() == 4 && (*f)[0] == (*full)[0] && (*f)[1] == (*full)[1] &&
           (*f)[2] == 1 && (*f)[3] == 1;
  };
  LayerPlan p;
  p.type = "mul";
  if (a && b && (*a == *b || per_channel_of(a, b))) {
    p.inputs = {node.input(0), node.input(1)};
  } else if (per_channel_of(b, a)) {
    p.inputs = {node.input(1), node.input(0)};
  } else {
    unsupported(node, "inputs of dims " + (a ? list_text(*a) : "?") + " and " + (b ? list_text(*b) : "?") +
                          "; vkcnn's mul needs equal shapes or (N, C, H, W) and (N, C, 1, 1)");
    return std::nullopt;
  }
  return p;
}

std::optional<LayerPlan> GraphTranslator::concat(const onnx::NodeProto& node) {
  const Dims* first = dims(node.input(0));
  const int64_t rank = first ? static_cast<int64_t>(first->size()) : 0;
  int64_t axis = int_attribute(node, "axis", 1);
  if (axis < 0) axis += rank;
  if (axis != 1) {
    unsupported(node, "attribute axis " + std::to_string(int_attribute(node, "axis", 1)) +
                          ": vkcnn concatenates channels (axis 1) only");
    return std::nullopt;
  }
  if (node.input_size() < 2) return alias(node);
  LayerPlan p;
  p.type = "concat";
  for (const std::string& in : node.input()) {
    if (is_constant(in)) {
      unsupported(node, "input '" + in + "' is a constant; vkcnn concatenates computed tensors only");
      return std::nullopt;
    }
    p.inputs.push_back(in);
  }
  return p;
}

std::optional<LayerPlan> GraphTranslator::flatten(const onnx::NodeProto& node) {
  const Dims* x = dims(node.input(0));
  const Dims* y = dims(node.output(0));
  if (!x || !y || x->size() < 2 || x->size() > 4) {
    unsupported(node, "input must be (N, C, H, W) or (N, F) with known shape");
    return std::nullopt;
  }
  int64_t features = 1;
  for (std::size_t i = 1; i < x->size(); ++i) features = (*x)[i] < 1 || features < 0 ? -1 : features * (*x)[i];
  if (node.op_type() == "Flatten") {
    int64_t axis = int_attribute(node, "axis", 1);
    if (axis < 0) axis += static_cast<int64_t>(x->size());
    if (axis != 1) {
      unsupported(node, "attribute axis " + std::to_string(int_attribute(node, "axis", 1)) +
                            ": only flattening to (N, C*H*W) (axis 1) is supported");
      return std::nullopt;
    }
  } else if (node.input_size() < 2 || !int_constants_.count(node.input(1))) {
    unsupported(node, "the target shape is computed by the graph; vkcnn needs a constant (N, -1) shape");
    return std::nullopt;
  }
  if (y->size() != 2 || features < 1 || (*y)[1] != features) {
    unsupported(node, "only a reshape to (N, C*H*W) is supported (output dims " + list_text(*y) + ")");
    return std::nullopt;
  }
  if (node.op_type() == "Reshape") {
    const auto& shape = int_constants_.at(node.input(1));
    // The batch must stay the batch: 0 (copy), -1 (with the features fixed) or the same number.
    const bool keeps_batch =
        shape.size() == 2 && (shape[0] == 0 || shape[0] == (*x)[0] || (shape[0] == -1 && shape[1] == features));
    if (!keeps_batch) {
      unsupported(node, "shape " + list_text(shape) + " does not keep the batch dimension first");
      return std::nullopt;
    }
  }
  LayerPlan p;
  p.inputs = {node.input(0)};
  // A (N, C, 1, 1) value already is (N, C) in memory (and to every vkcnn layer that reads it).
  if (x->size() == 4 && !((*x)[2] == 1 && (*x)[3] == 1)) p.type = "flatten";
  if (is_constant(node.input(0))) {
    unsupported(node, "input is a constant");
    return std::nullopt;
  }
  return p;
}

std::optional<LayerPlan> GraphTranslator::softmax(const onnx::NodeProto& node) {
  const Dims* x = dims(node.input(0));
  if (!x || x->size() < 2) {
    unsupported(node, "input must be (N, classes)");
    return std::nullopt;
  }
  // Before opset 13 Softmax flattened from `axis` (default 1) on; from 13 it is over one axis
  // (default -1). vkcnn's softmax is over the channels, which is both when the rest is 1.
  // LogSoftmax's axis changed as Softmax's did.
  const bool log = node.op_type() == "LogSoftmax";
  int64_t axis = int_attribute(node, "axis", opset_ < 13 ? 1 : -1);
  if (axis < 0) axis += static_cast<int64_t>(x->size());
  bool rest_is_one = true;
  for (std::size_t i = 2; i < x->size(); ++i) rest_is_one = rest_is_one && (*x)[i] == 1;
  if (axis != 1 || !(rest_is_one || opset_ >= 13)) {
    unsupported(node, "attribute axis " + std::to_string(int_attribute(node, "axis", opset_ < 13 ? 1 : -1)) +
                          " on input " + list_text(*x) + ": vkcnn's " + (log ? "log_softmax" : "softmax") +
                          " is over the classes (axis 1)");
    return std::nullopt;
  }
  // Log-probabilities are what a model ends in before NLLLoss; inside a model they would be
  // scores that no later vkcnn op expects, and what users see assumes them only at the end.
  if (log && (model_.graph().output_size() != 1 || node.output(0) != model_.graph().output(0).name())) {
    unsupported(node, "LogSoftmax (axis " + std::to_string(axis) +
                          ") is supported only as the model's last op, whose output is the model's output");
    return std::nullopt;
  }
  LayerPlan p;
  p.type = log ? "log_softmax" : "softmax";
  p.inputs = {node.input(0)};
  return p;
}

std::optional<LayerPlan> GraphTranslator::alias(const onnx::NodeProto& node) {
  if (node.op_type() == "Dropout") {
    if (node.output_size() > 1 && !node.output(1).empty()) {
      // The mask is a training output; at inference it is all ones, and nobody should read it.
      for (const auto& other : model_.graph().node())
        for (const auto& in : other.input())
          if (in == node.output(1)) {
            unsupported(node, "output mask is read by node '" + node_name(other) + "'");
            return std::nullopt;
          }
    }
    if (node.input_size() > 2 && !node.input(2).empty()) {  // training_mode (opset 12+)
      auto t = int_constants_.find(node.input(2));
      if (t == int_constants_.end() || t->second.empty() || t->second[0] != 0) {
        unsupported(node, "input training_mode must be a constant false");
        return std::nullopt;
      }
    }
  }
  LayerPlan p;
  p.inputs = {node.input(0)};
  if (is_constant(node.input(0))) {
    unsupported(node, "input is a constant");
    return std::nullopt;
  }
  return p;
}

}  // namespace vkcnn::onnx_import
