// conv2d: PyTorch nn.Conv2d (stride, padding, dilation, groups, optional bias), forward and
// backward as Vulkan compute shaders (shaders/conv2d*.comp).
//  - forward: an implicit GEMM with shared-memory tiles (conv2d.comp; a 1x1 stride-1 unpadded
//    conv specialises into a plain GEMM), Winograd F(4x4, 3x3) or F(2x2, 3x3) for 3x3 stride-1
//    single-group convs (conv2d_winograd*.comp, conv2d_winograd.h), or a direct kernel for
//    depthwise (one input and at most 3 outputs per group: conv2d_depthwise.comp); bias and an
//    optional fused activation (relu, relu6, leaky_relu, sigmoid) are applied in the epilogue.
//  Conv2dOptions::algorithm forces one; auto picks per layer and device. The GEMMs run on one
//  of two cores (Conv2dOptions::gemm): shared-memory tiles chosen per device kind and shape
//  (conv2d_gemm.cpp), or on CPU devices the subgroup core (shaders/gemm_subgroup.glsl, docs/design.md).
//  - backward: dx by a transposed-conv gather GEMM, or for stride 1 on the subgroup core as a
//    convolution of dy with the rotated kernel, or by Winograd for 3x3 stride 1 (padding <= 2;
//    auto: where the forward would use it, on the subgroup core only from 64 channels); dw by
//    a split-K GEMM over the pixels (on either core), db by a per-channel reduction. All
//    accumulate (+=).
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include <vkcnn/layers/layer.h>

#include "layers/activation.h"
#include "layers/attributes.h"
#include "layers/fast_div.h"

namespace vkcnn {

// How the forward pass (and, for Winograd, the input gradient) is computed. Auto chooses per
// layer and device (see conv2d.cpp); forcing one on a shape it cannot run is an Error.
enum class Conv2dAlgorithm {
  Auto,
  Gemm,        // implicit GEMM: every shape
  Winograd,    // F(4x4, 3x3): 3x3 kernel, stride 1, dilation 1, groups 1
  WinogradF2,  // F(2x2, 3x3): the same shapes, fewer savings, smaller transforms
  Depthwise,   // direct: one input channel and at most 3 outputs per group
};
// "auto", "gemm", "winograd", "winograd_f2", "depthwise" (the JSON attribute "algorithm");
// nullopt otherwise.
std::optional<Conv2dAlgorithm> conv2d_algorithm_from_name(std::string_view name);
const char* conv2d_algorithm_name(Conv2dAlgorithm a);

// Which core runs the GEMMs of the gemm paths (today: Winograd's batched GEMMs). Shared: tiles
// staged in shared memory (shaders/conv2d_gemm.glsl), for every device. Subgroup: workgroups of
// 8 that read only texels (shaders/gemm_subgroup.glsl), several times faster on CPU devices
// with subgroups of 8 (lavapipe), correct on any device. Auto: Subgroup on such CPU devices,
// Shared elsewhere. Forcing Subgroup where the operands exceed its texel views is an Error.
enum class GemmKernel { Auto, Shared, Subgroup };
// "auto", "shared", "subgroup" (the JSON attribute "gemm"); nullopt otherwise.
std::optional<GemmKernel> gemm_kernel_from_name(std::string_view name);
const char* gemm_kernel_name(GemmKernel k);

namespace conv2d {
// One GEMM tiling: the constant_id 0..5 of shaders/conv2d_gemm.glsl.
struct Tile {
  uint32_t bm, bn, bk, tm, tn;
  constexpr uint32_t threads() const { return (bm / tm) * (bn / tn); }
  // TM, TN multiples of 4 (the shaders read vec4s); THREADS a multiple of BK and of BN / 4
  // (each loader invocation keeps one column or one k row); shared tiles within 48 KiB.
  constexpr bool valid() const {
    return tm % 4 == 0 && tn % 4 == 0 && bm % tm == 0 && bn % tn == 0 && threads() % bk == 0 &&
           threads() % (bn / 4) == 0 && threads() <= 256 && bk * (bm / 4 + bn / 4 + 2) * 16 <= 48 * 1024;
  }
};
}  // namespace conv2d

struct Conv2dOptions {
  uint32_t out_channels = 1;
  std::array<uint32_t, 2> kernel{1, 1};  // (kh, kw)
  std::array<uint32_t, 2> stride{1, 1};
  std::array<uint32_t, 2> padding{0, 0};  // zeros on both sides
  std::array<uint32_t, 2> dilation{1, 1};
  uint32_t groups = 1;
  bool bias = true;
  Conv2dAlgorithm algorithm = Conv2dAlgorithm::Auto;
  GemmKernel gemm = GemmKernel::Auto;
  // The shared-memory core's tiling for every GEMM of the layer (the JSON attribute "tile":
  // [bm, bn, bk, tm, tn]); unset: chosen per device and shape. How tests reach each tiling.
  std::optional<conv2d::Tile> tile;
  // A 2x2 stride-2 max pool of the output, in the same layer (the JSON attribute "max_pool_2x2",
  // which the inference rewrite sets where such a maxpool2d follows: Conv2dLayer::fuse_max_pool_2x2).
  bool max_pool_2x2 = false;
};

class Conv2dLayer : public Layer {
 public:
  // Throws Error naming the layer for zero sizes or out_channels not divisible by groups.
  Conv2dLayer(std::string name, const Conv2dOptions& options);
  std::string_view type() const override { return "conv2d"; }
  bool supports_fp16() const override { return true; }

