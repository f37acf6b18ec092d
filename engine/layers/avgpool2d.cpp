#include "layers/avgpool2d.h"

#include "layers/activation.h"
#include "layers/texel_inputs.h"

namespace vkcnn {

std::unique_ptr<Layer> AvgPool2dLayer::create(const Attributes& a, const std::string& name) {
  if (a.has("dilation")) throw a.error("avgpool2d has no \"dilation\" (PyTorch's AvgPool2d neither)");
  return std::make_unique<AvgPool2dLayer>(name, PoolGeometry::parse(a, /*with_dilation=*/false),
                                          a.flag("count_include_pad", true));
}

Shape AvgPool2dLayer::output_shape(std::span<const Shape> inputs) const {
  if (const std::string why = g_.check(inputs[0]); !why.empty()) throw error(why);
  return g_.output_shape(inputs[0]);
}

std::vector<uint32_t> AvgPool2dLayer::spec_constants() const {
  auto spec = g_.spec_constants();
  spec.push_back(count_include_pad_ ? 1 : 0);
  return spec;
}

void AvgPool2dLayer::forward(Recorder& rec, const LayerIO& io) {
  const TensorView& x = io.inputs[0];
  const Kernel& k = rec.context().kernel(in_precision_of(io.output, ShaderId::avgpool2d), spec_constants());
  rec.dispatch(k, {x.reads(), io.output.writes()}, pool_push(x.shape, io.output.shape),
               elementwise_groups(io.output.shape.count()));
}

void AvgPool2dLayer::backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) {
  if (grads.grad_inputs.empty() || grads.grad_inputs[0].empty()) return;
  const TensorView& dx = grads.grad_inputs[0];
  const Kernel& k = rec.context().kernel(ShaderId::avgpool2d_backward, spec_constants());
  rec.dispatch(k, {grads.grad_output.reads(), dx.writes()}, pool_push(io.inputs[0].shape, io.output.shape),
               elementwise_groups(dx.shape.count()));
}

}  // namespace vkcnn
