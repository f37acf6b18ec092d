#include "layers/pad.h"

#include "layers/activation.h"  // elementwise_groups

namespace vkcnn {
namespace {
struct Push {
  uint32_t count;  // elements dispatched: the output's forward, the input's backward
  uint32_t in_h, in_w, out_h, out_w;
  uint32_t top, left;
  float value;
};

// Wider borders are no model's, and would let the output's extent overflow.
constexpr uint32_t kMaxPad = 1u << 16;
}  // namespace

std::unique_ptr<Layer> PadLayer::create(const Attributes& a, const std::string& name) {
  std::array<uint32_t, 4> p{};
  if (a.array_size("padding") > 0) {
    const auto v = a.uints("padding");
    if (v.size() != 4)
      throw a.error("pad's \"padding\" is one width or [left, right, top, bottom], got " + std::to_string(v.size()) +
                    " values");
    std::copy(v.begin(), v.end(), p.begin());
  } else {
    p.fill(a.uint("padding"));
  }
  for (uint32_t w : p)
    if (w > kMaxPad)
      throw a.error("pad's \"padding\" " + std::to_string(w) + " is wider than " + std::to_string(kMaxPad));
  return std::make_unique<PadLayer>(name, p, a.real("value", 0.0));
}

Shape PadLayer::output_shape(std::span<const Shape> inputs) const {
  if (inputs.size() != 1) throw error("needs 1 input, got " + std::to_string(inputs.size()));
  Shape out = inputs[0];
  out.w += padding_[0] + padding_[1];
  out.h += padding_[2] + padding_[3];
  return out;
}

void PadLayer::forward(Recorder& rec, const LayerIO& io) {
  const Shape &x = io.inputs[0].shape, &y = io.output.shape;
  const Push push{static_cast<uint32_t>(y.count()), x.h, x.w, y.h, y.w, padding_[2], padding_[0], value_};
  rec.dispatch(rec.context().kernel(ShaderId::pad), {io.inputs[0].reads(), io.output.writes()}, push,
               elementwise_groups(y.count()));
}

void PadLayer::backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) {
  if (grads.grad_inputs.empty() || grads.grad_inputs[0].empty()) return;
  const Shape &x = io.inputs[0].shape, &y = io.output.shape;
  const Push push{static_cast<uint32_t>(x.count()), x.h, x.w, y.h, y.w, padding_[2], padding_[0], value_};
  rec.dispatch(rec.context().kernel(ShaderId::pad_backward), {grads.grad_output.reads(), grads.grad_inputs[0].writes()},
               push, elementwise_groups(x.count()));
}

}  // namespace vkcnn
