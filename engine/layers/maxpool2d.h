// maxpool2d: PyTorch's MaxPool2d (kernel, stride, padding as -inf, dilation, ceil_mode).
#pragma once
#include <vkcnn/layers/layer.h>

#include "layers/attributes.h"
#include "layers/pool2d.h"

namespace vkcnn {

class MaxPool2dLayer : public Layer {
 public:
  MaxPool2dLayer(std::string name, PoolGeometry geometry) : Layer(std::move(name)), g_(geometry) {}
  static std::unique_ptr<Layer> create(const Attributes& a, const std::string& name);
  std::string_view type() const override { return "maxpool2d"; }
  bool supports_fp16() const override { return true; }
  const PoolGeometry& geometry() const { return g_; }

  Shape output_shape(std::span<const Shape> inputs) const override;
  // Training keeps the argmax of every window (one uint per output element) for backward.
  std::size_t scratch_floats(std::span<const Shape> inputs, bool training) const override;

  // x (N, C, H, W) -> y (N, C, OH, OW); in training also argmax (N, C, OH, OW) into scratch
  void forward(Recorder& rec, const LayerIO& io) override;
  // dx (N, C, H, W) += dy (N, C, OH, OW) routed to each window's argmax
  void backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) override;

 private:
  PoolGeometry g_;
};

}  // namespace vkcnn
