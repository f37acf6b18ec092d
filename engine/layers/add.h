// add: y = act(a + b) for two tensors of the same shape (residual connections). The activation
// (none unless fuse_activation() gave one) folds ResNet's add + relu into one pass over memory;
// backward handles it too, so fusing is valid for training as well.
#pragma once
#include "layers/activation.h"
#include "layers/attributes.h"

namespace vkcnn {

class AddLayer : public Layer {
 public:
  AddLayer(std::string name, Activation activation, float negative_slope)
      : Layer(std::move(name)), act_(activation), slope_(negative_slope) {}
  static std::unique_ptr<Layer> create(const Attributes& a, const std::string& name);
  std::string_view type() const override { return "add"; }
  bool supports_fp16() const override { return true; }
  std::size_t input_count() const override { return 2; }
  Activation activation() const { return act_; }
  bool outputs_independent_scores() const override { return act_ == Activation::Sigmoid; }

  Shape output_shape(std::span<const Shape> inputs) const override;
  // Takes over a following activation layer (once: an add that already has one declines).
  bool fuse_activation(Activation kind, float negative_slope) override;

  // a, b, y: the same shape
  void forward(Recorder& rec, const LayerIO& io) override;
  // da += dy * act'(a + b), db += the same (either skipped when its view is empty)
  void backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) override;

 private:
  Activation act_;
  float slope_;
};

}  // namespace vkcnn
