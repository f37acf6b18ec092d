#include <algorithm>
#include <cstring>

#include <vkcnn/train/training_plan.h>
#include <vkcnn/vk/context.h>

#include "train/loss.h"

namespace vkcnn {

// Per graph node: its output in training and in inference (they differ where a layer aliases
// its input in one mode only, e.g. dropout), scratch kept from forward to backward, and the
// gradient of its output.
struct TrainingPlan::Node {
  Tensor output;  // (B, out); empty when the node aliases its input in both modes
  TensorView train_view, eval_view;
  Tensor scratch;  // max of the training and inference scratch sizes
  Tensor grad;     // dL/d(output): (B, out); empty where nothing below trains
  std::vector<TensorView> params, grad_params;
  bool frozen = false;          // TrainingOptions::frozen names it: inference-mode forward, no param grads
  bool needs_backward = false;  // it, or a layer it reads from, has trainable parameters
};

namespace {

// Every step's dropout seed: a splitmix64 mix of the run's seed and the step, so that a resumed
// run draws the same masks as an uninterrupted one.
uint32_t step_seed(uint32_t seed, uint64_t step) {
  uint64_t z = (static_cast<uint64_t>(seed) << 32 | 0x9e3779b9u) + step * 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return static_cast<uint32_t>(z ^ (z >> 31));
}

Shape flat_shape(std::size_t count) { return Shape{static_cast<uint32_t>(count), 1, 1, 1}; }

// The first `batch` images of a (B, ...) tensor: batch is the outermost dimension.
TensorView first_images(const TensorView& v, uint32_t batch) {
  return v.empty() ? v : TensorView{with_batch(v.shape, batch), v.buffer};
}

}  // namespace

std::vector<std::string> layers_with_parameters(const Graph& graph) {
  std::vector<std::string> names;
  for (const GraphNode& n : graph.nodes())
    if (!n.params.empty()) names.push_back(n.layer->name());
  return names;
}

TrainingPlan::TrainingPlan(Context& ctx, const ModelSpec& spec, const Weights& weights, const TrainingOptions& options,
                           const std::string& origin)
    : ctx_(&ctx), origin_(origin), options_(options), graph_(std::make_unique<Graph>(spec, origin)) {
  const uint32_t B = options.batch;
  if (B == 0) throw Error(origin + ": batch size must be at least 1");
  const auto& gnodes = graph_->nodes();
  trained_nodes_ = gnodes.size();
  logits_node_ = static_cast<int>(gnodes.size()) - 1;
  if (gnodes.back().layer->outputs_probabilities()) {
    logits_node_ = gnodes.back().inputs[0];
    trained_nodes_ = gnodes.size() - 1;
    if (logits_node_ < 0) throw Error(origin + ": a model that is only a softmax has nothing to train");
  }

  // Frozen layers: every name must be a layer with parameters.
  std::vector<bool> frozen(gnodes.size(), false);
  for (const std::string& name : options.frozen) {
    auto it = std::find_if(gnodes.begin(), gnodes.end(), [&](const GraphNode& n) { return n.layer->name() == name; });
    if (it == gnodes.end() || it->params.empty()) {
      std::string valid;
      for (const std::string& v : layers_with_parameters(*graph_)) valid += (valid.empty() ? "" : ", ") + v;
      throw Error(origin + ": cannot freeze '" + name +
                  "': " + (it == gnodes.end() ? "no layer of that name" : "layer without parameters") +
                  " (layers with parameters: " + valid + ")");
    }
    frozen[it - gnodes.begin()] = true;
  }

  input_ = Tensor(ctx, graph_->input_shape(B));
  labels_ = Buffer(ctx, B * sizeof(uint32_t), MemoryKind::Device);
  upload_ = Buffer(ctx, input_.buffer().bytes() + labels_.bytes(), MemoryKind::Upload);

  // Parameters, uploaded once; TensorViews point into these vectors, so no reallocation after.
  params_.reserve(graph_->params().size());
  for (const ParamEntry& p : graph_->params()) {
    std::size_t count = gnodes[p.node].params[p.index].count();
    auto it = weights.find(p.name);
    if (it == weights.end()) throw Error(origin + ": missing tensor \"" + p.name + "\"");
    if (it->second.values.size() != count)
      throw Error(origin + ": tensor \"" + p.name + "\" has " + std::to_string(it->second.values.size()) +
                  " values, expected " + std::to_string(count));
    params_.emplace_back(ctx, flat_shape(count)).upload(it->second.values);
    if (p.trainable && !frozen[p.node]) trainable_.push_back(params_.size() - 1);
  }
  grad_params_.reserve(trainable_.size());
  for (std::size_t t : trainable_) grad_params_.emplace_back(ctx, params_[t].shape());

  nodes_.resize(trained_nodes_);
  // A node needs a backward pass when it or anything it reads from trains; a gradient of its
  // output is then needed, and none otherwise.
  for (std::size_t i = 0; i < trained_nodes_; ++i) {
    Node& n = nodes_[i];
    n.frozen = frozen[i];
    for (const ParamEntry& p : graph_->params())
      if (static_cast<std::size_t>(p.node) == i && p.trainable && !frozen[i]) n.needs_backward = true;
    for (int src : gnodes[i].inputs)
      if (src >= 0 && nodes_[src].needs_backward) n.needs_backward = true;
  }
  if (!nodes_[logits_node_].needs_backward) throw Error(origin + ": every layer is frozen: nothing to train");
  auto in_view = [&](int src, bool training) {
    if (src < 0) return input_.view();
    return training ? nodes_[src].train_view : nodes_[src].eval_view;
  };
  for (std::size_t i = 0; i < trained_nodes_; ++i) {
    const GraphNode& g = gnodes[i];
    Node& n = nodes_[i];
    const Shape out = with_batch(g.output_shape, B);
    const bool alias_train = g.layer->aliases_input(true), alias_eval = g.layer->aliases_input(false);
    if (!alias_train || !alias_eval) n.output = Tensor(ctx, out);
    n.train_view = alias_train ? TensorView{out, in_view(g.inputs[0], true).buffer} : n.output.view();
    n.eval_view = alias_eval ? TensorView{out, in_view(g.inputs[0], false).buffer} : n.output.view();
    std::vector<Shape> in_shapes;
    for (int src : g.inputs) in_shapes.push_back(in_view(src, true).shape);
    std::size_t scratch = std::max(g.layer->scratch_floats(in_shapes, true), g.layer->scratch_floats(in_shapes, false));
    if (scratch) n.scratch = Tensor(ctx, flat_shape(scratch));
    if (n.needs_backward) n.grad = Tensor(ctx, out);
  }
  std::size_t next_trainable = 0;
  for (std::size_t p = 0; p < graph_->params().size(); ++p) {
    const ParamEntry& e = graph_->params()[p];
    if (static_cast<std::size_t>(e.node) >= trained_nodes_) continue;
    nodes_[e.node].params.push_back(params_[p].view());
    if (e.trainable && !frozen[e.node]) {
      nodes_[e.node].grad_params.push_back(grad_params_[next_trainable].view());
      trainable_views_.push_back(params_[p].view());
      grad_param_views_.push_back(grad_params_[next_trainable].view());
      ++next_trainable;
    }
  }

  logits_ = nodes_[logits_node_].train_view;
  grad_logits_ = nodes_[logits_node_].grad.view();
  classes_ = static_cast<uint32_t>(logits_.shape.per_image());

  std::vector<std::size_t> counts;
  for (std::size_t t : trainable_) counts.push_back(params_[t].shape().count());
  optimizer_ = std::make_unique<Optimizer>(ctx, options.optimizer, counts);

  loss_ = Buffer(ctx, B * sizeof(float), MemoryKind::Device);
  predicted_ = Buffer(ctx, B * sizeof(uint32_t), MemoryKind::Device);
  readback_ = Buffer(ctx, loss_.bytes() + predicted_.bytes(), MemoryKind::Readback);
  host_loss_.resize(B);
  host_predicted_.resize(B);
}

TrainingPlan::~TrainingPlan() = default;

Recorder& TrainingPlan::recorder() {
  if (!rec_) rec_ = std::make_unique<Recorder>(*ctx_);
  return *rec_;
}

void TrainingPlan::check_batch(std::size_t images, std::size_t labels, bool full) const {
  const std::size_t B = options_.batch;
  if (labels == 0 || labels > B)
    throw Error(origin_ + ": " + std::to_string(labels) + " labels for a batch of " + std::to_string(B) +
                (full ? " (a training step takes 1 to " + std::to_string(B) + " samples)" : ""));
  if (images != labels * image_floats())
    throw Error(origin_ + ": " + std::to_string(images) + " input values for " + std::to_string(labels) +
                " images of " + input_.shape().str() + " (expected " + std::to_string(labels * image_floats()) + ")");
}

void TrainingPlan::upload(std::span<const float> images, std::span<const uint32_t> labels) {
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] >= classes_)
      throw Error(origin_ + ": label " + std::to_string(labels[i]) + " of sample " + std::to_string(i) +
                  " is out of range for " + std::to_string(classes_) + " classes");
  auto* base = static_cast<std::byte*>(upload_.mapped());
  const std::size_t image_bytes = input_.buffer().bytes();
  upload_.write(std::as_bytes(images));
  // A short batch's padding rows are zeros, never stale memory that could hold NaNs.
  if (images.size_bytes() < image_bytes) std::memset(base + images.size_bytes(), 0, image_bytes - images.size_bytes());
  upload_.write(std::as_bytes(labels), image_bytes);
}

