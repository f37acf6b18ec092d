#include "layers/dense.h"

#include <optional>

#include "layers/texel_inputs.h"

namespace vkcnn {
namespace {

struct GemvPush {
  uint32_t K, M;
  float slope;
};
struct BiasPush {
  uint32_t N, M;
};

constexpr uint32_t kMaxGroups = 65535;

using dense::GemvTiling;
// GPUs: one output feature per workgroup, for enough workgroups. CPU devices (lavapipe) execute
// every storage-buffer load lane by lane: 4 features per workgroup (each x load serves 4 weight
// rows) and 16 invocations (a short reduction) measured 2-5x faster than that on refcnn's f1
// and f2 at batch 1 to 8.
constexpr GemvTiling kGemvTilings[] = {{1, 128}, {4, 16}};
GemvTiling gemv_tiling(const Context& ctx, const std::optional<GemvTiling>& forced) {
  if (forced) return *forced;
  return ctx.info().type == "CPU" ? kGemvTilings[1] : kGemvTilings[0];
}

// v's buffer under the 1x1 convolution's shape (n, c, 1, 1); an empty view stays empty.
TensorView as_pointwise(const TensorView& v, uint32_t n, uint32_t c) {
  return v.empty() ? v : TensorView{Shape{n, c, 1, 1}, v.buffer, v.fp16};
}

Shape pointwise_input(const Shape& in) { return {in.n, static_cast<uint32_t>(in.per_image()), 1, 1}; }

}  // namespace

namespace dense {
std::span<const GemvTiling> gemv_tilings() { return kGemvTilings; }
}  // namespace dense

DenseLayer::DenseLayer(std::string name, uint32_t out_features, bool bias, const DenseTuning& tuning)
    : Layer(std::move(name)),
      out_features_(out_features),
      bias_(bias),
      gemv_(tuning.gemv),
      gemm_(this->name(), pointwise(out_features, bias, tuning)) {}

Conv2dOptions DenseLayer::pointwise(uint32_t out_features, bool bias, const DenseTuning& tuning) const {
  if (out_features == 0) throw error("out_features must be at least 1");
  Conv2dOptions o;
  o.out_channels = out_features;
  o.bias = bias;
  o.gemm = tuning.gemm;
  o.tile = tuning.tile;
  return o;
}

bool DenseLayer::fuse_activation(Activation kind, float negative_slope) {
  if (kind == Activation::Clamp) return false;  // two bounds; the epilogue carries one parameter
  act_ = kind;
  slope_ = negative_slope;
  return gemm_.fuse_activation(kind, negative_slope);
}

Shape DenseLayer::output_shape(std::span<const Shape> inputs) const {
  if (inputs.size() != 1) throw error("takes one input, got " + std::to_string(inputs.size()));
  return Shape{inputs[0].n, out_features_, 1, 1};
}

std::vector<ParamDesc> DenseLayer::params(std::span<const Shape> inputs) const {
  const int64_t in = static_cast<int64_t>(inputs[0].per_image());
  std::vector<ParamDesc> out = {{"weight", {out_features_, in}, true, ParamInit::KaimingUniform, in}};
  if (bias_) out.push_back({"bias", {out_features_}, true, ParamInit::FanInUniform, in});
  return out;
}

std::size_t DenseLayer::scratch_floats(std::span<const Shape> inputs, bool training) const {
  const Shape conv_in[] = {pointwise_input(inputs[0])};
  return gemm_.scratch_floats(conv_in, training);
}

void DenseLayer::forward(Recorder& rec, const LayerIO& io) {
  const TensorView& x = io.inputs[0];  // (N, K)
  const TensorView& w = io.params[0];  // [M, K]
  const uint32_t N = x.shape.n, K = static_cast<uint32_t>(x.shape.per_image()), M = out_features_;

  const GemvTiling g = gemv_tiling(rec.context(), gemv_);
  if (N <= kMaxGemvRows && div_up(M, g.features) <= kMaxGroups) {
    const Binding bias = bias_ ? io.params[1].reads() : w.reads();  // bound but unread without bias
    const uint32_t spec[] = {N, bias_, static_cast<uint32_t>(act_), K % 4 == 0, g.features, g.invocations};
    const bool texel = use_texel_inputs(rec.context(), {x.shape.count(), w.shape.count()});
    const Kernel& k = rec.context().kernel(
        in_precision_of(io.output, texel ? ShaderId::dense_gemv_texel : ShaderId::dense_gemv), spec);
    // The texel variant reads vec4s through vec4 views (K % 4 == 0), floats otherwise.
    const bool vec4 = K % 4 == 0;
    const Binding xb = !texel ? x.reads() : vec4 ? x.reads_vec4s(0, x.shape.count()) : x.reads_floats();
    const Binding wb = !texel ? w.reads() : vec4 ? w.reads_vec4s(0, w.shape.count()) : w.reads_floats();
    rec.dispatch(k, {xb, wb, bias, io.output.writes()}, GemvPush{K, M, slope_}, Groups{div_up(M, g.features), 1, 1});
    return;
  }
  // y (N, M, 1, 1) = conv1x1(x (N, K, 1, 1), w [M, K, 1, 1]) + b, activation in the epilogue.
  gemm_.forward(rec, as_conv(io));
}

LayerIO DenseLayer::as_conv(const LayerIO& io) const {
  const TensorView& x = io.inputs[0];
  const auto K = static_cast<uint32_t>(x.shape.per_image());
  LayerIO conv = io;
  conv.inputs = {as_pointwise(x, x.shape.n, K)};
  conv.params[0] = as_pointwise(io.params[0], out_features_, K);
  return conv;
}

void DenseLayer::prepare(Recorder& rec, const LayerIO& io) { gemm_.prepare(rec, as_conv(io)); }

void DenseLayer::backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) {
  if (act_ != Activation::None)
    throw error("backward pass is not available with a fused activation (fusion is for inference)");
  // No parameter gradients at all: a frozen layer (fine-tuning), only dx flows.
  const bool frozen = grads.grad_params.empty();
  if (!frozen && grads.grad_params.size() != (bias_ ? 2u : 1u))
    throw error("backward needs " + std::to_string(bias_ ? 2 : 1) + " parameter gradients (or none: frozen), got " +
                std::to_string(grads.grad_params.size()));
  const TensorView& x = io.inputs[0];        // (N, K)
  const TensorView& dy = grads.grad_output;  // (N, M)
  const uint32_t N = x.shape.n, K = static_cast<uint32_t>(x.shape.per_image()), M = out_features_;

  // dx (N, K, 1, 1) += conv1x1's input gradient, dW [M, K, 1, 1] += its weight gradient.
  const LayerIO conv = as_conv(io);
  LayerGrads conv_grads;
  conv_grads.grad_output = as_pointwise(dy, N, M);
  if (!grads.grad_inputs.empty()) conv_grads.grad_inputs = {as_pointwise(grads.grad_inputs[0], N, K)};
  if (!frozen) conv_grads.grad_params = {as_pointwise(grads.grad_params[0], M, K)};
  gemm_.backward(rec, conv, conv_grads);

  // db[m] += sum_n dY[n, m]: conv2d's per-channel reduction spends a 256-wide workgroup on each
  // channel's N values, where one invocation per feature is ~50x faster on lavapipe.
  if (bias_ && !frozen) {
    const Kernel& k = rec.context().kernel(ShaderId::dense_backward_bias);
    rec.dispatch(k, {dy.reads(), grads.grad_params[1].writes()}, BiasPush{N, M}, elementwise_groups(M));
  }
}

}  // namespace vkcnn
