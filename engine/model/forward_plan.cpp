#include <algorithm>
#include <cstring>

#include <vkcnn/model/forward_plan.h>

namespace vkcnn {

namespace {

// Which storage (a buffer index, or -1 for the plan's input) holds each node's output: an
// aliasing node (flatten, dropout) shares its input's; other nodes take a buffer that no later
// node still reads, so a deep net needs a few activation buffers, not one per layer.
struct Storage {
  std::vector<int> of_node;        // node -> buffer index (-1 = the input tensor)
  std::vector<std::size_t> bytes;  // buffer index -> size
};

Storage plan_storage(const std::vector<GraphNode>& nodes, uint32_t batch) {
  const int n = static_cast<int>(nodes.size());
  std::vector<int> root(n);  // the node whose buffer this node's output lives in (-1: input)
  for (int i = 0; i < n; ++i)
    root[i] = nodes[i].layer->aliases_input(false) ? (nodes[i].inputs[0] < 0 ? -1 : root[nodes[i].inputs[0]]) : i;
  std::vector<int> last_read(n, -1);
  for (int i = 0; i < n; ++i)
    for (int src : nodes[i].inputs)
      if (src >= 0 && root[src] >= 0) last_read[root[src]] = std::max(last_read[root[src]], i);
  if (root[n - 1] >= 0) last_read[root[n - 1]] = n;  // the model output stays readable

  Storage s{std::vector<int>(n, -1), {}};
  std::vector<int> busy_until;  // buffer index -> last node that reads it
  for (int i = 0; i < n; ++i) {
    if (root[i] != i) {
      s.of_node[i] = root[i] < 0 ? -1 : s.of_node[root[i]];
      continue;
    }
    std::size_t need = with_batch(nodes[i].output_shape, batch).count() * sizeof(float);
    int best = -1;
    for (int b = 0; b < static_cast<int>(s.bytes.size()); ++b)
      if (busy_until[b] < i && s.bytes[b] >= need && (best < 0 || s.bytes[b] < s.bytes[best])) best = b;
    if (best < 0) {
      best = static_cast<int>(s.bytes.size());
      s.bytes.push_back(need);
      busy_until.push_back(-1);
    }
    busy_until[best] = std::max(last_read[i], i);
    s.of_node[i] = best;
  }
  return s;
}

}  // namespace

ForwardPlan::ForwardPlan(const Model& model, uint32_t batch)
    : model_(&model), batch_(batch), input_(model.context(), model.input_shape(batch)) {
  if (batch == 0) throw Error(model.origin() + ": batch size must be at least 1");
  const auto& nodes = model.graph().nodes();
  Storage storage = plan_storage(nodes, batch);
  for (std::size_t bytes : storage.bytes) buffers_.emplace_back(model.context(), bytes, MemoryKind::Device);
  views_.resize(nodes.size());
  scratch_.resize(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const GraphNode& node = nodes[i];
    int b = storage.of_node[i];
    views_[i] = TensorView{with_batch(node.output_shape, batch), b < 0 ? &input_.buffer() : &buffers_[b]};
    std::vector<Shape> in_shapes;
    for (int src : node.inputs) in_shapes.push_back(src < 0 ? input_.shape() : views_[src].shape);
    if (std::size_t n = node.layer->scratch_floats(in_shapes, false))
      scratch_[i] = Tensor(model.context(), Shape{static_cast<uint32_t>(n), 1, 1, 1});
  }
  // The model's weights never change (Model uploads them once), so what layers derive from
  // them is computed here once rather than in every pass.
  run_once(model.context(), [&](Recorder& rec) {
    for (std::size_t i = 0; i < nodes.size(); ++i) nodes[i].layer->prepare(rec, node_io(i));
  });
}

TensorView ForwardPlan::output() const { return views_.back(); }

LayerIO ForwardPlan::node_io(std::size_t i) const {
  const GraphNode& node = model_->graph().nodes()[i];
  LayerIO io;
  for (int src : node.inputs) io.inputs.push_back(src < 0 ? input_.view() : views_[src]);
  io.output = views_[i];
  io.params = model_->params(i);
  if (scratch_[i].buffer().valid()) io.scratch = scratch_[i].view();
  return io;
}

void ForwardPlan::record(Recorder& rec) const {
  const auto& nodes = model_->graph().nodes();
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    LayerIO io = node_io(i);
    io.prepared = true;
    nodes[i].layer->forward(rec, io);
    rec.mark(nodes[i].layer->name());
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
