// flatten: (N, C, H, W) -> (N, C*H*W, 1, 1) in (C, H, W) order, PyTorch's nn.Flatten(). NCHW is
// contiguous, so the output is the input's buffer under another shape: no work in forward.
#pragma once
#include <vkcnn/layers/layer.h>

namespace vkcnn {

class FlattenLayer : public Layer {
 public:
  using Layer::Layer;
  std::string_view type() const override { return "flatten"; }

  Shape output_shape(std::span<const Shape> inputs) const override;
  bool aliases_input(bool training) const override { return true; }

  // x (N, C, H, W), y (N, C*H*W, 1, 1): nothing to record when y is x's buffer (it always is
  // in a plan); a copy otherwise
  void forward(Recorder& rec, const LayerIO& io) override;
  // dx += dy (same element count)
  void backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) override;
};

}  // namespace vkcnn
