// concat: the inputs side by side on the channel axis (GoogLeNet's inception branches,
// SqueezeNet's fire modules, DenseNet's growing feature maps; ONNX Concat with axis 1). Every
// input has the same batch, height and width.
#pragma once
#include <vkcnn/layers/layer.h>

#include "layers/attributes.h"

namespace vkcnn {

class ConcatLayer : public Layer {
 public:
  ConcatLayer(std::string name, std::size_t inputs) : Layer(std::move(name)), inputs_(inputs) {}
  static std::unique_ptr<Layer> create(const Attributes& a, const std::string& name);
  std::string_view type() const override { return "concat"; }
  bool supports_fp16() const override { return true; }
  std::size_t input_count() const override { return inputs_; }

  // (N, C_i, H, W) for every i -> (N, sum of C_i, H, W)
  Shape output_shape(std::span<const Shape> inputs) const override;
  void forward(Recorder& rec, const LayerIO& io) override;
  // dx_i += dy's channels of input i (an input given twice gets both shares).
  void backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) override;

 private:
  std::size_t inputs_;
};

}  // namespace vkcnn
