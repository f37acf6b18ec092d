#include "layers/channel_shuffle.h"

#include "layers/activation.h"  // elementwise_groups

namespace vkcnn {
namespace {
struct Push {
  uint32_t count, plane, channels, groups;
};
}  // namespace

std::unique_ptr<Layer> ChannelShuffleLayer::create(const Attributes& a, const std::string& name) {
  const uint32_t groups = a.uint("groups");
  if (groups < 1) throw a.error("channel_shuffle needs \"groups\" >= 1");
  return std::make_unique<ChannelShuffleLayer>(name, groups);
}

Shape ChannelShuffleLayer::output_shape(std::span<const Shape> inputs) const {
  if (inputs.size() != 1) throw error("needs 1 input, got " + std::to_string(inputs.size()));
  if (inputs[0].c % groups_ != 0)
    throw error("input " + inputs[0].str() + " has " + std::to_string(inputs[0].c) +
                " channels, not a multiple of groups " + std::to_string(groups_));
  return inputs[0];
}

void ChannelShuffleLayer::forward(Recorder& rec, const LayerIO& io) {
  const Shape& s = io.output.shape;
  const Push push{static_cast<uint32_t>(s.count()), s.h * s.w, s.c, groups_};
  rec.dispatch(rec.context().kernel(ShaderId::channel_shuffle), {io.inputs[0].reads(), io.output.writes()}, push,
               elementwise_groups(s.count()));
}

void ChannelShuffleLayer::backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) {
  if (grads.grad_inputs.empty() || grads.grad_inputs[0].empty()) return;
  const Shape& s = io.inputs[0].shape;
  const Push push{static_cast<uint32_t>(s.count()), s.h * s.w, s.c, groups_};
  rec.dispatch(rec.context().kernel(ShaderId::channel_shuffle_backward),
               {grads.grad_output.reads(), grads.grad_inputs[0].writes()}, push, elementwise_groups(s.count()));
}

}  // namespace vkcnn
