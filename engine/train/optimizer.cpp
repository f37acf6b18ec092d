#include <algorithm>
#include <cctype>
#include <cmath>

#include <vkcnn/train/optimizer.h>
#include <vkcnn/vk/context.h>

#include "layers/activation.h"

namespace vkcnn {
namespace {

struct SgdPush {
  uint32_t count;
  float lr, momentum, weight_decay;
};

struct AdamWPush {
  uint32_t count;
  float decay, beta1, beta2, eps, step_size, sqrt_bc2;
};

}  // namespace

OptimizerKind optimizer_from_string(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "sgd") return OptimizerKind::Sgd;
  if (lower == "adamw") return OptimizerKind::AdamW;
  throw Error("unknown optimizer \"" + name + "\" (known: sgd, adamw)");
}

const char* to_string(OptimizerKind kind) { return kind == OptimizerKind::Sgd ? "sgd" : "adamw"; }

Optimizer::Optimizer(Context& ctx, const OptimizerConfig& config, std::span<const std::size_t> counts)
    : config_(config), counts_(counts.begin(), counts.end()) {
  if (config.nesterov && (config.kind != OptimizerKind::Sgd || config.momentum <= 0))
    throw Error("Nesterov momentum needs SGD with momentum > 0");
  if (config.momentum < 0 || config.weight_decay < 0) throw Error("momentum and weight decay must not be negative");
  if (config.kind == OptimizerKind::AdamW &&
      !(config.beta1 >= 0 && config.beta1 < 1 && config.beta2 >= 0 && config.beta2 < 1 && config.eps >= 0))
    throw Error("AdamW needs betas in [0, 1) and eps >= 0");
  const std::size_t per_param = state_names().size();
  for (std::size_t count : counts_) {
    auto& tensors = state_.emplace_back();
    for (std::size_t s = 0; s < per_param; ++s) {
      tensors.emplace_back(ctx, Shape{static_cast<uint32_t>(count), 1, 1, 1});
      tensors.back().upload(std::vector<float>(count, 0.f));
    }
  }
}

std::vector<std::string> Optimizer::state_names() const {
  if (config_.kind == OptimizerKind::AdamW) return {"exp_avg", "exp_avg_sq"};
  if (config_.momentum > 0) return {"momentum_buffer"};
  return {};
}

void Optimizer::record(Recorder& rec, std::span<const TensorView> params, std::span<const TensorView> grads, double lr,
                       uint64_t step) const {
  if (params.size() != counts_.size() || grads.size() != counts_.size())
    throw Error("optimizer: " + std::to_string(params.size()) + " params / " + std::to_string(grads.size()) +
                " grads for " + std::to_string(counts_.size()) + " tensors");
  Context& ctx = rec.context();
  if (config_.kind == OptimizerKind::Sgd) {
    const bool momentum = config_.momentum > 0;
    const uint32_t spec[] = {momentum ? 1u : 0u, config_.nesterov ? 1u : 0u};
    const Kernel& k = ctx.kernel(ShaderId::sgd, spec);
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      // Plain SGD keeps no state: the shader never touches binding 2, so the gradient sits there read-only.
      Binding buf = momentum ? state_[i][0].view().writes() : grads[i].reads();
      SgdPush push{static_cast<uint32_t>(counts_[i]), static_cast<float>(lr), static_cast<float>(config_.momentum),
                   static_cast<float>(config_.weight_decay)};
      rec.dispatch(k, {params[i].writes(), grads[i].reads(), buf}, push, elementwise_groups(counts_[i]));
    }
    return;
  }
  // Bias corrections in double on the host, as PyTorch computes them in Python floats.
  const double t = static_cast<double>(std::max<uint64_t>(step, 1));
  const double bc1 = 1.0 - std::pow(config_.beta1, t);
  const double bc2 = 1.0 - std::pow(config_.beta2, t);
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    const bool vec4 = counts_[i] % 4 == 0;  // four floats an invocation
    const uint32_t spec[] = {vec4};
    const Kernel& k = ctx.kernel(ShaderId::adamw, spec);
    AdamWPush push{static_cast<uint32_t>(counts_[i]), static_cast<float>(1.0 - lr * config_.weight_decay),
                   static_cast<float>(config_.beta1), static_cast<float>(config_.beta2),
                   static_cast<float>(config_.eps),   static_cast<float>(lr / bc1),
                   static_cast<float>(std::sqrt(bc2))};
    rec.dispatch(k, {params[i].writes(), grads[i].reads(), state_[i][0].view().writes(), state_[i][1].view().writes()},
                 push, elementwise_groups(vec4 ? counts_[i] / 4 : counts_[i]));
  }
}

std::vector<std::vector<float>> Optimizer::state(std::size_t i) const {
  std::vector<std::vector<float>> out;
  for (const Tensor& t : state_.at(i)) out.push_back(t.download());
  return out;
}

void Optimizer::set_state(std::size_t i, const std::vector<std::vector<float>>& values) {
  auto& tensors = state_.at(i);
  if (values.size() != tensors.size())
    throw Error("optimizer state: " + std::to_string(values.size()) + " tensors given, " + to_string(config_.kind) +
                " keeps " + std::to_string(tensors.size()) + " per parameter");
  for (std::size_t s = 0; s < tensors.size(); ++s) tensors[s].upload(values[s]);
}

}  // namespace vkcnn