void TrainingPlan::record_forward(Recorder& rec, bool training, uint32_t seed, uint32_t batch) const {
  const auto& gnodes = graph_->nodes();
  for (std::size_t i = 0; i < trained_nodes_; ++i) {
    const Node& n = nodes_[i];
    LayerIO io;
    for (int src : gnodes[i].inputs)
      io.inputs.push_back(first_images(src < 0    ? input_.view()
                                       : training ? nodes_[src].train_view
                                                  : nodes_[src].eval_view,
                                       batch));
    io.output = first_images(training ? n.train_view : n.eval_view, batch);
    io.params = n.params;
    if (n.scratch.buffer().valid()) io.scratch = n.scratch.view();
    // A frozen layer runs as at inference (batchnorm: running statistics, left unchanged).
    io.training = training && !n.frozen;
    io.seed = seed;
    gnodes[i].layer->forward(rec, io);
    rec.mark(gnodes[i].layer->name());
  }
}

void TrainingPlan::record_backward(Recorder& rec, uint32_t seed, uint32_t batch) const {
  const auto& gnodes = graph_->nodes();
  for (std::size_t i = trained_nodes_; i-- > 0;) {
    const Node& n = nodes_[i];
    if (!n.needs_backward) continue;  // nothing at or below it trains
    LayerIO io;
    LayerGrads grads;
    for (int src : gnodes[i].inputs) {
      io.inputs.push_back(first_images(src < 0 ? input_.view() : nodes_[src].train_view, batch));
      // Nobody needs the gradient of the images, nor of a part of the graph that is all frozen.
      const bool wanted = src >= 0 && nodes_[src].needs_backward;
      grads.grad_inputs.push_back(wanted ? first_images(nodes_[src].grad.view(), batch) : TensorView{});
    }
    io.output = first_images(n.train_view, batch);
    io.params = n.params;
    if (n.scratch.buffer().valid()) io.scratch = n.scratch.view();
    io.training = !n.frozen;
    io.seed = seed;
    grads.grad_output = first_images(n.grad.view(), batch);
    grads.grad_params = n.grad_params;
    gnodes[i].layer->backward(rec, io, grads);
    rec.mark(gnodes[i].layer->name() + " backward");
  }
}