  uint32_t out_channels() const { return o_.out_channels; }
  std::array<uint32_t, 2> kernel() const { return o_.kernel; }
  std::array<uint32_t, 2> stride() const { return o_.stride; }
  std::array<uint32_t, 2> padding() const { return o_.padding; }
  std::array<uint32_t, 2> dilation() const { return o_.dilation; }
  uint32_t groups() const { return o_.groups; }
  bool has_bias() const { return o_.bias; }
  Conv2dAlgorithm requested_algorithm() const { return o_.algorithm; }
  // What the forward pass runs for this input shape on this device (never Auto), in a plan
  // that prepared the weights (inference) or not (training, single layers).
  Conv2dAlgorithm algorithm(const Shape& input, const Context& ctx, bool weights_prepared = false) const;

  // Inference graphs fold a following activation into the epilogue (every kind fuses, so
  // this returns true); backward then throws.
  bool fuse_activation(Activation kind, float negative_slope) override;
  Activation fused_activation() const { return act_; }
  // Takes the pool where every batch's forward runs the GEMM (not depthwise, and not a 3x3 conv
  // that auto may run by Winograd): on the subgroup core the epilogue pools (shaders/
  // conv2d_subgroup.comp), elsewhere the conv writes its output to scratch and a max pool
  // reads it from there. Backward then throws.
  bool fuse_max_pool_2x2(uint32_t in_channels) override;
  bool fused_max_pool() const { return o_.max_pool_2x2; }
  bool outputs_independent_scores() const override { return act_ == Activation::Sigmoid; }

  // x: (N, Cin, H, W) -> y: (N, out_channels, OH, OW), OH = (H + 2p - d(k-1) - 1) / s + 1;
  // with a fused max pool (N, out_channels, OH / 2, OW / 2).
  Shape output_shape(std::span<const Shape> inputs) const override;
  // weight [out, in/groups, kh, kw], then bias [out] when has_bias().
  std::vector<ParamDesc> params(std::span<const Shape> inputs) const override;
  // Room for Winograd's transformed operands where it may run (forward, and the input
  // gradient in training), in training the weight gradient's split-K partial sums, and with a
  // fused max pool the unpooled output (used where the epilogue cannot pool).
  std::size_t scratch_floats(std::span<const Shape> inputs, bool training) const override;

  // Winograd's weight transform, or the subgroup core's padded weight rows, kept in scratch for
  // every later forward (inference plans).
  void prepare(Recorder& rec, const LayerIO& io) override;
  // y = act(conv(x, w) + b)
  void forward(Recorder& rec, const LayerIO& io) override;
  // dx += conv_transpose(dy, w); dw += dy (x) im2col(x); db += sum(dy)
  void backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) override;

