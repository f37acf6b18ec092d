#include "layers/softmax.h"

#include "layers/activation.h"

namespace vkcnn {
namespace {

struct Push {
  uint32_t rows, C, S;
};

// Invocations per row (shaders/softmax_rows.glsl): one per row when rows are short or there are
// enough of them to fill the device, with coalesced reads across neighbouring pixels; 64 to split
// a long row, e.g. a classifier's 1000 scores at batch 1, which one invocation would walk alone.
uint32_t threads_per_row(const Shape& s) {
  const std::size_t rows = std::size_t(s.n) * s.h * s.w;
  return (s.c >= 64 && (s.h * s.w == 1 || rows < 4096)) ? 64 : 1;
}

}  // namespace

void record_channel_rows(Recorder& rec, ShaderId shader, std::initializer_list<Binding> bindings, const Shape& s) {
  const uint32_t t = threads_per_row(s);
  const uint32_t spec[] = {t};
  const Kernel& k = rec.context().kernel(shader, spec);
  const uint32_t rows = s.n * s.h * s.w;
  rec.dispatch(k, bindings, Push{rows, s.c, s.h * s.w}, elementwise_groups(std::size_t(rows) * t));
}

Shape SoftmaxLayer::output_shape(std::span<const Shape> inputs) const {
  if (inputs.size() != 1) throw error("takes one input, got " + std::to_string(inputs.size()));
  return inputs[0];
}

void SoftmaxLayer::forward(Recorder& rec, const LayerIO& io) {
  record_channel_rows(rec, ShaderId::softmax, {io.inputs[0].reads(), io.output.writes()}, io.output.shape);
}

void SoftmaxLayer::backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) {
  if (grads.grad_inputs.empty() || grads.grad_inputs[0].empty()) return;
  record_channel_rows(rec, ShaderId::softmax_backward,
                      {io.output.reads(), grads.grad_output.reads(), grads.grad_inputs[0].writes()}, io.output.shape);
}

}  // namespace vkcnn
