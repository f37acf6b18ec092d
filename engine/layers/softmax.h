// softmax over the channel dimension (PyTorch softmax(dim=1)) for every (n, h, w).
#pragma once
#include <vkcnn/layers/layer.h>

namespace vkcnn {

class SoftmaxLayer : public Layer {
 public:
  explicit SoftmaxLayer(std::string name) : Layer(std::move(name)) {}
  std::string_view type() const override { return "softmax"; }
  bool outputs_probabilities() const override { return true; }

  Shape output_shape(std::span<const Shape> inputs) const override;

  // x, y (N, C, H, W); y sums to 1 over C
  void forward(Recorder& rec, const LayerIO& io) override;
  // dx += y * (dy - sum_c dy * y), from y (not x)
  void backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) override;
};

// Records one of the per-(n, h, w) channel-row shaders (shaders/softmax_rows.glsl: softmax,
// log_softmax, forward and backward) over shape s.
void record_channel_rows(Recorder& rec, ShaderId shader, std::initializer_list<Binding> bindings, const Shape& s);

}  // namespace vkcnn
