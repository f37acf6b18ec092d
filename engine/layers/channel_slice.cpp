#include "layers/channel_slice.h"

#include "layers/activation.h"  // elementwise_groups

namespace vkcnn {
namespace {
struct Push {
  uint32_t count;  // elements of the slice
  uint32_t plane, in_channels, out_channels, start;
};
}  // namespace

std::unique_ptr<Layer> ChannelSliceLayer::create(const Attributes& a, const std::string& name) {
  const uint32_t start = a.uint("start"), end = a.uint("end");
  if (start >= end)
    throw a.error("channel_slice needs \"start\" < \"end\", got " + std::to_string(start) + " and " +
                  std::to_string(end));
  return std::make_unique<ChannelSliceLayer>(name, start, end);
}

Shape ChannelSliceLayer::output_shape(std::span<const Shape> inputs) const {
  if (inputs.size() != 1) throw error("needs 1 input, got " + std::to_string(inputs.size()));
  if (end_ > inputs[0].c)
    throw error("channels [" + std::to_string(start_) + ", " + std::to_string(end_) + ") run past the input " +
                inputs[0].str());
  Shape out = inputs[0];
  out.c = end_ - start_;
  return out;
}

void ChannelSliceLayer::forward(Recorder& rec, const LayerIO& io) {
  const Shape& y = io.output.shape;
  const Push push{static_cast<uint32_t>(y.count()), y.h * y.w, io.inputs[0].shape.c, y.c, start_};
  rec.dispatch(rec.context().kernel(ShaderId::channel_slice), {io.inputs[0].reads(), io.output.writes()}, push,
               elementwise_groups(y.count()));
}

void ChannelSliceLayer::backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) {
  if (grads.grad_inputs.empty() || grads.grad_inputs[0].empty()) return;
  const Shape& y = io.output.shape;
  const Push push{static_cast<uint32_t>(y.count()), y.h * y.w, io.inputs[0].shape.c, y.c, start_};
  rec.dispatch(rec.context().kernel(ShaderId::channel_slice_backward),
               {grads.grad_output.reads(), grads.grad_inputs[0].writes()}, push, elementwise_groups(y.count()));
}

}  // namespace vkcnn
