#include "layers/maxpool2d.h"

#include "layers/activation.h"
#include "layers/fast_div.h"
#include "layers/texel_inputs.h"

namespace vkcnn {

// Why the argmax is stored rather than recomputed in backward: a gather per input element
// must know, for each of the up to ceil(k/s)^2 windows that hold it, whether it won that
// window. From stored indices that is one uint load per window; recomputing reads the whole
// window again (k^2 loads per window, 9x for 3x3) and must repeat the forward's tie-breaking
// and NaN handling exactly. The price is one uint per output element of scratch (a
// quarter of x for 2x2 stride 2), and only in training.

namespace {
// Whether no input element lies in two windows: stride >= dilated kernel extent, both axes.
bool windows_are_disjoint(const PoolGeometry& g) {
  for (int i = 0; i < 2; ++i)
    if (uint64_t(g.stride[i]) < uint64_t(g.dilation[i]) * (g.kernel[i] - 1) + 1) return false;
  return true;
}
}  // namespace

std::unique_ptr<Layer> MaxPool2dLayer::create(const Attributes& a, const std::string& name) {
  const PoolGeometry g = PoolGeometry::parse(a, /*with_dilation=*/true);
  MaxPoolBackward backward = MaxPoolBackward::Auto;
  if (a.has("backward")) {
    const std::string b = a.text("backward");
    if (b == "gather") {
      backward = MaxPoolBackward::Gather;
    } else if (b == "scatter") {
      if (!windows_are_disjoint(g))
        throw a.error(
            "backward \"scatter\" needs windows that cannot overlap (stride at least the dilated kernel), not " +
            g.str());
      backward = MaxPoolBackward::Scatter;
    } else if (b != "auto") {
      throw a.error("attribute \"backward\" must be \"auto\", \"gather\" or \"scatter\", not \"" + b + "\"");
    }
  }
  return std::make_unique<MaxPool2dLayer>(name, g, backward);
}

Shape MaxPool2dLayer::output_shape(std::span<const Shape> inputs) const {
  if (const std::string why = g_.check(inputs[0]); !why.empty()) throw error(why);
  return g_.output_shape(inputs[0]);
}

std::size_t MaxPool2dLayer::scratch_floats(std::span<const Shape> inputs, bool training) const {
  return training ? output_shape(inputs).count() : 0;
}

void MaxPool2dLayer::forward(Recorder& rec, const LayerIO& io) {
  const TensorView& x = io.inputs[0];
  const bool store_argmax = !io.scratch.empty();
  auto spec = g_.spec_constants();
  spec.push_back(store_argmax ? 1 : 0);
  const bool texel = use_texel_inputs(rec.context(), {x.shape.count()});
  const Kernel& k =
      rec.context().kernel(in_precision_of(io.output, texel ? ShaderId::maxpool2d_texel : ShaderId::maxpool2d), spec);
  // Without scratch the argmax binding is never written; y stands in so that the set is complete.
  const Binding argmax = store_argmax ? io.scratch.writes() : io.output.writes();
  rec.dispatch(k, {input(x, texel), io.output.writes(), argmax}, pool_push(x.shape, io.output.shape),
               elementwise_groups(io.output.shape.count()));
}

void MaxPool2dLayer::backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) {
  if (grads.grad_inputs.empty() || grads.grad_inputs[0].empty()) return;
  if (io.scratch.empty() || io.scratch.shape.count() < io.output.shape.count())
    throw error("backward needs the argmax that a training-mode forward stores in scratch");
  const TensorView& dx = grads.grad_inputs[0];
  const bool texel = use_texel_inputs(rec.context(), {io.scratch.shape.count()});
  const Shape& y = io.output.shape;
  // fast_div is exact below 2^31: larger outputs (no model this engine runs) gather.
  const bool scatter = backward_ != MaxPoolBackward::Gather && windows_are_disjoint(g_) && y.count() < (1u << 31);
  if (scatter) {
    const FastDiv per_plane(y.h * y.w);
    struct {
      uint32_t out_count, in_plane, div_mul, div_shift;
    } push{static_cast<uint32_t>(y.count()), dx.shape.h * dx.shape.w, per_plane.mul, per_plane.shift};
    const Kernel& k = rec.context().kernel(
        texel ? ShaderId::maxpool2d_backward_scatter_texel : ShaderId::maxpool2d_backward_scatter, {});
    rec.dispatch(k, {uint_input(io.scratch, texel), input(grads.grad_output, texel), dx.writes()}, push,
                 elementwise_groups(y.count()));
    return;
  }
  const Kernel& k = rec.context().kernel(texel ? ShaderId::maxpool2d_backward_texel : ShaderId::maxpool2d_backward,
                                         g_.spec_constants());
  rec.dispatch(k, {uint_input(io.scratch, texel), input(grads.grad_output, texel), dx.writes()},
               pool_push(io.inputs[0].shape, y), elementwise_groups(dx.shape.count()));
}

}  // namespace vkcnn
