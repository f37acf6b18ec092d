// global_avgpool: the mean of every (n, c) plane, PyTorch's AdaptiveAvgPool2d(1).
#pragma once
#include <vkcnn/layers/layer.h>

namespace vkcnn {

class GlobalAvgPoolLayer : public Layer {
 public:
  using Layer::Layer;
  std::string_view type() const override { return "global_avgpool"; }
  bool supports_fp16() const override { return true; }

  Shape output_shape(std::span<const Shape> inputs) const override;
  // x (N, C, H, W) -> y (N, C, 1, 1); one workgroup per plane
  void forward(Recorder& rec, const LayerIO& io) override;
  // dx (N, C, H, W) += dy (N, C, 1, 1) / (H*W)
  void backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) override;
};

}  // namespace vkcnn
