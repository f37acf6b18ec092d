// batchnorm2d (PyTorch nn.BatchNorm2d): per-channel normalisation with a learned scale and shift.
// Training normalises with the batch's statistics and moves the running ones; inference uses the
// running statistics (and the graph folds it into the preceding conv where it can, on the host).
#pragma once
#include <vkcnn/layers/layer.h>

namespace vkcnn {

class BatchNorm2dLayer : public Layer {
 public:
  BatchNorm2dLayer(std::string name, float eps, float momentum);
  std::string_view type() const override { return "batchnorm2d"; }
  bool supports_fp16() const override { return true; }
  float eps() const { return eps_; }
  float momentum() const { return momentum_; }

  Shape output_shape(std::span<const Shape> inputs) const override;
  // weight [C], bias [C], running_mean [C], running_var [C] (the last two not trainable)
  std::vector<ParamDesc> params(std::span<const Shape> inputs) const override;
  // Training keeps [mean[C], inv_std[C]] of the batch from forward to backward.
  std::size_t scratch_floats(std::span<const Shape> inputs, bool training) const override;

  // x, y (N, C, H, W). Training also writes running_mean and running_var (params 2 and 3).
  void forward(Recorder& rec, const LayerIO& io) override;
  // Training mode (it needs forward's batch statistics), with x_hat = (x - mean) inv_std:
  // dx += weight inv_std (dy - mean(dy) - x_hat mean(dy x_hat)), dweight += sum dy x_hat, dbias += sum dy
  // (sums and means per channel over N, H, W).
  // Inference mode (io.training false: a frozen layer that normalised with its running
  // statistics): dx += weight dy / sqrt(running_var + eps), and no parameter gradients.
  void backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) override;

 private:
  float eps_;
  float momentum_;
};

}  // namespace vkcnn
