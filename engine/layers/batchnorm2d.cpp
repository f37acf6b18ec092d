#include "layers/batchnorm2d.h"

#include "layers/activation.h"
#include "layers/texel_inputs.h"

namespace vkcnn {
namespace {

struct NormalizePush {
  uint32_t count, C, S;
  float eps;
};
struct StatsPush {
  uint32_t N, C, S;
  float eps, momentum;
};
struct BackwardPush {
  uint32_t N, C, S;
  float eps;
};

constexpr uint32_t kMaxGroups = 65535;

}  // namespace

BatchNorm2dLayer::BatchNorm2dLayer(std::string name, float eps, float momentum)
    : Layer(std::move(name)), eps_(eps), momentum_(momentum) {
  if (!(eps > 0)) throw error("eps must be positive, got " + std::to_string(eps));
  if (!(momentum >= 0 && momentum <= 1)) throw error("momentum must be in [0, 1], got " + std::to_string(momentum));
}

Shape BatchNorm2dLayer::output_shape(std::span<const Shape> inputs) const {
  if (inputs.size() != 1) throw error("takes one input, got " + std::to_string(inputs.size()));
  if (inputs[0].c > kMaxGroups)
    throw error("at most " + std::to_string(kMaxGroups) + " channels, got " + std::to_string(inputs[0].c));
  return inputs[0];
}

std::vector<ParamDesc> BatchNorm2dLayer::params(std::span<const Shape> inputs) const {
  const int64_t c = inputs[0].c;
  return {{"weight", {c}, true, ParamInit::Ones, c},
          {"bias", {c}, true, ParamInit::Zeros, c},
          {"running_mean", {c}, false, ParamInit::Zeros, c},
          {"running_var", {c}, false, ParamInit::Ones, c, /*non_negative=*/true}};
}

std::size_t BatchNorm2dLayer::scratch_floats(std::span<const Shape> inputs, bool training) const {
  return training ? 2 * std::size_t(inputs[0].c) : 0;
}

void BatchNorm2dLayer::forward(Recorder& rec, const LayerIO& io) {
  const TensorView& x = io.inputs[0];  // (N, C, H, W)
  const Shape& s = x.shape;
  const uint32_t S = s.h * s.w;
  const TensorView &weight = io.params[0], &bias = io.params[1];               // [C]
  const TensorView &running_mean = io.params[2], &running_var = io.params[3];  // [C]

  if (!io.training) {
    const uint32_t spec[] = {0};
    const Kernel& k = rec.context().kernel(in_precision_of(io.output, ShaderId::batchnorm2d), spec);
    rec.dispatch(
        k, {x.reads(), io.output.writes(), weight.reads(), bias.reads(), running_mean.reads(), running_var.reads()},
        NormalizePush{static_cast<uint32_t>(s.count()), s.c, S, eps_}, elementwise_groups(s.count()));
    return;
  }

  if (std::size_t(s.n) * S < 2) throw error("training needs more than one value per channel, got input " + s.str());
  if (io.scratch.empty()) throw error("training needs " + std::to_string(2 * s.c) + " floats of scratch");
  // stats [mean[C], inv_std[C]] (scratch), running stats moved in place
  const Kernel& stats = rec.context().kernel(ShaderId::batchnorm2d_stats);
  rec.dispatch(stats, {x.reads(), running_mean.writes(), running_var.writes(), io.scratch.writes()},
               StatsPush{s.n, s.c, S, eps_, momentum_}, Groups{s.c, 1, 1});
  const uint32_t spec[] = {1};
  const Kernel& k = rec.context().kernel(ShaderId::batchnorm2d, spec);
  rec.dispatch(k, {x.reads(), io.output.writes(), weight.reads(), bias.reads(), io.scratch.reads(), io.scratch.reads()},
               NormalizePush{static_cast<uint32_t>(s.count()), s.c, S, eps_}, elementwise_groups(s.count()));
}

void BatchNorm2dLayer::backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) {
  const TensorView& x = io.inputs[0];  // (N, C, H, W)
  const Shape& s = x.shape;
  const bool want_dx = !grads.grad_inputs.empty() && !grads.grad_inputs[0].empty();
  const BackwardPush push{s.n, s.c, s.h * s.w, eps_};
  if (!io.training) {
    // A frozen layer: the forward pass used the running statistics, which are constants here.
    if (!grads.grad_params.empty())
      throw error("an inference-mode backward pass (a frozen layer) computes no parameter gradients, got " +
                  std::to_string(grads.grad_params.size()));
    if (!want_dx) return;
    const uint32_t spec[] = {1, 1};
    const Kernel& k = rec.context().kernel(ShaderId::batchnorm2d_backward, spec);
    // Bindings 0, 5 and 6 are not used in this mode: 0 is bound to x, and 5 and 6, which the
    // shader declares writable, to dx, which it does write (so barriers see a write there).
    const Binding dx = grads.grad_inputs[0].writes();
    rec.dispatch(k, {x.reads(), grads.grad_output.reads(), io.params[0].reads(), io.params[3].reads(), dx, dx, dx},
                 push, Groups{s.c, 1, 1});
    return;
  }
  if (io.scratch.empty()) throw error("backward needs the batch statistics of a training-mode forward pass");
  if (grads.grad_params.size() != 2)
    throw error("backward needs 2 parameter gradients (weight, bias), got " + std::to_string(grads.grad_params.size()));
  const uint32_t spec[] = {want_dx, 0};
  const Kernel& k = rec.context().kernel(ShaderId::batchnorm2d_backward, spec);
  // Without dx the slot is bound to x and never touched.
  const Binding dx = want_dx ? grads.grad_inputs[0].writes() : x.reads();
  rec.dispatch(k,
               {x.reads(), grads.grad_output.reads(), io.params[0].reads(), io.scratch.reads(), dx,
                grads.grad_params[0].writes(), grads.grad_params[1].writes()},
               push, Groups{s.c, 1, 1});
}

}  // namespace vkcnn
