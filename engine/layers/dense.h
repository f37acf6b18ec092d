// dense (PyTorch nn.Linear): y = x W^T + b. The input (N, C, H, W) is read as (N, C*H*W) in
// (C, H, W) order, so a preceding flatten costs nothing; the output is (N, out_features, 1, 1).
// x as (N, in, 1, 1) and W [out, in] as [out, in, 1, 1] are a 1x1 convolution in the same memory,
// so the products go to conv2d's tiled GEMMs (one GEMM to tune, not two); only a small batch's
// forward pass takes a matrix-vector kernel of its own (shaders/dense_gemv.comp), and the bias
// gradient a per-feature sum (shaders/dense_backward_bias.comp).
#pragma once
#include <optional>
#include <span>

#include <vkcnn/layers/layer.h>

#include "layers/activation.h"
#include "layers/conv2d.h"

namespace vkcnn {

namespace dense {
// The GEMV's work split (specialization constants 4 and 5 of shaders/dense_gemv.comp): output
// features per workgroup (1..4) and invocations per workgroup (a power of two).
struct GemvTiling {
  uint32_t features, invocations;
};
}  // namespace dense

// How the products run, when a test forces it (unset or Auto: chosen per device and shape).
struct DenseTuning {
  GemmKernel gemm = GemmKernel::Auto;     // the 1x1 convolution's GEMM core
  std::optional<conv2d::Tile> tile;       // its shared-memory tiling
  std::optional<dense::GemvTiling> gemv;  // the GEMV's work split
};

class DenseLayer : public Layer {
 public:
  // Batches up to this size run the forward pass as a GEMV: it reads each weight once for the
  // whole batch, where a GEMM tile would be mostly padding. (On lavapipe, refcnn's f1 takes
  // 0.4 ms at batch 1 and 1 ms at batch 8 this way, against 2.8 ms as a 1x1 convolution.)
  static constexpr uint32_t kMaxGemvRows = 8;

  DenseLayer(std::string name, uint32_t out_features, bool bias, const DenseTuning& tuning = {});
  std::string_view type() const override { return "dense"; }
  bool supports_fp16() const override { return true; }
  uint32_t out_features() const { return out_features_; }
  bool has_bias() const { return bias_; }

  // Applies the activation in the epilogue (inference only: backward then throws). Every
  // Activation kind fuses, so this returns true.
  bool fuse_activation(Activation kind, float negative_slope) override;
  Activation fused_activation() const { return act_; }
  bool outputs_independent_scores() const override { return act_ == Activation::Sigmoid; }

  Shape output_shape(std::span<const Shape> inputs) const override;
  // weight [out, in] (in = C*H*W), bias [out]
  std::vector<ParamDesc> params(std::span<const Shape> inputs) const override;
  // Training only: the 1x1 convolution's room for the weight gradient's split-K partial sums.
  std::size_t scratch_floats(std::span<const Shape> inputs, bool training) const override;

  // The 1x1 convolution's prepared weights (inference plans), for batches past the GEMV's.
  void prepare(Recorder& rec, const LayerIO& io) override;
  // x (N, C, H, W) = (N, in); y (N, out, 1, 1)
  void forward(Recorder& rec, const LayerIO& io) override;
  // dx += dy W; dW += dy^T x; db += sum_n dy
  void backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) override;

 private:
  // The 1x1 convolution's options; checks out_features first, so that the error names the dense.
  Conv2dOptions pointwise(uint32_t out_features, bool bias, const DenseTuning& tuning) const;

  uint32_t out_features_;
  bool bias_;
  Activation act_ = Activation::None;
  float slope_ = 0.01f;
  std::optional<dense::GemvTiling> gemv_;
  // io as the 1x1 convolution gemm_ sees it: x as (N, in, 1, 1), w as [out, in, 1, 1].
  LayerIO as_conv(const LayerIO& io) const;

  Conv2dLayer gemm_;  // the same product as a 1x1 convolution, on reshaped views
};

namespace dense {

// The splits the layer chooses from (one for GPUs, one for CPU devices).
std::span<const GemvTiling> gemv_tilings();

}  // namespace dense
}  // namespace vkcnn