void TrainingPlan::ensure_scratch(uint32_t batch) {
  // Scratch was sized for the full batch; some layers want more for fewer images (conv2d
  // splits a weight gradient's sum further when there are fewer pixels to spread over).
  const auto& gnodes = graph_->nodes();
  for (std::size_t i = 0; i < trained_nodes_; ++i) {
    std::vector<Shape> in_shapes;
    for (int src : gnodes[i].inputs)
      in_shapes.push_back(with_batch(src < 0 ? input_.shape() : nodes_[src].train_view.shape, batch));
    const std::size_t need = gnodes[i].layer->scratch_floats(in_shapes, true);
    Node& n = nodes_[i];
    if (need > (n.scratch.buffer().valid() ? n.scratch.shape().count() : 0))
      n.scratch = Tensor(*ctx_, flat_shape(need));
  }
}

BatchResult TrainingPlan::train_step(std::span<const float> images, std::span<const uint32_t> labels, double lr) {
  check_batch(images.size(), labels.size(), true);
  const uint32_t B = static_cast<uint32_t>(labels.size());
  if (B != options_.batch) ensure_scratch(B);
  upload(images, labels);
  const uint32_t seed = step_seed(options_.seed, step_);

  Recorder& rec = recorder();
  rec.begin();
  rec.copy(upload_, input_.buffer(), input_.buffer().bytes());
  rec.copy(upload_, labels_, labels_.bytes(), input_.buffer().bytes(), 0);
  // Gradients accumulate (+=), so they start from zero every step; none of these fills
  // depends on another, so they share the barrier before the first layer.
  for (const Node& n : nodes_)
    if (n.grad.buffer().valid()) rec.fill(n.grad.buffer());
  for (const Tensor& g : grad_params_) rec.fill(g.buffer());
  rec.mark("upload, zero grads");
  record_forward(rec, true, seed, B);
  record_softmax_cross_entropy(rec,
                               {first_images(logits_, B), &labels_, first_images(grad_logits_, B), &loss_, &predicted_},
                               B, options_.label_smoothing);
  rec.mark("loss");
  record_backward(rec, seed, B);
  optimizer_->record(rec, trainable_views_, grad_param_views_, lr, step_ + 1);
  rec.mark("optimizer");
  rec.copy(loss_, readback_, loss_.bytes());
  rec.copy(predicted_, readback_, predicted_.bytes(), 0, loss_.bytes());
  rec.end();
  rec.submit_and_wait();
  ++step_;
  return read_results(labels, {}, {});
}

