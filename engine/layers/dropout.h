// dropout: PyTorch's nn.Dropout(p). Inference: the identity (the output is the input's buffer).
// Training: y = x * mask / (1 - p), with mask a stateless hash of (seed, element index), so
// backward regenerates it instead of storing it, and one seed always gives one mask.
#pragma once
#include <vkcnn/layers/layer.h>

#include "layers/attributes.h"

namespace vkcnn {

class DropoutLayer : public Layer {
 public:
  DropoutLayer(std::string name, float p) : Layer(std::move(name)), p_(p) {}
  static std::unique_ptr<Layer> create(const Attributes& a, const std::string& name);
  std::string_view type() const override { return "dropout"; }
  float p() const { return p_; }

  Shape output_shape(std::span<const Shape> inputs) const override { return inputs[0]; }
  bool aliases_input(bool training) const override { return !training; }

  // x, y: any shape, the same; mask from io.seed
  void forward(Recorder& rec, const LayerIO& io) override;
  // dx += dy * mask / (1 - p), the mask of the forward with the same io.seed
  void backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) override;

  // An element is dropped when hash(seed, index) < this: round(p * 2^32).
  uint32_t drop_threshold() const;

 private:
  float p_;
};

}  // namespace vkcnn
