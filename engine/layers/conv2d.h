// conv2d: PyTorch nn.Conv2d (stride, padding, dilation, groups, optional bias), forward and
// backward as Vulkan compute shaders (shaders/conv2d*.comp).
//  - forward: an implicit GEMM with shared-memory tiles (conv2d.comp), or a direct kernel when
//    each group has one input channel (conv2d_depthwise.comp); bias and an optional fused
//    activation (relu, relu6, leaky_relu, sigmoid) are applied in the epilogue.
//  - backward: dx by a transposed-conv gather GEMM, dw by a split-K GEMM over the pixels,
//    db by a per-channel reduction. All accumulate (+=).
#pragma once
#include <array>
#include <cstdint>
#include <memory>

#include "layers/activation.h"
#include "layers/attributes.h"
#include "layers/layer.h"

namespace vkcnn {

struct Conv2dOptions {
  uint32_t out_channels = 1;
  std::array<uint32_t, 2> kernel{1, 1};    // (kh, kw)
  std::array<uint32_t, 2> stride{1, 1};
  std::array<uint32_t, 2> padding{0, 0};   // zeros on both sides
  std::array<uint32_t, 2> dilation{1, 1};
  uint32_t groups = 1;
  bool bias = true;
};

class Conv2dLayer : public Layer {
 public:
  // Throws Error naming the layer for zero sizes or out_channels not divisible by groups.
  Conv2dLayer(std::string name, const Conv2dOptions& options);
  std::string_view type() const override { return "conv2d"; }

  uint32_t out_channels() const { return o_.out_channels; }
  std::array<uint32_t, 2> kernel() const { return o_.kernel; }
  std::array<uint32_t, 2> stride() const { return o_.stride; }
  std::array<uint32_t, 2> padding() const { return o_.padding; }
  std::array<uint32_t, 2> dilation() const { return o_.dilation; }
  uint32_t groups() const { return o_.groups; }
  bool has_bias() const { return o_.bias; }

  // Inference graphs fold a following activation into the epilogue (every kind fuses, so
  // this returns true); backward then throws.
  bool fuse_activation(Activation kind, float negative_slope) override;
  Activation fused_activation() const { return act_; }

  // x: (N, Cin, H, W) -> y: (N, out_channels, OH, OW), OH = (H + 2p - d(k-1) - 1) / s + 1.
  Shape output_shape(std::span<const Shape> inputs) const override;
  // weight [out, in/groups, kh, kw], then bias [out] when has_bias().
  std::vector<ParamDesc> params(std::span<const Shape> inputs) const override;
  // Training only: room for the weight gradient's split-K partial sums.
  std::size_t scratch_floats(std::span<const Shape> inputs, bool training) const override;

  // y = act(conv(x, w) + b)
  void forward(Recorder& rec, const LayerIO& io) override;
  // dx += conv_transpose(dy, w); dw += dy (x) im2col(x); db += sum(dy)
  void backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) override;

 private:
  Conv2dOptions o_;
  Activation act_ = Activation::None;
  float slope_ = 0.01f;
};

// The registry's factory: reads out_channels, kernel, stride, padding, dilation, groups, bias.
std::unique_ptr<Layer> make_conv2d(const Attributes& attributes, const std::string& name);

namespace conv2d {

// n / d as a multiply-high and a shift, exact for n < 2^31 (what the shaders' fast_div runs).
struct FastDiv {
  uint32_t mul = 0, shift = 0;
  explicit FastDiv(uint32_t divisor = 1);
  uint32_t divide(uint32_t n) const {
    return static_cast<uint32_t>(((uint64_t(n) * mul >> 32) + n) >> shift);
  }
};

}  // namespace conv2d
}  // namespace vkcnn
