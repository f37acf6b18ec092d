#include "model/forward_plan.h"

#include <cstring>

namespace vkcnn {

ForwardPlan::ForwardPlan(const Model& model, uint32_t batch)
    : model_(&model), batch_(batch), input_(model.context(), model.input_shape(batch)) {
  if (batch == 0) throw Error(model.origin() + ": batch size must be at least 1");
  const auto& nodes = model.graph().nodes();
  outputs_.resize(nodes.size());
  views_.resize(nodes.size());
  scratch_.resize(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const GraphNode& node = nodes[i];
    Shape out = with_batch(node.output_shape, batch);
    if (node.layer->aliases_input(false)) {
      TensorView src = node.inputs[0] < 0 ? input_.view() : views_[node.inputs[0]];
      views_[i] = TensorView{out, src.buffer};
    } else {
      outputs_[i] = Tensor(model.context(), out);
      views_[i] = outputs_[i].view();
    }
    std::vector<Shape> in_shapes;
    for (int src : node.inputs) in_shapes.push_back(src < 0 ? input_.shape() : views_[src].shape);
    if (std::size_t n = node.layer->scratch_floats(in_shapes, false))
      scratch_[i] = Tensor(model.context(), Shape{static_cast<uint32_t>(n), 1, 1, 1});
  }
}

TensorView ForwardPlan::output() const { return views_.back(); }

void ForwardPlan::record(Recorder& rec) const {
  const auto& nodes = model_->graph().nodes();
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const GraphNode& node = nodes[i];
    LayerIO io;
    for (int src : node.inputs) io.inputs.push_back(src < 0 ? input_.view() : views_[src]);
    io.output = views_[i];
    io.params = model_->params(i);
    if (scratch_[i].buffer().valid()) io.scratch = scratch_[i].view();
    node.layer->forward(rec, io);
    rec.mark(node.layer->name());
  }
}

std::vector<float> ForwardPlan::run(std::span<const float> input) {
  const std::size_t in_bytes = input_.shape().count() * sizeof(float);
  const std::size_t out_bytes = output().shape.count() * sizeof(float);
  if (input.size_bytes() != in_bytes)
    throw Error(model_->origin() + ": forward pass got " + std::to_string(input.size()) + " input values, expected " +
                std::to_string(input_.shape().count()) + " for " + input_.shape().str());
  if (!pass_) {
    upload_ = Buffer(model_->context(), in_bytes, MemoryKind::Upload);
    readback_ = Buffer(model_->context(), out_bytes, MemoryKind::Readback);
    pass_ = std::make_unique<Recorder>(model_->context());
    pass_->begin();
    pass_->copy(upload_, input_.buffer(), in_bytes);
    record(*pass_);
    pass_->copy(*output().buffer, readback_, out_bytes);
    pass_->end();
  }
  upload_.write(std::as_bytes(input));
  pass_->submit_and_wait();
  std::vector<float> out(output().shape.count());
  readback_.read(std::as_writable_bytes(std::span(out)));
  return out;
}

std::vector<std::pair<std::string, double>> ForwardPlan::last_profile() const {
  if (!pass_) return {};
  return pass_->section_times();
}

}  // namespace vkcnn