 private:
  Shape conv_shape(const Shape& in) const;  // the output before a fused pool
  // The GEMM on the subgroup core, y = act(conv(x, w) + b), pooled where `pool`.
  void record_subgroup_gemm(Recorder& rec, const LayerIO& io, const TensorView& y, bool pool) const;

  Conv2dOptions o_;
  Activation act_ = Activation::None;
  float slope_ = 0.01f;
  std::unique_ptr<Layer> pool_;  // the fused max pool, run by itself where the epilogue cannot
};

// The registry's factory: reads out_channels, kernel, stride, padding, dilation, groups, bias,
// algorithm, gemm, tile, max_pool_2x2.
std::unique_ptr<Layer> make_conv2d(const Attributes& attributes, const std::string& name);

namespace conv2d {

inline constexpr uint32_t kMaxGroupsPerDim = 65535;  // the limit every Vulkan device guarantees

// Every size of one convolution on one input shape.
struct Geometry {
  uint32_t batch, cin, h, w, cout, oh, ow, cin_g, cout_g, groups, khw;
  uint64_t pixels() const { return uint64_t(batch) * oh * ow; }
  uint64_t weights() const { return uint64_t(cout) * cin_g * khw; }
  uint32_t k() const { return cin_g * khw; }  // the GEMM depth: taps per output
};

// How the weight gradient's K = batch*oh*ow is split across workgroups.
struct WeightGradPlan {
  Tile tile;
  bool tap_columns;  // subgroup core: rows are output channels, columns taps (else the reverse)
  uint32_t splits, k_split;
  Groups groups;  // the dispatch: column tiles, row tiles, groups x splits
};

// The most splits the weight gradient may use: device-independent, because it sizes the
// scratch buffer (Layer::scratch_floats has no device), and capped so scratch stays small.
uint64_t max_weight_splits(const Geometry& g);
// Splits K until the device has about two rounds of workgroups, within what `capacity`
// (scratch floats / weights) holds; the tiling is `forced` where set (shared-memory core).
WeightGradPlan weight_grad_plan(const Context& ctx, const Geometry& g, uint64_t capacity, bool subgroup,
                                const std::optional<Tile>& forced);

// About how many workgroups the device runs at once (Vulkan does not say): what a tiling
// should give it at least.
uint32_t parallel_slots(const Context& ctx);
// The tilings the layer chooses from on GPUs and on CPU devices (lavapipe).
std::span<const Tile> gpu_tiles();
std::span<const Tile> cpu_tiles();
// The tiling with the least estimated time for M x N GEMMs in `groups` groups on this device,
// or `forced` when set.
Tile pick_tile(const Context& ctx, uint64_t m, uint64_t n, uint64_t groups, const std::optional<Tile>& forced = {});

// The subgroup GEMM core (shaders/gemm_subgroup.glsl): its columns (N) of C per workgroup, its
// tile for a GEMM of `rows` rows (M; 32 a workgroup, or 16 where rows <= 16).
inline constexpr uint32_t kSubgroupColumns = 64;
Tile subgroup_tile(uint64_t rows);
// Which way round the subgroup core computes the weight gradient, for `taps` = cin_g*kh*kw,
// `channels` = cout_g and `pixels_per_image` = oh*ow: true for rows of output channels and
// columns of taps (shaders/conv2d_backward_weight_subgroup_tap_columns.comp), false for the
// reverse. Each four pixels cost a tile one call into lavapipe's sampler per fetch, and those
// calls bound the GEMM: taps as rows fetch x as four floats a row and dy as 8 vec4s, channels
// as rows dy as a vec4 a row and x as 32 gathers; the cheaper over all its tiles wins. Channels
// as rows needs oh*ow to be a multiple of 4 (dy's vec4s).
bool weight_gradient_taps_as_columns(uint64_t taps, uint64_t channels, uint64_t pixels_per_image);

// Whether a GEMM runs on the subgroup core: as `want` says, auto on CPU devices with subgroups
// of 8 (every device can run it; only there is it measured faster) where the operands fit its
// texel views (`largest_texels`, `aligned`). Forced where the operands do not fit: an Error
// that starts with `what`.
bool use_subgroup_gemm(GemmKernel want, uint64_t largest_texels, bool aligned, const Context& ctx,
                       const std::string& what);

}  // namespace conv2d
}  // namespace vkcnn
