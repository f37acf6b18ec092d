#include "layers/add.h"

#include "layers/texel_inputs.h"

namespace vkcnn {
namespace {
struct Push {
  uint32_t count;
  float slope;
  float weight_a;  // 2 when a and b share one gradient buffer (add(x, x)): written once, twice the share
};
}  // namespace

std::unique_ptr<Layer> AddLayer::create(const Attributes& a, const std::string& name) {
  // Attributes has no string reader yet, so the spec cannot name the activation; the graph
  // fuses a following activation layer through fuse_activation() instead.
  if (a.has("activation"))
    throw a.error("attribute \"activation\" is not read from specs yet; put an activation layer after the add");
  return std::make_unique<AddLayer>(name, Activation::None, 0.01f);
}

Shape AddLayer::output_shape(std::span<const Shape> inputs) const {
  if (inputs.size() != 2) throw error("needs 2 inputs, got " + std::to_string(inputs.size()));
  if (inputs[0] != inputs[1])
    throw error("inputs must have the same shape, got " + inputs[0].str() + " and " + inputs[1].str());
  return inputs[0];
}

bool AddLayer::fuse_activation(Activation kind, float negative_slope) {
  if (kind == Activation::Clamp) return false;  // two bounds; the epilogue carries one parameter
  if (act_ != Activation::None) return false;
  act_ = kind;
  slope_ = negative_slope;
  return true;
}

void AddLayer::forward(Recorder& rec, const LayerIO& io) {
  const std::size_t count = io.output.shape.count();
  const bool vec4 = count % 4 == 0;  // four elements an invocation
  const uint32_t spec[] = {static_cast<uint32_t>(act_), vec4};
  const Kernel& k = rec.context().kernel(in_precision_of(io.output, ShaderId::add), spec);
  rec.dispatch(k, {io.inputs[0].reads(), io.inputs[1].reads(), io.output.writes()},
               Push{static_cast<uint32_t>(count), slope_, 1.f}, elementwise_groups(vec4 ? count / 4 : count));
}

void AddLayer::backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) {
  TensorView da = grads.grad_inputs.size() > 0 ? grads.grad_inputs[0] : TensorView{};
  TensorView db = grads.grad_inputs.size() > 1 ? grads.grad_inputs[1] : TensorView{};
  float weight_a = 1.f;
  if (da.empty()) std::swap(da, db);  // the shader's first gradient binding is always written
  if (da.empty()) return;
  if (!db.empty() && db.buffer == da.buffer) {
    // Two bindings of one buffer updated in one invocation would be a read-modify-write race
    // in disguise; one write of twice the gradient says the same.
    db = {};
    weight_a = 2.f;
  }
  const bool write_b = !db.empty();
  const uint32_t spec[] = {static_cast<uint32_t>(act_), write_b ? 1u : 0u};
  const Kernel& k = rec.context().kernel(ShaderId::add_backward, spec);
  const std::size_t count = io.output.shape.count();
  // Without db the shader never touches binding 5; da stands in so that the set is complete.
  rec.dispatch(k,
               {io.inputs[0].reads(), io.inputs[1].reads(), io.output.reads(), grads.grad_output.reads(), da.writes(),
                write_b ? db.writes() : da.writes()},
               Push{static_cast<uint32_t>(count), slope_, weight_a}, elementwise_groups(count));
}

}  // namespace vkcnn
