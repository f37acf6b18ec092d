#include <algorithm>
#include <cstring>

#include <vkcnn/model/forward_plan.h>

#include "layers/cast.h"

namespace vkcnn {

namespace {

// Which storage (a buffer index, or -1 for the plan's input) holds each node's output: an
// aliasing node (flatten, dropout) shares its input's; other nodes take a buffer that no later
// node still reads, so a deep net needs a few activation buffers, not one per layer.
struct Storage {
  std::vector<int> of_node;        // node -> buffer index (-1 = the input tensor)
  std::vector<std::size_t> bytes;  // buffer index -> size
};

Storage plan_storage(const std::vector<GraphNode>& nodes, const std::vector<bool>& fp16, uint32_t batch) {
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
    std::size_t need = with_batch(nodes[i].output_shape, batch).count() * (fp16[i] ? 2 : sizeof(float));
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

// Which nodes store their output (and read their inputs and params) as fp16: those whose layer
// can, in a Precision::Fp16 plan; an aliasing node keeps its input's precision.
std::vector<bool> fp16_nodes(const std::vector<GraphNode>& nodes, bool fp16) {
  std::vector<bool> out(nodes.size(), false);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const Layer& layer = *nodes[i].layer;
    if (layer.aliases_input(false))
      out[i] = nodes[i].inputs[0] >= 0 && out[nodes[i].inputs[0]];
    else
      out[i] = fp16 && layer.supports_fp16();
  }
  return out;
}

}  // namespace

PrecisionChoice parse_precision_choice(std::string_view text) {
  if (text == "fp32") return PrecisionChoice::Fp32;
  if (text == "fp16") return PrecisionChoice::Fp16;
  if (text == "auto") return PrecisionChoice::Auto;
  throw Error("precision \"" + std::string(text) + "\": expected fp32, fp16 or auto");
}

Precision resolve_precision(const DeviceInfo& device, PrecisionChoice choice) {
  switch (choice) {
    case PrecisionChoice::Fp32:
      return Precision::Fp32;
    case PrecisionChoice::Fp16:
      if (!device.fp16_storage)
        throw Error("precision fp16: Vulkan device \"" + device.name +
                    "\" cannot store tensors as 16-bit floats (it lacks storageBuffer16BitAccess or 16-bit "
                    "texel buffers); use fp32 or auto");
      return Precision::Fp16;
    case PrecisionChoice::Auto:
      break;
  }
  // fp16 halves the memory traffic, which is what bounds a GPU; on a CPU device (lavapipe) the
  // conversions cost more than the bandwidth saves (docs/design.md, "fp16").
  return device.fp16_storage && device.type != "CPU" ? Precision::Fp16 : Precision::Fp32;
}

ForwardPlan::ForwardPlan(const Model& model, uint32_t batch, Precision precision)
    : model_(&model), batch_(batch), precision_(precision), input_(model.context(), model.input_shape(batch)) {
  if (batch == 0) throw Error(model.origin() + ": batch size must be at least 1");
  Context& ctx = model.context();
  if (precision == Precision::Fp16) resolve_precision(ctx.info(), PrecisionChoice::Fp16);  // throws without support
  const auto& nodes = model.graph().nodes();
  const std::vector<bool> fp16 = fp16_nodes(nodes, precision == Precision::Fp16);
  Storage storage = plan_storage(nodes, fp16, batch);
  for (std::size_t bytes : storage.bytes) buffers_.emplace_back(ctx, bytes, MemoryKind::Device);
  views_.resize(nodes.size());
  scratch_.resize(nodes.size());
  converted_.resize(nodes.size() + 1);
  fp16_params_.resize(nodes.size());
  // A converted copy of a node's output (index src + 1; 0 is the plan's input), for consumers
  // that store the other precision.
  auto convert = [&](int src, const TensorView& from) {
    Converted& c = converted_[src + 1];
    if (c.buffer.valid()) return;
    c.view = TensorView{from.shape, nullptr, !from.fp16};
    c.buffer = Buffer(ctx, c.view.bytes(), MemoryKind::Device);
    c.view.buffer = &c.buffer;
  };
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const GraphNode& node = nodes[i];
    int b = storage.of_node[i];
    views_[i] = TensorView{with_batch(node.output_shape, batch), b < 0 ? &input_.buffer() : &buffers_[b], fp16[i]};
    std::vector<Shape> in_shapes;
    for (int src : node.inputs) {
      const TensorView from = src < 0 ? input_.view() : views_[src];
      in_shapes.push_back(from.shape);
      if (!node.layer->aliases_input(false) && from.fp16 != fp16[i]) convert(src, from);
    }
    if (std::size_t n = node.layer->scratch_floats(in_shapes, false))
      scratch_[i] = Tensor(ctx, Shape{static_cast<uint32_t>(n), 1, 1, 1});
    if (fp16[i])
      for (const TensorView& p : model.params(i)) {
        Buffer& copy = fp16_params_[i].buffers.emplace_back(ctx, p.shape.count() * 2, MemoryKind::Device);
        fp16_params_[i].views.push_back(TensorView{p.shape, &copy, true});
      }
  }
  if (views_.back().fp16) {
    output_fp32_ = Tensor(ctx, views_.back().shape);
  }
  // The model's weights never change (Model uploads them once), so their 16-bit copies and
  // what layers derive from them are computed here once rather than in every pass.
  run_once(ctx, [&](Recorder& rec) {
    for (std::size_t i = 0; i < nodes.size(); ++i)
      for (std::size_t j = 0; j < fp16_params_[i].views.size(); ++j)
        record_cast(rec, model.params(i)[j], fp16_params_[i].views[j]);
    for (std::size_t i = 0; i < nodes.size(); ++i) nodes[i].layer->prepare(rec, node_io(i));
  });
}

TensorView ForwardPlan::output() const { return output_fp32_.buffer().valid() ? output_fp32_.view() : views_.back(); }

LayerIO ForwardPlan::node_io(std::size_t i) const {
  const GraphNode& node = model_->graph().nodes()[i];
  LayerIO io;
  io.output = views_[i];
  for (int src : node.inputs) {
    const TensorView from = src < 0 ? input_.view() : views_[src];
    const bool convert = !node.layer->aliases_input(false) && from.fp16 != io.output.fp16;
    io.inputs.push_back(convert ? converted_[src + 1].view : from);
  }
  io.params = io.output.fp16 ? fp16_params_[i].views : model_->params(i);
  if (scratch_[i].buffer().valid()) io.scratch = scratch_[i].view();
  return io;
}

void ForwardPlan::record(Recorder& rec) const {
  const auto& nodes = model_->graph().nodes();
  auto record_conversion = [&](int src, const TensorView& from) {
    const Converted& c = converted_[src + 1];
    if (!c.buffer.valid()) return;
    record_cast(rec, from, c.view);
    rec.mark(std::string("cast to ") + (c.view.fp16 ? "fp16" : "fp32"));
  };
  record_conversion(-1, input_.view());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    LayerIO io = node_io(i);
    io.prepared = true;
    nodes[i].layer->forward(rec, io);
    rec.mark(nodes[i].layer->name());
    record_conversion(static_cast<int>(i), views_[i]);
  }
  if (output_fp32_.buffer().valid()) {
    record_cast(rec, views_.back(), output_fp32_.view());
    rec.mark("cast to fp32");
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
