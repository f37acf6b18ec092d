// dense (PyTorch nn.Linear): y = x W^T + b. The input (N, C, H, W) is read as (N, C*H*W) in
// (C, H, W) order, so a preceding flatten costs nothing; the output is (N, out_features, 1, 1).
#pragma once
#include "layers/activation.h"
#include "layers/layer.h"

namespace vkcnn {

class DenseLayer : public Layer {
 public:
  DenseLayer(std::string name, uint32_t out_features, bool bias);
  std::string_view type() const override { return "dense"; }
  uint32_t out_features() const { return out_features_; }
  bool has_bias() const { return bias_; }

  // Applies the activation in the GEMM's epilogue (inference only: backward then throws).
  // Every Activation kind fuses, so this returns true.
  bool fuse_activation(Activation kind, float negative_slope) override;
  Activation fused_activation() const { return act_; }

  // For tests and tuning: 1, 2 or 4 forces the tiled GEMM with that register block (tile
  // 16R x 16R) for every product; 0 (the default) picks it from the shape, and a GEMV for N <= 8.
  void set_register_block(uint32_t r);

  Shape output_shape(std::span<const Shape> inputs) const override;
  // weight [out, in] (in = C*H*W), bias [out]
  std::vector<ParamDesc> params(std::span<const Shape> inputs) const override;
  // Room for split-K partial sums, where a product has too few output tiles to fill the device
  // (e.g. 3136 -> 128 at batch 64); nothing is kept from forward to backward.
  std::size_t scratch_floats(std::span<const Shape> inputs, bool training) const override;

  // x (N, C, H, W) = (N, in); y (N, out, 1, 1)
  void forward(Recorder& rec, const LayerIO& io) override;
  // dx += dy W; dW += dy^T x; db += sum_n dy
  void backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) override;

 private:
  uint32_t out_features_;
  bool bias_;
  Activation act_ = Activation::None;
  float slope_ = 0.01f;
  uint32_t forced_block_ = 0;
};

}  // namespace vkcnn
