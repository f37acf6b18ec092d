#include "layers/global_avgpool.h"

#include <algorithm>

#include "layers/activation.h"
#include "layers/texel_inputs.h"

namespace vkcnn {
namespace {
struct Push {
  uint32_t planes;      // N*C
  uint32_t plane_size;  // H*W
};

// Workgroups laid out 2-D so that N*C past 65535 planes (batch 64 of MobileNet's 1280) fits.
Groups plane_groups(uint32_t planes) {
  constexpr uint32_t kMaxX = 65535;
  return planes <= kMaxX ? Groups{planes, 1, 1} : Groups{kMaxX, div_up(planes, kMaxX), 1};
}
}  // namespace

Shape GlobalAvgPoolLayer::output_shape(std::span<const Shape> inputs) const { return {inputs[0].n, inputs[0].c, 1, 1}; }

void GlobalAvgPoolLayer::forward(Recorder& rec, const LayerIO& io) {
  const TensorView& x = io.inputs[0];
  const uint32_t plane_size = x.shape.h * x.shape.w;
  // The smallest power-of-two group (32..256) that gives every thread at least one element:
  // 7x7 planes use 64 threads, 56x56 planes 256 that each sum ~12 before the tree.
  uint32_t local = 32;
  while (local < 256 && local < plane_size) local *= 2;
  const bool texel = use_texel_inputs(rec.context(), {x.shape.count()});
  const uint32_t planes = x.shape.n * x.shape.c;
  // Where inputs are texels (CPU devices), one invocation sums a plane, 64 planes a group.
  const bool per_plane = texel;
  if (per_plane) local = 64;
  const uint32_t spec[] = {local, per_plane ? 1u : 0u};
  const Kernel& k = rec.context().kernel(
      in_precision_of(io.output, texel ? ShaderId::global_avgpool_texel : ShaderId::global_avgpool), spec);
  rec.dispatch(k, {input(x, texel), io.output.writes()}, Push{planes, plane_size},
               plane_groups(per_plane ? div_up(planes, local) : planes));
}

void GlobalAvgPoolLayer::backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) {
  if (grads.grad_inputs.empty() || grads.grad_inputs[0].empty()) return;
  const TensorView& dx = grads.grad_inputs[0];
  const Kernel& k = rec.context().kernel(ShaderId::global_avgpool_backward);
  rec.dispatch(k, {grads.grad_output.reads(), dx.writes()},
               Push{static_cast<uint32_t>(dx.shape.count()), dx.shape.h * dx.shape.w},
               elementwise_groups(dx.shape.count()));
}

}  // namespace vkcnn
