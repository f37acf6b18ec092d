// The functions of activations.def (relu, sigmoid, hard_swish, ...): one elementwise op with the
// function as a parameter.
// Conv2d and dense can apply the same functions in their epilogue (fused).
#pragma once
#include <cmath>
#include <optional>

#include <vkcnn/layers/layer.h>

namespace vkcnn {

// Maps a model-file type ("relu", ...: activations.def) to the kind; nullopt for anything else.
std::optional<Activation> activation_from_type(std::string_view type);
// The model-file type of a kind ("identity" for None).
std::string_view activation_type(Activation kind);
// Every kind of activations.def, in its order.
std::span<const Activation> activation_kinds();

// PyTorch's hardsigmoid, clamp(x / 6 + 1/2, 0, 1): hard_sigmoid's default, and the only one fused.
inline constexpr float kHardSigmoidAlpha = 1.f / 6.f, kHardSigmoidBeta = 0.5f;

// The two parameters some kinds take: clamp's bounds (infinite where the spec leaves one out),
// hard_sigmoid's alpha and beta. The other kinds ignore them.
struct ActivationParams {
  float a = -INFINITY, b = INFINITY;
};

class ActivationLayer : public Layer {
 public:
  ActivationLayer(std::string name, Activation kind, float negative_slope, ActivationParams params);
  std::string_view type() const override;
  bool supports_fp16() const override { return true; }
  Activation kind() const { return kind_; }
  float negative_slope() const { return slope_; }
  bool outputs_independent_scores() const override { return kind_ == Activation::Sigmoid; }

  Shape output_shape(std::span<const Shape> inputs) const override { return inputs[0]; }
  // x, y: any shape
  void forward(Recorder& rec, const LayerIO& io) override;
  // dx += dy * act'(x)
  void backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) override;

 private:
  Activation kind_;
  float slope_;
  ActivationParams params_;
};

// Grid for an elementwise shader over `count` elements (see flat_index() in common.glsl).
Groups elementwise_groups(std::size_t count);

}  // namespace vkcnn
