// avgpool2d: PyTorch's AvgPool2d (kernel, stride, padding, ceil_mode, count_include_pad).
#pragma once
#include <vkcnn/layers/layer.h>

#include "layers/attributes.h"
#include "layers/pool2d.h"

namespace vkcnn {

class AvgPool2dLayer : public Layer {
 public:
  AvgPool2dLayer(std::string name, PoolGeometry geometry, bool count_include_pad)
      : Layer(std::move(name)), g_(geometry), count_include_pad_(count_include_pad) {}
  static std::unique_ptr<Layer> create(const Attributes& a, const std::string& name);
  std::string_view type() const override { return "avgpool2d"; }
  bool supports_fp16() const override { return true; }
  const PoolGeometry& geometry() const { return g_; }
  bool count_include_pad() const { return count_include_pad_; }

  Shape output_shape(std::span<const Shape> inputs) const override;
  // x (N, C, H, W) -> y (N, C, OH, OW)
  void forward(Recorder& rec, const LayerIO& io) override;
  // dx (N, C, H, W) += dy (N, C, OH, OW) / window divisor, over every window holding x
  void backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) override;

 private:
  std::vector<uint32_t> spec_constants() const;

  PoolGeometry g_;
  bool count_include_pad_;
};

}  // namespace vkcnn
