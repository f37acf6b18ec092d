// Optimizers as shaders: one dispatch per parameter tensor, recorded into the training step's
// command buffer after the backward pass. The definitions are PyTorch's:
// - SGD: torch.optim.SGD with dampening 0. `weight_decay` is L2 regularisation added to the
//   gradient (grad + wd * param), as PyTorch's SGD does, and it is folded into the momentum.
// - AdamW: torch.optim.AdamW (amsgrad off), bias-corrected moments, *decoupled* weight decay
//   (param *= 1 - lr * wd before the Adam step).
// Weight decay applies to every trainable tensor (biases and batchnorm affine parameters
// included), as it does when a PyTorch user passes model.parameters().
#pragma once
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include <vkcnn/tensor.h>
#include <vkcnn/vk/recorder.h>

namespace vkcnn {

enum class OptimizerKind { Sgd, AdamW };

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::Sgd;
  // Doubles, like PyTorch's Python floats: the host-side bias corrections use them exactly.
  double momentum = 0.9;  // SGD; 0 = plain SGD (no state)
  bool nesterov = false;  // SGD; needs momentum > 0
  double weight_decay = 0;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  // AdamW
};

// "sgd" / "adamw" (case-insensitive); throws Error naming the value otherwise.
OptimizerKind optimizer_from_string(const std::string& name);
const char* to_string(OptimizerKind kind);

class Optimizer {
 public:
  // counts: float count of each parameter tensor it will update, in a fixed order.
  Optimizer(Context& ctx, const OptimizerConfig& config, std::span<const std::size_t> counts);

  const OptimizerConfig& config() const { return config_; }
  // The state tensors' names per parameter, PyTorch's: "momentum_buffer"; "exp_avg", "exp_avg_sq".
  std::vector<std::string> state_names() const;

  // Records one update of every parameter: params[i] -= f(grads[i], state). `step` counts from 1
  // (AdamW's bias correction uses it). Views are (count, 1, 1, 1), in the constructor's order.
  void record(Recorder& rec, std::span<const TensorView> params, std::span<const TensorView> grads, double lr,
              uint64_t step) const;

  // State of parameter i: one vector per state_names() entry (download/upload for checkpoints).
  std::vector<std::vector<float>> state(std::size_t i) const;
  void set_state(std::size_t i, const std::vector<std::vector<float>>& values);

 private:
  OptimizerConfig config_;
  std::vector<std::size_t> counts_;
  std::vector<std::vector<Tensor>> state_;  // [param][state name]: same count as the param
};

}  // namespace vkcnn
