#include "layers/flatten.h"

#include "layers/activation.h"

namespace vkcnn {

Shape FlattenLayer::output_shape(std::span<const Shape> inputs) const {
  const Shape& x = inputs[0];
  // In 64 bits: c*h*w of a crafted file can wrap uint32 to a small (or zero) feature count.
  const uint64_t features = x.per_image();
  if (features > kMaxElementsPerImage)
    throw error("input " + x.str() + " flattens to " + std::to_string(features) + " features, above the limit of " +
                std::to_string(kMaxElementsPerImage));
  return {x.n, static_cast<uint32_t>(features), 1, 1};
}

void FlattenLayer::forward(Recorder& rec, const LayerIO& io) {
  if (io.output.buffer != io.inputs[0].buffer)
    rec.copy(*io.inputs[0].buffer, *io.output.buffer, io.output.shape.count() * sizeof(float));
}

void FlattenLayer::backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) {
  if (grads.grad_inputs.empty() || grads.grad_inputs[0].empty()) return;
  const TensorView& dx = grads.grad_inputs[0];
  // A plan that gives dx and dy one buffer (the gradient aliased like the value) already has
  // dy in place: adding it again would double it.
  if (dx.buffer == grads.grad_output.buffer) return;
  const uint32_t count = static_cast<uint32_t>(dx.shape.count());
  const Kernel& k = rec.context().kernel(ShaderId::flatten_backward);
  rec.dispatch(k, {grads.grad_output.reads(), dx.writes()}, count, elementwise_groups(count));
}

}  // namespace vkcnn
