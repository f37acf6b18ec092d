#include "layers/dropout.h"

#include <cmath>

#include "layers/activation.h"

namespace vkcnn {
namespace {
struct Push {
  uint32_t count;
  uint32_t seed;
  uint32_t threshold;
  float scale;  // 1 / (1 - p)
};
}  // namespace

std::unique_ptr<Layer> DropoutLayer::create(const Attributes& a, const std::string& name) {
  const float p = a.real("p", 0.5);
  if (!(p >= 0.f && p < 1.f)) throw a.error("attribute \"p\" must be in [0, 1), got " + std::to_string(p));
  return std::make_unique<DropoutLayer>(name, p);
}

uint32_t DropoutLayer::drop_threshold() const {
  // p < 1 keeps this below 2^32; the largest float under 1 rounds to 2^32 - 256.
  return static_cast<uint32_t>(std::llround(double(p_) * 4294967296.0));
}

void DropoutLayer::forward(Recorder& rec, const LayerIO& io) {
  const TensorView& x = io.inputs[0];
  if (!io.training) {
    if (io.output.buffer != x.buffer) rec.copy(*x.buffer, *io.output.buffer, x.shape.count() * sizeof(float));
    return;
  }
  const uint32_t spec[] = {0};  // y = x * mask * scale
  const Kernel& k = rec.context().kernel(ShaderId::dropout, spec);
  const uint32_t count = static_cast<uint32_t>(x.shape.count());
  rec.dispatch(k, {x.reads(), io.output.writes()}, Push{count, io.seed, drop_threshold(), 1.f / (1.f - p_)},
               elementwise_groups(count));
}

void DropoutLayer::backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) {
  if (grads.grad_inputs.empty() || grads.grad_inputs[0].empty()) return;
  const TensorView& dx = grads.grad_inputs[0];
  const uint32_t spec[] = {1};  // dx += dy * mask * scale
  const Kernel& k = rec.context().kernel(ShaderId::dropout, spec);
  const uint32_t count = static_cast<uint32_t>(dx.shape.count());
  rec.dispatch(k, {grads.grad_output.reads(), dx.writes()}, Push{count, io.seed, drop_threshold(), 1.f / (1.f - p_)},
               elementwise_groups(count));
}

}  // namespace vkcnn
