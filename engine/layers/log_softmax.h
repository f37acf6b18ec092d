// log_softmax over the channel dimension (PyTorch log_softmax(dim=1), nn.LogSoftmax(dim=1)
// before NLLLoss) for every (n, h, w). As a model's last layer its output is log-probabilities:
// vkcnn::probabilities() reports exp of them.
#pragma once
#include <vkcnn/layers/layer.h>

namespace vkcnn {

class LogSoftmaxLayer : public Layer {
 public:
  explicit LogSoftmaxLayer(std::string name) : Layer(std::move(name)) {}
  std::string_view type() const override { return "log_softmax"; }

  Shape output_shape(std::span<const Shape> inputs) const override;

  // x, y (N, C, H, W); exp(y) sums to 1 over C
  void forward(Recorder& rec, const LayerIO& io) override;
  // dx += dy - exp(y) * sum_c dy, from y (not x)
  void backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) override;
};

}  // namespace vkcnn
