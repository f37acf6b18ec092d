#include "layers/mul.h"

#include "layers/activation.h"  // elementwise_groups
#include "layers/texel_inputs.h"

namespace vkcnn {
namespace {
struct Push {
  uint32_t count;
  uint32_t plane;  // pixels per (image, channel) plane of a
};

bool per_plane(const Shape& a, const Shape& b) { return b != a; }
}  // namespace

std::unique_ptr<Layer> MulLayer::create(const Attributes&, const std::string& name) {
  return std::make_unique<MulLayer>(name);
}

Shape MulLayer::output_shape(std::span<const Shape> inputs) const {
  if (inputs.size() != 2) throw error("needs 2 inputs, got " + std::to_string(inputs.size()));
  const Shape &a = inputs[0], &b = inputs[1];
  const bool plane = b.n == a.n && b.c == a.c && b.h == 1 && b.w == 1;
  if (b != a && !plane)
    throw error("the second input must have the first's shape " + a.str() + " or one value per channel " +
                Shape{a.n, a.c, 1, 1}.str() + ", got " + b.str());
  return a;
}

void MulLayer::forward(Recorder& rec, const LayerIO& io) {
  const Shape& a = io.inputs[0].shape;
  const uint32_t spec[] = {per_plane(a, io.inputs[1].shape) ? 1u : 0u};
  const Kernel& k = rec.context().kernel(in_precision_of(io.output, ShaderId::mul), spec);
  rec.dispatch(k, {io.inputs[0].reads(), io.inputs[1].reads(), io.output.writes()},
               Push{static_cast<uint32_t>(a.count()), a.h * a.w}, elementwise_groups(a.count()));
}

void MulLayer::backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) {
  const TensorView& a = io.inputs[0];
  const TensorView& b = io.inputs[1];
  const TensorView da = grads.grad_inputs.size() > 0 ? grads.grad_inputs[0] : TensorView{};
  const TensorView db = grads.grad_inputs.size() > 1 ? grads.grad_inputs[1] : TensorView{};
  const bool plane = per_plane(a.shape, b.shape);
  const Push push{static_cast<uint32_t>(a.shape.count()), a.shape.h * a.shape.w};
  // mul(x, x): one buffer updated through two bindings in one invocation would race; its
  // gradient is dy * (a + b), written once.
  const bool shared = !da.empty() && !db.empty() && da.buffer == db.buffer;
  const bool write_b = !db.empty() && !plane && !shared;
  if (!da.empty()) {
    const uint32_t spec[] = {plane ? 1u : 0u, write_b ? 1u : 0u, shared ? 1u : 0u};
    const Kernel& k = rec.context().kernel(ShaderId::mul_backward, spec);
    // Without db the shader never touches binding 4; da stands in so that the set is complete.
    rec.dispatch(k, {a.reads(), b.reads(), grads.grad_output.reads(), da.writes(), write_b ? db.writes() : da.writes()},
                 push, elementwise_groups(a.shape.count()));
  } else if (write_b) {
    // Only db, of a's shape: db += dy * a is da's formula with the inputs swapped.
    const uint32_t spec[] = {0u, 0u, 0u};
    const Kernel& k = rec.context().kernel(ShaderId::mul_backward, spec);
    rec.dispatch(k, {b.reads(), a.reads(), grads.grad_output.reads(), db.writes(), db.writes()}, push,
                 elementwise_groups(a.shape.count()));
  }
  if (plane && !db.empty()) {
    const uint64_t planes = uint64_t(a.shape.n) * a.shape.c;
    const Kernel& k = rec.context().kernel(ShaderId::mul_backward_plane);
    const Groups groups = elementwise_groups(planes * 256);  // one workgroup per plane, on the same 2-D grid
    rec.dispatch(k, {a.reads(), grads.grad_output.reads(), db.writes()},
                 Push{static_cast<uint32_t>(planes), a.shape.h * a.shape.w}, groups);
  }
}

}  // namespace vkcnn