BatchResult TrainingPlan::evaluate(std::span<const float> images, std::span<const uint32_t> labels,
                                   std::span<uint32_t> predicted, std::span<float> losses) {
  check_batch(images.size(), labels.size(), false);
  if ((!predicted.empty() && predicted.size() != labels.size()) || (!losses.empty() && losses.size() != labels.size()))
    throw Error(origin_ + ": evaluate() got " + std::to_string(predicted.size()) + " prediction and " +
                std::to_string(losses.size()) + " loss slots for " + std::to_string(labels.size()) + " labels");
  upload(images, labels);
  Recorder& rec = recorder();
  rec.begin();
  rec.copy(upload_, input_.buffer(), input_.buffer().bytes());
  rec.copy(upload_, labels_, labels_.bytes(), input_.buffer().bytes(), 0);
  rec.mark("upload");
  record_forward(rec, false, 0, options_.batch);
  record_softmax_cross_entropy(rec, {nodes_[logits_node_].eval_view, &labels_, TensorView{}, &loss_, &predicted_},
                               static_cast<uint32_t>(labels.size()), options_.label_smoothing);
  rec.mark("loss");
  rec.copy(loss_, readback_, loss_.bytes());
  rec.copy(predicted_, readback_, predicted_.bytes(), 0, loss_.bytes());
  rec.end();
  rec.submit_and_wait();
  return read_results(labels, predicted, losses);
}

