#include "layers/concat.h"

#include "layers/activation.h"  // elementwise_groups
#include "layers/texel_inputs.h"

namespace vkcnn {
namespace {
struct Push {
  uint32_t count;         // elements of this input
  uint32_t plane;         // H * W
  uint32_t channels;      // this input's
  uint32_t out_channels;  // the output's
  uint32_t offset;        // this input's first channel in the output
};

// The most inputs one concat takes (DenseNet-201's widest block concatenates 49 tensors).
constexpr std::size_t kMaxInputs = 256;
}  // namespace

std::unique_ptr<Layer> ConcatLayer::create(const Attributes& a, const std::string& name) {
  if (a.has("axis") && a.uint("axis") != 1)
    throw a.error("concat joins channels: \"axis\" must be 1 (NCHW), got " + std::to_string(a.uint("axis")));
  if (!a.has("inputs")) throw a.error("concat needs \"inputs\": the layers whose outputs it joins");
  const std::size_t n = a.array_size("inputs");
  if (n < 2 || n > kMaxInputs)
    throw a.error("concat needs between 2 and " + std::to_string(kMaxInputs) + " \"inputs\", got " + std::to_string(n));
  return std::make_unique<ConcatLayer>(name, n);
}

Shape ConcatLayer::output_shape(std::span<const Shape> inputs) const {
  if (inputs.size() != inputs_)
    throw error("needs " + std::to_string(inputs_) + " inputs, got " + std::to_string(inputs.size()));
  Shape out = inputs[0];
  uint64_t channels = 0;
  for (const Shape& s : inputs) {
    if (s.n != out.n || s.h != out.h || s.w != out.w)
      throw error("inputs must agree in batch, height and width, got " + inputs[0].str() + " and " + s.str());
    channels += s.c;
  }
  if (channels > (uint64_t(1) << 24)) throw error("more than 16777216 output channels");
  out.c = static_cast<uint32_t>(channels);
  return out;
}

void ConcatLayer::forward(Recorder& rec, const LayerIO& io) {
  const Kernel& k = rec.context().kernel(in_precision_of(io.output, ShaderId::concat));
  uint32_t offset = 0;
  for (const TensorView& x : io.inputs) {
    const Push push{static_cast<uint32_t>(x.shape.count()), x.shape.h * x.shape.w, x.shape.c, io.output.shape.c,
                    offset};
    rec.dispatch(k, {x.reads(), io.output.writes()}, push, elementwise_groups(x.shape.count()));
    offset += x.shape.c;
  }
}

void ConcatLayer::backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) {
  const Kernel& k = rec.context().kernel(ShaderId::concat_backward);
  uint32_t offset = 0;
  for (std::size_t i = 0; i < io.inputs.size(); ++i) {
    const Shape& s = io.inputs[i].shape;
    if (i < grads.grad_inputs.size() && !grads.grad_inputs[i].empty()) {
      const Push push{static_cast<uint32_t>(s.count()), s.h * s.w, s.c, io.output.shape.c, offset};
      rec.dispatch(k, {grads.grad_output.reads(), grads.grad_inputs[i].writes()}, push, elementwise_groups(s.count()));
    }
    offset += s.c;
  }
}

}  // namespace vkcnn
