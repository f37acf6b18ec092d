#include "layers/conv2d.h"

#include <algorithm>
#include <optional>
#include <span>

#include "layers/conv2d_winograd.h"
#include "layers/maxpool2d.h"
#include "layers/texel_inputs.h"

namespace vkcnn {
namespace {

// Mirrors the push block of shaders/conv2d_common.glsl (80 bytes).
struct Push {
  uint32_t batch, cin, h, w;
  uint32_t cout, oh, ow;
  uint32_t cin_g, cout_g;
  uint32_t k_split;
  uint32_t n_base;
  FastDiv div_ohw, div_ow, div_hw, div_w;
  float slope;
};
static_assert(sizeof(Push) == 80);

using conv2d::pick_tile;
using conv2d::Tile;
namespace winograd = conv2d::winograd;
constexpr Tile kNoTile{4, 4, 4, 4, 4};  // for the shaders that are not GEMMs

using conv2d::Geometry;
using conv2d::kMaxGroupsPerDim;
using conv2d::max_weight_splits;
using conv2d::weight_grad_plan;
using conv2d::WeightGradPlan;

Geometry geometry(const Conv2dOptions& o, const Shape& in, const Shape& out) {
  return {in.n,
          in.c,
          in.h,
          in.w,
          out.c,
          out.h,
          out.w,
          in.c / o.groups,
          out.c / o.groups,
          o.groups,
          o.kernel[0] * o.kernel[1]};
}

Push make_push(const Geometry& g, float slope) {
  return {g.batch,
          g.cin,
          g.h,
          g.w,
          g.cout,
          g.oh,
          g.ow,
          g.cin_g,
          g.cout_g,
          0,
          0,
          FastDiv(g.oh * g.ow),
          FastDiv(g.ow),
          FastDiv(g.h * g.w),
          FastDiv(g.w),
          slope};
}

// Specialization constants 0..16 (shaders/conv2d_gemm.glsl, then conv2d_common.glsl). The
// epilogue ones (act, bias, split_k) stay at their defaults where a shader ignores them, so
// that convolutions differing only there share pipelines.
struct Epilogue {
  Activation act = Activation::None;
  bool bias = false, split_k = false;
};
std::vector<uint32_t> specialization(const Conv2dOptions& o, const Tile& t, Epilogue e = {}) {
  return {t.threads(),
          t.bm,
          t.bn,
          t.bk,
          t.tm,
          t.tn,
          o.kernel[0],
          o.kernel[1],
          o.stride[0],
          o.stride[1],
          o.padding[0],
          o.padding[1],
          o.dilation[0],
          o.dilation[1],
          static_cast<uint32_t>(e.act),
          e.bias ? 1u : 0u,
          e.split_k ? 1u : 0u};
}

// Records a GEMM whose N dimension may need more than 65535 tiles: one dispatch per slice,
// each told its first column through push.n_base.
void dispatch_columns(Recorder& rec, const Kernel& k, std::initializer_list<Binding> bindings, Push push, const Tile& t,
                      uint64_t n, uint32_t groups_y, uint32_t groups_z) {
  const uint64_t tiles = (n + t.bn - 1) / t.bn;
  for (uint64_t first = 0; first < tiles; first += kMaxGroupsPerDim) {
    push.n_base = static_cast<uint32_t>(first * t.bn);
    const auto x = static_cast<uint32_t>(std::min<uint64_t>(kMaxGroupsPerDim, tiles - first));
    rec.dispatch_raw(k, bindings.begin(), bindings.size(), &push, sizeof(push), Groups{x, groups_y, groups_z});
  }
}

// The weights with each row of K taps padded to a multiple of 4 (conv2d_pad_weights.comp).
uint64_t padded_weights_floats(const Geometry& g) { return uint64_t(g.cout) * div_up(g.k(), 4) * 4; }

// Whether the subgroup core reads a padded copy of the weights from scratch: K is not a
// multiple of 4 and scratch has room for the copy.
bool reads_padded_weights(const Geometry& g, const TensorView& scratch) {
  return g.k() % 4 != 0 && scratch.shape.count() >= padded_weights_floats(g);
}

// Writes that copy into scratch: once in prepare() for inference plans, whose weights do not
// change, and before every forward pass otherwise.
void record_padded_weights(Recorder& rec, const Geometry& g, const TensorView& w, const TensorView& scratch) {
  const uint64_t padded = padded_weights_floats(g);
  const uint32_t k_padded = div_up(g.k(), 4) * 4;
  const FastDiv per_row(k_padded);
  struct {
    uint32_t count, k, k_padded, div_mul, div_shift;
  } push{static_cast<uint32_t>(padded), g.k(), k_padded, per_row.mul, per_row.shift};
  rec.dispatch(rec.context().kernel(ShaderId::conv2d_pad_weights), {w.reads_floats(), scratch.writes()}, push,
               elementwise_groups(padded));
}

bool winograd_shape(const Conv2dOptions& o) {
  return o.kernel == std::array<uint32_t, 2>{3, 3} && o.stride == std::array<uint32_t, 2>{1, 1} &&
         o.dilation == std::array<uint32_t, 2>{1, 1} && o.groups == 1;
}
bool depthwise_shape(const Geometry& g) { return g.cin_g == 1 && g.cout_g < 4; }

bool is_winograd(Conv2dAlgorithm a) { return a == Conv2dAlgorithm::Winograd || a == Conv2dAlgorithm::WinogradF2; }
uint32_t winograd_tile(Conv2dAlgorithm a) { return a == Conv2dAlgorithm::WinogradF2 ? 2 : 4; }

winograd::Problem forward_problem(const Conv2dOptions& o, const Geometry& g) {
  return {g.batch, g.cin, g.h, g.w, g.cout, g.oh, g.ow, o.padding[0], o.padding[1], 4, o.gemm, o.tile};
}
winograd::Problem with_tile(winograd::Problem p, Conv2dAlgorithm a) {
  p.tile = winograd_tile(a);
  return p;
}
// A 3x3 stride-1 convolution's input gradient is the convolution of dy with the kernel rotated
// by 180 degrees and its channels swapped, padded by 2 - p; it needs p <= 2.
std::optional<winograd::Problem> input_gradient_problem(const Conv2dOptions& o, const Geometry& g) {
  if (o.padding[0] > 2 || o.padding[1] > 2) return std::nullopt;
  return winograd::Problem{g.batch,          g.cout,           g.oh, g.ow,   g.cin, g.h, g.w,
                           2 - o.padding[0], 2 - o.padding[1], 4,    o.gemm, o.tile};
}

// A stride-1 convolution's input gradient is itself a stride-1 convolution: of dy, with each
// group's kernel rotated by 180 degrees and its channels swapped (conv2d_backward_data_weight),
// dilated alike and padded by d(k-1) - p, so it needs p <= d(k-1). It runs on the subgroup
// core like a forward pass, where conv2d_backward_data's gather would check every tap.
std::optional<Conv2dOptions> input_gradient_conv(const Conv2dOptions& o, const Geometry& g) {
  if (o.stride != std::array<uint32_t, 2>{1, 1}) return std::nullopt;
  Conv2dOptions t = o;
  for (int i = 0; i < 2; ++i) {
    const uint32_t reach = o.dilation[i] * (o.kernel[i] - 1);
    if (o.padding[i] > reach) return std::nullopt;
    t.padding[i] = reach - o.padding[i];
  }
  t.out_channels = g.cin;
  t.bias = false;
  return t;
}

// Auto's pick between the GEMM and Winograd for a 3x3 stride-1 problem. F(4x4) saves 3/4 of
// the multiplies but runs GEMMs only pixels / 16 columns wide, and unless an inference plan
// transformed the weights once (weights_prepared) it pays 36 * cin * cout transformed weights
// per pass; F(2x2) saves less with 4x wider GEMMs and 16 * cin * cout. Both need channels (the
// GEMM depth). Measured on lavapipe (2 cores shared with other work, so +-30% and worse):
// forward ms, gemm / winograd / winograd_f2.
//  vkcnn-bench --op (weights transformed every pass):
//   64->64 56x56: 147 / 52 / 67           128->128 28x28: 113 / 44 / 82
//   256->256 14x14: 120 / 36 / 40         512->512 7x7: 94 / 148 / 102
//   512->512 7x7 batch 4: 537 / 335 / 353  256->256 7x7: 43 / 98 / 30
//   32->64 14x14: 4.1 / 2.2 / 2.4         32->64 14x14 batch 256: 1082 / 872 / 648
//   16->16 28x28: 2.7 / 2.6 / 2.3         8->16 28x28: 1.7 / 1.9 / 1.9
//   3->64 32x32: 2.2 / 4.2 / 7.5          1->32 28x28: 0.8 / 2.0 / 3.2
//  vkcnn-bench --arch of one conv (a plan: weights transformed once), two runs each:
//   512->512 7x7: 120, 108 / 174, 330 / 85, 109     256->256 7x7: 35, 47 / 46, 52 / 14, 40
//   256->256 14x14: 233, 185 / 70, 36 / 76, 61
// Then the subgroup core got 1.5-3x faster (its rows no longer broadcast, 32 a workgroup), and
// the GEMM overtook Winograd below 64 channels: refcnn's 32->64 14x14 (one conv forced to
// gemm in the whole model, three alternating runs) forward at batch 256 342-530 -> 215-264 ms,
// training step at batch 64 231-146 -> 244-261 img/s. ResNet's layers (64-512 channels) stay
// as they were: per layer Winograd was as fast or faster, within the machine's noise.
// The input gradient (weights never prepared; on the subgroup core it runs as a convolution,
// input_gradient_conv) measured the same way before that, dx alone, subgroup GEMM / F(4x4):
//   dy 64 -> dx 32 channels 14x14 batch 64 (refcnn's c2): 69 / 86-103   16 -> 16 28x28 b64: 38 / 85
//   64 -> 64 56x56 b4: 119 / 78   128 -> 128 28x28 b8: 223 / 75   256 -> 256 14x14 b8: 185 / 184
//   512 -> 512 7x7 b16: 531 / 264
// So: at least 64 channels each way; F(4x4) from 196 output pixels a batch (14x14, or 7x7 at
// batch 4); below that, F(2x2) down to 49 pixels (7x7) where the weights are prepared, the
// GEMM otherwise. GPUs keep the GEMM: not measured there.
Conv2dAlgorithm auto_pick(const winograd::Problem& p, bool cpu, bool weights_prepared) {
  if (!cpu || p.cin < 64 || p.cout < 64) return Conv2dAlgorithm::Gemm;
  const uint64_t pixels = uint64_t(p.batch) * p.oh * p.ow;
  if (pixels >= 196) return Conv2dAlgorithm::Winograd;
  if (weights_prepared && pixels >= 49) return Conv2dAlgorithm::WinogradF2;
  return Conv2dAlgorithm::Gemm;
}

// The algorithm for a forward problem, or for an input gradient `p` (nullptr: none runs).
Conv2dAlgorithm choose(const Conv2dOptions& o, const Geometry& g, const winograd::Problem* p, bool cpu,
                       bool weights_prepared) {
  if (o.algorithm != Conv2dAlgorithm::Auto) return o.algorithm;
  if (depthwise_shape(g)) return Conv2dAlgorithm::Depthwise;
  if (winograd_shape(o) && p) return auto_pick(*p, cpu, weights_prepared);
  return Conv2dAlgorithm::Gemm;
}

// Whether choose() picks the GEMM for every batch on every device: not a depthwise shape, and
// not a 3x3 conv that auto_pick may give to Winograd (CPU devices, 64 channels each way).
bool always_gemm(const Conv2dOptions& o, uint32_t cin) {
  if (o.algorithm == Conv2dAlgorithm::Gemm) return true;
  if (o.algorithm != Conv2dAlgorithm::Auto) return false;
  const uint32_t cin_g = cin / o.groups, cout_g = o.out_channels / o.groups;
  if (cin_g == 1 && cout_g < 4) return false;  // depthwise_shape
  return !(winograd_shape(o) && cin >= 64 && o.out_channels >= 64);
}

bool is_cpu(const Context& ctx) { return ctx.info().type == "CPU"; }

// The max pool a conv with max_pool_2x2 runs by itself where its epilogue cannot pool.
std::unique_ptr<Layer> make_pool(const std::string& conv) {
  PoolGeometry two;
  two.kernel = two.stride = {2, 2};
  return std::make_unique<MaxPool2dLayer>(conv + " (fused max pool)", two);
}

bool pointwise(const Conv2dOptions& o) {
  return o.kernel == std::array<uint32_t, 2>{1, 1} && o.stride == std::array<uint32_t, 2>{1, 1} &&
         o.padding == std::array<uint32_t, 2>{0, 0};
}

// Why scratch cannot hold Winograd's operands for p ("" when it can): the caller did not
// allocate Layer::scratch_floats.
std::string scratch_shortfall(const winograd::Problem& p, const TensorView& scratch) {
  const std::size_t have = scratch.empty() ? 0 : scratch.shape.count(), need = winograd::min_scratch_floats(p);
  if (have >= need) return "";
  return "winograd needs " + std::to_string(need) + " floats of scratch (Layer::scratch_floats), got " +
         std::to_string(have);
}

}  // namespace

Conv2dLayer::Conv2dLayer(std::string name, const Conv2dOptions& options) : Layer(std::move(name)), o_(options) {
  auto positive = [&](const char* what, std::array<uint32_t, 2> v) {
    if (v[0] == 0 || v[1] == 0) throw error(std::string(what) + " must be at least 1");
  };
  if (o_.out_channels == 0) throw error("out_channels must be at least 1");
  positive("kernel", o_.kernel);
  positive("stride", o_.stride);
  positive("dilation", o_.dilation);
  if (o_.groups == 0 || o_.groups > 65535) throw error("groups must be between 1 and 65535");
  // Padding wider than the kernel's extent only adds outputs that see nothing but zeros; from a
  // file it would be a way to ask for gigabytes of them.
  for (int i = 0; i < 2; ++i)
    if (uint64_t(o_.padding[i]) > uint64_t(o_.dilation[i]) * (o_.kernel[i] - 1) + 1)
      throw error("padding " + std::to_string(o_.padding[i]) + " is wider than the kernel's extent " +
                  std::to_string(uint64_t(o_.dilation[i]) * (o_.kernel[i] - 1) + 1) + " (dilation x (kernel - 1) + 1)");
  if (o_.out_channels % o_.groups)
    throw error("out_channels " + std::to_string(o_.out_channels) + " is not divisible by groups " +
                std::to_string(o_.groups));
  if (o_.max_pool_2x2 && o_.algorithm != Conv2dAlgorithm::Auto && o_.algorithm != Conv2dAlgorithm::Gemm)
    throw error(std::string("max_pool_2x2 needs the gemm algorithm, got ") + conv2d_algorithm_name(o_.algorithm));
  if (o_.max_pool_2x2) pool_ = make_pool(this->name());
  if (is_winograd(o_.algorithm) && !winograd_shape(o_))
    throw error("algorithm " + std::string(conv2d_algorithm_name(o_.algorithm)) +
                " needs a 3x3 kernel, stride 1, dilation 1 and groups 1, got kernel " + std::to_string(o_.kernel[0]) +
                "x" + std::to_string(o_.kernel[1]) + ", stride " + std::to_string(o_.stride[0]) + "x" +
                std::to_string(o_.stride[1]) + ", dilation " + std::to_string(o_.dilation[0]) + "x" +
                std::to_string(o_.dilation[1]) + ", groups " + std::to_string(o_.groups));
}

Conv2dAlgorithm Conv2dLayer::algorithm(const Shape& input, const Context& ctx, bool weights_prepared) const {
  const Geometry g = geometry(o_, input, conv_shape(input));
  const winograd::Problem p = forward_problem(o_, g);
  return choose(o_, g, &p, is_cpu(ctx), weights_prepared);
}

bool Conv2dLayer::fuse_activation(Activation kind, float negative_slope) {
  if (kind == Activation::Clamp) return false;  // two bounds; the epilogue carries one parameter
  act_ = kind;
  slope_ = negative_slope;
  return true;
}

bool Conv2dLayer::fuse_max_pool_2x2(uint32_t in_channels) {
  if (o_.max_pool_2x2 || in_channels % o_.groups || !always_gemm(o_, in_channels)) return false;
  o_.max_pool_2x2 = true;
  pool_ = make_pool(name());
  return true;
}

Shape Conv2dLayer::output_shape(std::span<const Shape> inputs) const {
  if (inputs.size() != 1) throw error("expects one input, got " + std::to_string(inputs.size()));
  const Shape y = conv_shape(inputs[0]);
  if (!o_.max_pool_2x2) return y;
  if (!always_gemm(o_, inputs[0].c))
    throw error(
        "max_pool_2x2 needs a conv that always runs the gemm algorithm: not depthwise, and not a 3x3 conv "
        "with 64 channels or more each way (auto may run those by Winograd), got " +
        std::to_string(inputs[0].c) + " -> " + std::to_string(o_.out_channels) + " channels");
  if (y.h < 2 || y.w < 2) throw error("output " + y.str() + " is smaller than the fused max pool's 2x2 window");
  return {y.n, y.c, y.h / 2, y.w / 2};
}

Shape Conv2dLayer::conv_shape(const Shape& in) const {
  if (in.c % o_.groups)
    throw error("in_channels " + std::to_string(in.c) + " of input " + in.str() + " is not divisible by groups " +
                std::to_string(o_.groups));
  auto extent = [](uint32_t size, uint32_t k, uint32_t s, uint32_t p, uint32_t d) {
    return (int64_t(size) + 2 * int64_t(p) - int64_t(d) * (k - 1) - 1) / int64_t(s) + 1;
  };
  int64_t oh = extent(in.h, o_.kernel[0], o_.stride[0], o_.padding[0], o_.dilation[0]);
  int64_t ow = extent(in.w, o_.kernel[1], o_.stride[1], o_.padding[1], o_.dilation[1]);
  // A negative numerator must not round towards zero into a valid size.
  if (int64_t(in.h) + 2 * o_.padding[0] < int64_t(o_.dilation[0]) * (o_.kernel[0] - 1) + 1) oh = 0;
  if (int64_t(in.w) + 2 * o_.padding[1] < int64_t(o_.dilation[1]) * (o_.kernel[1] - 1) + 1) ow = 0;
  if (oh < 1 || ow < 1)
    throw error("input " + in.str() + " is too small for kernel " + std::to_string(o_.kernel[0]) + "x" +
                std::to_string(o_.kernel[1]) + " with padding " + std::to_string(o_.padding[0]) + "x" +
                std::to_string(o_.padding[1]) + " and dilation " + std::to_string(o_.dilation[0]) + "x" +
                std::to_string(o_.dilation[1]) + " (output would be " + std::to_string(std::max<int64_t>(oh, 0)) + "x" +
                std::to_string(std::max<int64_t>(ow, 0)) + ")");
  if (o_.algorithm == Conv2dAlgorithm::Depthwise && (in.c / o_.groups != 1 || o_.out_channels / o_.groups >= 4))
    throw error("algorithm depthwise needs one input channel and at most 3 outputs per group, got " +
                std::to_string(in.c / o_.groups) + " and " + std::to_string(o_.out_channels / o_.groups));
  return {in.n, o_.out_channels, static_cast<uint32_t>(oh), static_cast<uint32_t>(ow)};
}

std::vector<ParamDesc> Conv2dLayer::params(std::span<const Shape> inputs) const {
  output_shape(inputs);  // validates the channels
  const uint32_t cin_g = inputs[0].c / o_.groups;
  const int64_t fan_in = int64_t(cin_g) * o_.kernel[0] * o_.kernel[1];
  std::vector<ParamDesc> p;
  p.push_back(
      {"weight", {o_.out_channels, cin_g, o_.kernel[0], o_.kernel[1]}, true, ParamInit::KaimingUniform, fan_in});
  if (o_.bias) p.push_back({"bias", {o_.out_channels}, true, ParamInit::FanInUniform, fan_in});
  return p;
}

// Scratch has no device, so Winograd's room is kept wherever some device kind may choose it.
// Its uses share one region: each is written and read within one pass of this layer (the
// recorder orders dispatches that touch the same buffer), and none is kept from forward to
// backward.
std::size_t Conv2dLayer::scratch_floats(std::span<const Shape> inputs, bool training) const {
  const Geometry g = geometry(o_, inputs[0], conv_shape(inputs[0]));
  auto room = [&](const winograd::Problem& p, std::initializer_list<bool> prepared) {
    std::size_t n = 0;
    for (bool cpu : {true, false})
      for (bool ready : prepared)
        if (const Conv2dAlgorithm a = choose(o_, g, &p, cpu, ready); is_winograd(a))
          n = std::max(n, winograd::scratch_floats(with_tile(p, a)));
    return n;
  };
  // Forward passes run with prepared weights in inference plans and without in training's.
  std::size_t need = room(forward_problem(o_, g), {true, false});
  // The subgroup core's padded weight rows, where K is not a multiple of 4 (forward).
  if (g.k() % 4 != 0) need = std::max<std::size_t>(need, padded_weights_floats(g));
  // The unpooled output, where the GEMM runs on the shared-memory core (which reads no padded
  // weights, so the two share the region).
  if (o_.max_pool_2x2) need = std::max<std::size_t>(need, conv_shape(inputs[0]).count());
  if (!training) return need;
  if (const auto bp = input_gradient_problem(o_, g)) need = std::max(need, room(*bp, {false}));
  if (input_gradient_conv(o_, g)) need = std::max<std::size_t>(need, g.weights());
  const uint64_t splits = max_weight_splits(g);
  return std::max<std::size_t>(need, splits > 1 ? splits * g.weights() : 0);
}

void Conv2dLayer::prepare(Recorder& rec, const LayerIO& io) {
  const Geometry g = geometry(o_, io.inputs[0].shape, conv_shape(io.inputs[0].shape));
  const winograd::Problem wp = forward_problem(o_, g);
  const Conv2dAlgorithm algorithm = choose(o_, g, &wp, is_cpu(rec.context()), true);
  // The GEMM's padded weights (used only by the subgroup core; a few thousand floats either way).
  if (algorithm == Conv2dAlgorithm::Gemm && reads_padded_weights(g, io.scratch))
    record_padded_weights(rec, g, io.params[0], io.scratch);
  if (!is_winograd(algorithm)) return;
  const winograd::Problem tiled = with_tile(wp, algorithm);
  // Without room forward throws (when forced) anyway.
  if (scratch_shortfall(tiled, io.scratch).empty())
    winograd::record_weights(rec, tiled, false, io.params[0], io.scratch);
}

void Conv2dLayer::forward(Recorder& rec, const LayerIO& io) {
  const TensorView& x = io.inputs[0];                // (N, Cin, H, W)
  const TensorView& w = io.params[0];                // (Cout, Cin/groups, kh, kw)
  const TensorView& b = o_.bias ? io.params[1] : w;  // (Cout); the shader skips it without bias
  const TensorView& y = io.output;                   // (N, Cout, OH, OW), pooled: (N, Cout, OH/2, OW/2)
  const Geometry g = geometry(o_, x.shape, conv_shape(x.shape));
  const Push push = make_push(g, slope_);
  Context& ctx = rec.context();
  const Conv2dAlgorithm algorithm = [&] {
    const winograd::Problem p = forward_problem(o_, g);
    return choose(o_, g, &p, is_cpu(ctx), io.prepared);
  }();
  const bool subgroup = algorithm == Conv2dAlgorithm::Gemm &&
                        conv2d::use_subgroup_gemm(o_.gemm, std::max(x.shape.count(), w.shape.count()), true, ctx,
                                                  "conv2d '" + name() + "'");
  // The shared-memory core's implicit GEMM into `out`.
  auto shared_gemm = [&](const TensorView& out) {
    const Tile t = pick_tile(ctx, g.cout_g, g.pixels(), g.groups, o_.tile);
    const Kernel& k = ctx.kernel(in_precision_of(out, ShaderId::conv2d), specialization(o_, t, {act_, o_.bias}));
    dispatch_columns(rec, k, {x.reads(), w.reads(), b.reads(), out.writes()}, push, t, g.pixels(),
                     div_up(g.cout_g, t.bm), g.groups);
  };

  if (o_.max_pool_2x2) {
    // output_shape let the pool through only where choose() picks the GEMM; the shared-memory
    // core below would compute any convolution anyway.
    if (subgroup) {
      record_subgroup_gemm(rec, io, y, true);
      return;
    }
    const TensorView unpooled{conv_shape(x.shape), io.scratch.buffer, y.fp16};
    if (io.scratch.empty() || io.scratch.shape.count() < unpooled.shape.count())
      throw error("the fused max pool needs " + std::to_string(unpooled.shape.count()) +
                  " floats of scratch (Layer::scratch_floats), got " +
                  std::to_string(io.scratch.empty() ? 0 : io.scratch.shape.count()));
    shared_gemm(unpooled);
    LayerIO pool_io;
    pool_io.inputs = {unpooled};
    pool_io.output = y;
    pool_->forward(rec, pool_io);
    return;
  }
  if (is_winograd(algorithm)) {
    const winograd::Problem wp = with_tile(forward_problem(o_, g), algorithm);
    if (const std::string why = scratch_shortfall(wp, io.scratch); !why.empty()) throw error(why);
    winograd::record(rec, wp, {.act = act_, .slope = slope_, .bias = o_.bias}, x, w, b, y, io.scratch, io.prepared);
    return;
  }
  // One input channel per group and few outputs per group (depthwise): a GEMM tile would be
  // mostly empty, so a direct kernel, four outputs of a row per invocation.
  if (algorithm == Conv2dAlgorithm::Depthwise) {
    const uint32_t quads = div_up(g.ow, 4);  // shaders/conv2d_depthwise.comp's OPI
    const uint64_t groups_x = div_up(uint64_t(g.cout) * g.oh * quads, 256);
    if (groups_x > kMaxGroupsPerDim || g.batch > kMaxGroupsPerDim)
      throw error("depthwise: more than 65535 workgroups (output " + std::to_string(g.cout) + "x" +
                  std::to_string(g.oh) + "x" + std::to_string(g.ow) + ", batch " + std::to_string(g.batch) +
                  ") are not supported");
    const bool texel = use_texel_inputs(ctx, {x.shape.count(), w.shape.count()});
    const Kernel& k =
        ctx.kernel(in_precision_of(y, texel ? ShaderId::conv2d_depthwise_texel : ShaderId::conv2d_depthwise),
                   specialization(o_, kNoTile, {act_, o_.bias}));
    Push dw = push;  // the shader splits its index by (channel, row, run of four): these divisors
    dw.div_ohw = FastDiv(g.oh * quads);
    dw.div_ow = FastDiv(quads);
    rec.dispatch(k, {input(x, texel), input(w, texel), b.reads(), y.writes()}, dw,
                 Groups{static_cast<uint32_t>(groups_x), 1, g.batch});
    return;
  }
  if (subgroup) {
    record_subgroup_gemm(rec, io, y, false);
    return;
  }
  shared_gemm(y);
}

void Conv2dLayer::record_subgroup_gemm(Recorder& rec, const LayerIO& io, const TensorView& y, bool pool) const {
  const TensorView& x = io.inputs[0];
  const TensorView& w = io.params[0];
  const TensorView& b = o_.bias ? io.params[1] : w;
  const Geometry g = geometry(o_, x.shape, conv_shape(x.shape));
  Push push = make_push(g, slope_);
  // Texel views: w as vec4s when each row of K taps is (else a copy padded to that in scratch,
  // where there is room), x as vec4s of four pixels when a pointwise conv's image planes keep
  // them in one plane (not when pooling: then a lane's four columns are a window, not a row).
  const bool pad = reads_padded_weights(g, io.scratch);
  const bool w_vec4 = g.k() % 4 == 0 || pad, x_vec4 = !pool && pointwise(o_) && g.oh * g.ow % 4 == 0;
  if (pad && !io.prepared) record_padded_weights(rec, g, w, io.scratch);
  const Tile t = conv2d::subgroup_tile(g.cout_g);
  std::vector<uint32_t> spec = specialization(o_, t, {act_, o_.bias});
  spec.insert(spec.end(), {w_vec4 ? 1u : 0u, x_vec4 ? 1u : 0u});
  uint64_t columns = g.pixels();
  if (pool) {
    spec.insert(spec.end(), {0u, 1u});  // ACCUMULATE off, POOL on
    const uint32_t pooled_w = g.ow / 2, pooled = (g.oh / 2) * pooled_w;
    push.div_ohw = FastDiv(pooled);  // the shader's column split: (image, window), then (row, column)
    push.div_ow = FastDiv(pooled_w);
    columns = uint64_t(g.batch) * pooled * 4;
  }
  const Kernel& k = rec.context().kernel(in_precision_of(y, ShaderId::conv2d_subgroup), spec);
  const Binding xb = x_vec4 ? x.reads_vec4s(0, x.shape.count()) : x.reads_floats();
  const Binding wb = pad      ? io.scratch.reads_vec4s(0, padded_weights_floats(g))
                     : w_vec4 ? w.reads_vec4s(0, w.shape.count())
                              : w.reads_floats();
  dispatch_columns(rec, k, {xb, wb, b.reads(), y.writes()}, push, t, columns, div_up(g.cout_g, t.bm), g.groups);
}

void Conv2dLayer::backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) {
  if (act_ != Activation::None)
    throw error("backward through a fused activation is not supported (training graphs keep it separate)");
  if (o_.max_pool_2x2)
    throw error("backward through a fused max pool is not supported (training graphs keep it separate)");
  const TensorView& x = io.inputs[0];        // (N, Cin, H, W)
  const TensorView& w = io.params[0];        // (Cout, Cin/groups, kh, kw)
  const TensorView& dy = grads.grad_output;  // (N, Cout, OH, OW)
  const Geometry g = geometry(o_, x.shape, dy.shape);
  Push push = make_push(g, slope_);
  Context& ctx = rec.context();
  auto wanted = [](const std::vector<TensorView>& v, std::size_t i) { return i < v.size() && !v[i].empty(); };

  auto wp = input_gradient_problem(o_, g);
  const Conv2dAlgorithm dx_algorithm = wp ? choose(o_, g, &*wp, is_cpu(ctx), false) : Conv2dAlgorithm::Gemm;
  if (wp) *wp = with_tile(*wp, dx_algorithm);
  if (wanted(grads.grad_inputs, 0) && is_winograd(dx_algorithm)) {
    const TensorView& dx = grads.grad_inputs[0];  // (N, Cin, H, W)
    if (const std::string why = scratch_shortfall(*wp, io.scratch); !why.empty()) throw error(why);
    winograd::record(rec, *wp, {.accumulate = true, .flip = true}, dy, w, w, dx, io.scratch);
  } else if (const auto t = input_gradient_conv(o_, g);
             wanted(grads.grad_inputs, 0) && t && io.scratch.shape.count() >= g.weights() &&
             conv2d::use_subgroup_gemm(o_.gemm, std::max(dy.shape.count(), g.weights()), true, ctx,
                                       "conv2d '" + name() + "'")) {
    const TensorView& dx = grads.grad_inputs[0];  // (N, Cin, H, W)
    TensorView wt = io.scratch;                   // (Cin, Cout/groups, kh, kw), rotated
    wt.shape = {g.cin, g.cout_g, o_.kernel[0], o_.kernel[1]};
    const Kernel& r = ctx.kernel(ShaderId::conv2d_backward_data_weight, specialization(o_, kNoTile));
    rec.dispatch(r, {w.reads(), wt.writes()}, push, elementwise_groups(g.weights()));
    const Geometry tg = geometry(*t, dy.shape, dx.shape);
    const bool w_vec4 = tg.k() % 4 == 0, x_vec4 = pointwise(*t) && g.h * g.w % 4 == 0;
    const Tile st = conv2d::subgroup_tile(tg.cout_g);
    std::vector<uint32_t> spec = specialization(*t, st);
    spec.insert(spec.end(), {w_vec4 ? 1u : 0u, x_vec4 ? 1u : 0u, 1u});  // accumulate into dx
    const Kernel& k = ctx.kernel(ShaderId::conv2d_subgroup, spec);
    const Binding dyb = x_vec4 ? dy.reads_vec4s(0, dy.shape.count()) : dy.reads_floats();
    const Binding wb = w_vec4 ? wt.reads_vec4s(0, g.weights()) : wt.reads_floats();
    dispatch_columns(rec, k, {dyb, wb, dy.reads(), dx.writes()}, make_push(tg, 0.0f), st, tg.pixels(),
                     div_up(tg.cout_g, st.bm), tg.groups);
  } else if (wanted(grads.grad_inputs, 0)) {
    const TensorView& dx = grads.grad_inputs[0];  // (N, Cin, H, W)
    const uint64_t n = uint64_t(g.batch) * g.h * g.w;
    const Tile t = pick_tile(ctx, g.cin_g, n, g.groups, o_.tile);
    const Kernel& k = ctx.kernel(ShaderId::conv2d_backward_data, specialization(o_, t));
    dispatch_columns(rec, k, {dy.reads(), w.reads(), dx.writes()}, push, t, n, div_up(g.cin_g, t.bm), g.groups);
  }

  if (wanted(grads.grad_params, 0)) {
    const TensorView& dw = grads.grad_params[0];  // (Cout, Cin/groups, kh, kw)
    const TensorView& scratch = io.scratch;       // (splits, Cout, Cin/groups, kh, kw) partial sums
    const bool subgroup = conv2d::use_subgroup_gemm(o_.gemm, std::max(dy.shape.count(), x.shape.count()), true, ctx,
                                                    "conv2d '" + name() + "'");
    const WeightGradPlan plan =
        weight_grad_plan(ctx, g, scratch.empty() ? 1 : scratch.shape.count() / g.weights(), subgroup, o_.tile);
    const bool split = plan.splits > 1;
    push.k_split = plan.k_split;
    std::vector<uint32_t> spec = specialization(o_, plan.tile, {.split_k = split});
    Binding dyb = dy.reads(), xb = x.reads();
    ShaderId shader = ShaderId::conv2d_backward_weight;
    if (subgroup) {
      // dy as vec4s of four pixels where a quad never spans two images (always with tap columns).
      const bool dy_vec4 = g.oh * g.ow % 4 == 0;
      if (!plan.tap_columns) spec.push_back(dy_vec4 ? 1u : 0u);
      dyb = dy_vec4 ? dy.reads_vec4s(0, dy.shape.count()) : dy.reads_floats();
      xb = x.reads_floats();
      shader = plan.tap_columns ? ShaderId::conv2d_backward_weight_subgroup_tap_columns
                                : ShaderId::conv2d_backward_weight_subgroup;
    }
    const Kernel& k = ctx.kernel(shader, spec);
    rec.dispatch(k, {dyb, xb, dw.writes(), split ? scratch.writes() : dw.writes()}, push, plan.groups);
    if (split) {
      struct ReducePush {
        uint32_t count, splits;
      };
      const Kernel& r = ctx.kernel(ShaderId::conv2d_reduce);
      rec.dispatch(r, {scratch.reads(), dw.writes()}, ReducePush{static_cast<uint32_t>(g.weights()), plan.splits},
                   elementwise_groups(g.weights()));
    }
  }

  if (o_.bias && wanted(grads.grad_params, 1)) {
    const TensorView& db = grads.grad_params[1];  // (Cout)
    const bool vec4 = g.oh * g.ow % 4 == 0, texel = use_texel_inputs(ctx, {dy.shape.count()});
    std::vector<uint32_t> spec = specialization(o_, kNoTile);
    spec.push_back(vec4);
    const Kernel& k = ctx.kernel(texel ? ShaderId::conv2d_backward_bias_texel : ShaderId::conv2d_backward_bias, spec);
    rec.dispatch(k, {input(dy, texel, vec4), db.writes()}, push, Groups{g.cout, 1, 1});
  }
}

}  // namespace vkcnn
