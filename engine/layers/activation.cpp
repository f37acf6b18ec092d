#include "layers/activation.h"

#include <optional>

#include "layers/texel_inputs.h"

namespace vkcnn {
namespace {
struct Push {
  uint32_t count;
  float slope;
  float a, b;  // ActivationParams
};

struct Named {
  Activation kind;
  std::string_view type;
};
constexpr Named kActivations[] = {
#define VKCNN_ACTIVATION(kind, type, id) {Activation::kind, type},
#include <vkcnn/layers/activations.def>
#undef VKCNN_ACTIVATION
};
constexpr Activation kKinds[] = {
#define VKCNN_ACTIVATION(kind, type, id) Activation::kind,
#include <vkcnn/layers/activations.def>
#undef VKCNN_ACTIVATION
};
}  // namespace

std::optional<Activation> activation_from_type(std::string_view type) {
  for (const Named& a : kActivations)
    if (a.type == type) return a.kind;
  return std::nullopt;
}

std::string_view activation_type(Activation kind) {
  for (const Named& a : kActivations)
    if (a.kind == kind) return a.type;
  return "identity";
}

std::span<const Activation> activation_kinds() { return kKinds; }

Groups elementwise_groups(std::size_t count) {
  constexpr std::size_t kLocal = 256, kMaxX = 65535;
  std::size_t groups = (count + kLocal - 1) / kLocal;
  if (groups <= kMaxX) return {static_cast<uint32_t>(groups), 1, 1};
  return {static_cast<uint32_t>(kMaxX), static_cast<uint32_t>((groups + kMaxX - 1) / kMaxX), 1};
}

ActivationLayer::ActivationLayer(std::string name, Activation kind, float negative_slope, ActivationParams params)
    : Layer(std::move(name)), kind_(kind), slope_(negative_slope), params_(params) {}

std::string_view ActivationLayer::type() const { return activation_type(kind_); }

void ActivationLayer::forward(Recorder& rec, const LayerIO& io) {
  const std::size_t count = io.output.shape.count();
  const bool vec4 = count % 4 == 0;  // four elements an invocation, one vec4 read and write
  const uint32_t spec[] = {static_cast<uint32_t>(kind_), vec4};
  const bool texel = use_texel_inputs(rec.context(), {count});
  const Kernel& k =
      rec.context().kernel(in_precision_of(io.output, texel ? ShaderId::activation_texel : ShaderId::activation), spec);
  rec.dispatch(k, {input(io.inputs[0], texel, vec4), io.output.writes()},
               Push{static_cast<uint32_t>(count), slope_, params_.a, params_.b},
               elementwise_groups(vec4 ? count / 4 : count));
}

void ActivationLayer::backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) {
  if (grads.grad_inputs.empty() || grads.grad_inputs[0].empty()) return;
  const std::size_t count = io.output.shape.count();
  const bool vec4 = count % 4 == 0;
  const uint32_t spec[] = {static_cast<uint32_t>(kind_), vec4};
  const bool texel = use_texel_inputs(rec.context(), {count});
  const Kernel& k =
      rec.context().kernel(texel ? ShaderId::activation_backward_texel : ShaderId::activation_backward, spec);
  rec.dispatch(k,
               {input(io.inputs[0], texel, vec4), input(io.output, texel, vec4), input(grads.grad_output, texel, vec4),
                grads.grad_inputs[0].writes()},
               Push{static_cast<uint32_t>(count), slope_, params_.a, params_.b},
               elementwise_groups(vec4 ? count / 4 : count));
}

}  // namespace vkcnn
