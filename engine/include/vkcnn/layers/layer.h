// The interface every operation implements: shape rules, parameters, and forward/backward
// passes that *record* dispatches into a Recorder (they never submit or wait).
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <vkcnn/tensor.h>
#include <vkcnn/vk/check.h>
#include <vkcnn/vk/context.h>
#include <vkcnn/vk/recorder.h>

namespace vkcnn {

// Values match ACT_* in shaders/common.glsl.
// The functions of activations.def (beside this header); the values are the shaders' ACT_* ids.
enum class Activation : uint32_t {
  None = 0,
#define VKCNN_ACTIVATION(kind, type, id) kind = id,
#include <vkcnn/layers/activations.def>
#undef VKCNN_ACTIVATION
};

// How a parameter starts before training (PyTorch's defaults for each layer type).
enum class ParamInit {
  KaimingUniform,  // weights: U(-b, b), b = 1/sqrt(fan_in) (kaiming_uniform_ with a = sqrt(5))
  FanInUniform,    // biases: U(-b, b), b = 1/sqrt(fan_in)
  Zeros,
  Ones,
};

struct ParamDesc {
  std::string suffix;         // "weight", "bias", "running_mean", ...; the file name is "<layer>.<suffix>"
  std::vector<int64_t> dims;  // PyTorch layout, e.g. conv weight [out, in/groups, kh, kw]
  bool trainable = true;      // false for batchnorm running statistics
  ParamInit init = ParamInit::Zeros;
  int64_t fan_in = 1;
  bool non_negative = false;  // a file holding a negative value is refused (batchnorm running_var)

  // Saturates at SIZE_MAX: the dims come from a file's attributes and may multiply past 2^64.
  std::size_t count() const {
    std::size_t n = 1;
    for (int64_t d : dims) {
      const auto u = static_cast<std::size_t>(d);
      if (u != 0 && n > SIZE_MAX / u) return SIZE_MAX;
      n *= u;
    }
    return n;
  }
};

// What a forward pass reads and writes. Params come in the order of Layer::params().
struct LayerIO {
  std::vector<TensorView> inputs;  // x (one per input; add has two)
  TensorView output;               // y
  std::vector<TensorView> params;
  TensorView scratch;  // Layer::scratch_floats() floats, kept from forward to backward
  bool training = false;
  uint32_t seed = 0;      // changes every training step (dropout masks)
  bool prepared = false;  // prepare() ran on these params and scratch, and they are unchanged
};

// What a backward pass writes. Every gradient *accumulates* (+=): the trainer zeroes them once
// per step, which is what lets one tensor feed several layers (residual connections).
struct LayerGrads {
  TensorView grad_output;               // dL/dy, shape of y
  std::vector<TensorView> grad_inputs;  // dL/dx per input; empty() where nobody needs it
  std::vector<TensorView> grad_params;  // dL/dparam per trainable param, in params() order
};

class Layer {
 public:
  explicit Layer(std::string name) : name_(std::move(name)) {}
  virtual ~Layer() = default;
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;

  const std::string& name() const { return name_; }
  virtual std::string_view type() const = 0;
  virtual std::size_t input_count() const { return 1; }

  // Output shape for these input shapes; throws Error naming the layer when they do not fit.
  virtual Shape output_shape(std::span<const Shape> inputs) const = 0;
  virtual std::vector<ParamDesc> params(std::span<const Shape> inputs) const { return {}; }
  // True when the output is the input's buffer under another shape (flatten, dropout at inference).
  virtual bool aliases_input(bool training) const { return false; }
  virtual std::size_t scratch_floats(std::span<const Shape> inputs, bool training) const { return 0; }
  // True when the output is a probability distribution per image (softmax): as a model's last
  // layer, scores are read as they are, and training takes its input as the logits.
  virtual bool outputs_probabilities() const { return false; }
  // True when each output is already a score of its own in [0, 1] (sigmoid: multi-label, one
  // class at a time): as a model's last layer, scores are read as they are, never softmaxed.
  // Layers that fuse an activation answer for the fused one.
  virtual bool outputs_independent_scores() const { return false; }

  // Inference only: whether forward can run with its inputs, output and params all stored as
  // 16-bit floats (TensorView::fp16; its shaders have _fp16 twins). A plan in Precision::Fp16
  // converts to and from fp32 around the layers that cannot.
  virtual bool supports_fp16() const { return false; }

  // Inference only: apply `kind` to the output in this layer's epilogue, so that the graph can
  // drop the separate activation layer. Layers that can (conv2d, dense) return true.
  virtual bool fuse_activation(Activation kind, float negative_slope) { return false; }

  // Inference only: also compute a following 2x2 stride-2 max pool (no padding, dilation or
  // ceil_mode) in this layer, whose output becomes the pooled one, so that the graph can drop
  // the pool. `in_channels`: of this layer's input. Layers that can (conv2d) return true.
  virtual bool fuse_max_pool_2x2(uint32_t in_channels) { return false; }

  // Plans whose params stay constant (inference) record this once before any forward: a layer
  // may precompute from its params into its scratch, which forward then finds there when
  // io.prepared is set (conv2d's Winograd weight transform). Others never call it.
  virtual void prepare(Recorder& rec, const LayerIO& io) {}
  virtual void forward(Recorder& rec, const LayerIO& io) = 0;
  // The gradient of the forward pass that ran with the same io (io.training included). Empty
  // grad_params: the layer is frozen (fine-tuning) and computes no parameter gradient at all;
  // empty grad_inputs: nobody below needs dx.
  virtual void backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads);

 protected:
  // "conv2d 'c1': <what>" for errors about this layer.
  Error error(const std::string& what) const;

 private:
  std::string name_;
};

// Builds the layer that a model spec's layer entry describes (engine/layers/registry.cpp).
// Throws Error for unknown types or bad attributes.
std::unique_ptr<Layer> make_layer(const nlohmann::json& spec, const std::string& name);

}  // namespace vkcnn
