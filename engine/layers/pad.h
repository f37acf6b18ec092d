// pad: a constant border around H and W, each side its own width (PyTorch's ConstantPad2d,
// ONNX Pad in constant mode; DenseNet's exports pad before their average pools).
#pragma once
#include <array>

#include <vkcnn/layers/layer.h>

#include "layers/attributes.h"

namespace vkcnn {

class PadLayer : public Layer {
 public:
  // padding: [left, right, top, bottom] as PyTorch's ConstantPad2d takes it.
  PadLayer(std::string name, std::array<uint32_t, 4> padding, float value)
      : Layer(std::move(name)), padding_(padding), value_(value) {}
  // "padding": one width for every side, or [left, right, top, bottom]; "value" (default 0).
  static std::unique_ptr<Layer> create(const Attributes& a, const std::string& name);
  std::string_view type() const override { return "pad"; }

  // (N, C, H, W) -> (N, C, top + H + bottom, left + W + right)
  Shape output_shape(std::span<const Shape> inputs) const override;
  void forward(Recorder& rec, const LayerIO& io) override;
  // dx += dy without its border.
  void backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) override;

 private:
  std::array<uint32_t, 4> padding_;
  float value_;
};

}  // namespace vkcnn
