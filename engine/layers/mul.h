// mul: y = a * b, elementwise, where b has a's shape or is (N, C, 1, 1): one factor per channel
// of each image, broadcast over the plane, as squeeze-and-excitation blocks (MobileNetV3,
// EfficientNet) scale their features. ONNX's Mul of those shapes.
#pragma once
#include <vkcnn/layers/layer.h>

#include "layers/attributes.h"

namespace vkcnn {

class MulLayer : public Layer {
 public:
  explicit MulLayer(std::string name) : Layer(std::move(name)) {}
  static std::unique_ptr<Layer> create(const Attributes& a, const std::string& name);
  std::string_view type() const override { return "mul"; }
  bool supports_fp16() const override { return true; }
  std::size_t input_count() const override { return 2; }

  // a: (N, C, H, W); b: the same or (N, C, 1, 1); y: a's shape.
  Shape output_shape(std::span<const Shape> inputs) const override;
  void forward(Recorder& rec, const LayerIO& io) override;
  // da += dy * b; db += dy * a (summed over each plane when b is per plane). Either gradient is
  // skipped when its view is empty; one buffer for both (mul(x, x)) gets their sum.
  void backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) override;
};

}  // namespace vkcnn
