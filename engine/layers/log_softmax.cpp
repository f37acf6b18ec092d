#include "layers/log_softmax.h"

#include "layers/softmax.h"

namespace vkcnn {

Shape LogSoftmaxLayer::output_shape(std::span<const Shape> inputs) const {
  if (inputs.size() != 1) throw error("takes one input, got " + std::to_string(inputs.size()));
  return inputs[0];
}

void LogSoftmaxLayer::forward(Recorder& rec, const LayerIO& io) {
  record_channel_rows(rec, ShaderId::log_softmax, {io.inputs[0].reads(), io.output.writes()}, io.output.shape);
}

void LogSoftmaxLayer::backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) {
  if (grads.grad_inputs.empty() || grads.grad_inputs[0].empty()) return;
  record_channel_rows(rec, ShaderId::log_softmax_backward,
                      {io.output.reads(), grads.grad_output.reads(), grads.grad_inputs[0].writes()}, io.output.shape);
}

}  // namespace vkcnn