BatchResult TrainingPlan::read_results(std::span<const uint32_t> labels, std::span<uint32_t> predicted,
                                       std::span<float> losses) {
  readback_.read(std::as_writable_bytes(std::span(host_loss_)));
  readback_.read(std::as_writable_bytes(std::span(host_predicted_)), loss_.bytes());
  BatchResult r;
  r.count = static_cast<uint32_t>(labels.size());
  for (std::size_t i = 0; i < labels.size(); ++i) {
    r.loss_sum += host_loss_[i];
    r.correct += host_predicted_[i] == labels[i];
    if (!predicted.empty()) predicted[i] = host_predicted_[i];
    if (!losses.empty()) losses[i] = host_loss_[i];
  }
  return r;
}

Weights TrainingPlan::weights() const {
  Weights out;
  for (std::size_t p = 0; p < params_.size(); ++p) {
    const ParamEntry& e = graph_->params()[p];
    out[e.name] = HostParam{e.dims, params_[p].download()};
  }
  return out;
}

TrainingState TrainingPlan::state() const {
  TrainingState s;
  s.weights = weights();
  s.step = step_;
  const auto names = optimizer_->state_names();
  for (std::size_t t = 0; t < trainable_.size(); ++t) {
    const ParamEntry& e = graph_->params()[trainable_[t]];
    auto values = optimizer_->state(t);
    for (std::size_t k = 0; k < names.size(); ++k) s.optimizer[e.name + "." + names[k]] = HostParam{e.dims, values[k]};
  }
  return s;
}

void TrainingPlan::restore(const TrainingState& s) {
  for (std::size_t p = 0; p < params_.size(); ++p) {
    const ParamEntry& e = graph_->params()[p];
    auto it = s.weights.find(e.name);
    if (it == s.weights.end()) throw Error(origin_ + ": checkpoint lacks tensor \"" + e.name + "\"");
    if (it->second.values.size() != params_[p].shape().count())
      throw Error(origin_ + ": checkpoint tensor \"" + e.name + "\" has " + std::to_string(it->second.values.size()) +
                  " values, expected " + std::to_string(params_[p].shape().count()));
    params_[p].upload(it->second.values);
  }
  const auto names = optimizer_->state_names();
  for (std::size_t t = 0; t < trainable_.size(); ++t) {
    const ParamEntry& e = graph_->params()[trainable_[t]];
    std::vector<std::vector<float>> values;
    for (const std::string& name : names) {
      auto it = s.optimizer.find(e.name + "." + name);
      if (it == s.optimizer.end())
        throw Error(origin_ + ": checkpoint lacks optimizer state \"" + e.name + "." + name + "\" (" +
                    to_string(options_.optimizer.kind) + ")");
      if (it->second.values.size() != params_[trainable_[t]].shape().count())
        throw Error(origin_ + ": checkpoint optimizer state \"" + e.name + "." + name + "\" has the wrong size");
      values.push_back(it->second.values);
    }
    optimizer_->set_state(t, values);
  }
  step_ = s.step;
}

void TrainingPlan::load_weights(const Weights& w) {
  for (std::size_t p = 0; p < params_.size(); ++p) {
    const ParamEntry& e = graph_->params()[p];
    auto it = w.find(e.name);
    if (it == w.end()) throw Error(origin_ + ": missing tensor \"" + e.name + "\"");
    if (it->second.values.size() != params_[p].shape().count())
      throw Error(origin_ + ": tensor \"" + e.name + "\" has " + std::to_string(it->second.values.size()) +
                  " values, expected " + std::to_string(params_[p].shape().count()));
  }
  for (std::size_t p = 0; p < params_.size(); ++p) params_[p].upload(w.at(graph_->params()[p].name).values);
}

std::vector<std::pair<std::string, double>> TrainingPlan::last_profile() const {
  return rec_ ? rec_->section_times() : std::vector<std::pair<std::string, double>>{};
}

}  // namespace vkcnn
