// Training a model on the device: the un-folded graph (no batchnorm folding, no activation
// fusion), every buffer for one batch size allocated once, and one command buffer per step:
//   upload batch -> zero grads -> forward (training) -> softmax cross-entropy -> backward in
//   reverse order -> optimizer update of every trainable tensor -> copy loss/predictions out
// submitted once, waited once. The host reads back 8 bytes per sample.
// If the spec ends in softmax, the loss takes the logits before it (the fused loss computes the
// softmax itself); the softmax stays in the spec, so the saved model still outputs probabilities.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <vkcnn/model/graph.h>
#include <vkcnn/model/weights.h>
#include <vkcnn/train/optimizer.h>
#include <vkcnn/vk/recorder.h>

namespace vkcnn {

struct TrainingOptions {
  uint32_t batch = 64;
  OptimizerConfig optimizer;
  float label_smoothing = 0.f;
  uint32_t seed = 0;  // dropout masks: every step gets its own seed derived from (seed, step)
  // Layers (by name) whose parameters stay fixed, for fine-tuning: no optimizer update and no
  // weight gradient (their backward-weight kernels are not recorded). A frozen batchnorm
  // normalises with its running statistics and leaves them alone (PyTorch's eval mode). dx
  // still flows through a frozen layer where a trainable one lies below it; a layer below which
  // nothing trains records no backward pass at all. Every name must be a layer with parameters.
  std::vector<std::string> frozen;
};

// The layers of a graph that have parameters (what TrainingOptions::frozen may name), in order.
std::vector<std::string> layers_with_parameters(const Graph& graph);

// Everything that makes a run continue identically after a restart.
struct TrainingState {
  Weights weights;    // every parameter by state_dict name, batchnorm running statistics included
  Weights optimizer;  // "<param>.<state>", e.g. "c1.weight.exp_avg" (PyTorch's state names)
  uint64_t step = 0;  // optimizer steps taken so far
};

struct BatchResult {
  double loss_sum = 0;   // sum of per-sample losses (mean = loss_sum / count)
  uint32_t correct = 0;  // samples whose argmax equals the label
  uint32_t count = 0;
};

class TrainingPlan {
 public:
  // `weights` must hold every parameter of the spec (initialize_weights() makes a fresh set).
  // `origin` names the model in errors.
  TrainingPlan(Context& ctx, const ModelSpec& spec, const Weights& weights, const TrainingOptions& options,
               const std::string& origin = "model");
  ~TrainingPlan();
  TrainingPlan(const TrainingPlan&) = delete;
  TrainingPlan& operator=(const TrainingPlan&) = delete;

  const Graph& graph() const { return *graph_; }
  const TrainingOptions& options() const { return options_; }
  uint32_t batch() const { return options_.batch; }
  uint32_t classes() const { return classes_; }
  std::size_t image_floats() const { return input_.shape().per_image(); }
  uint64_t step() const { return step_; }

  // One optimizer step: images (n, C, H, W) normalised floats, labels < classes, 1 <= n <=
  // batch(). A short batch (a dataset's last) trains on its n samples alone: the loss is their
  // mean and batchnorm takes the statistics of those n, as PyTorch does with drop_last=False.
  BatchResult train_step(std::span<const float> images, std::span<const uint32_t> labels, double lr);
  // Loss and accuracy with inference semantics (batchnorm running statistics, no dropout) on up
  // to batch() samples; `predicted` and `losses` (each empty or the size of labels) receive
  // each sample's argmax and loss.
  BatchResult evaluate(std::span<const float> images, std::span<const uint32_t> labels,
                       std::span<uint32_t> predicted = {}, std::span<float> losses = {});

  // Current parameter values (downloads; for saving with write_model_file).
  Weights weights() const;
  TrainingState state() const;
  // Puts weights, optimizer state and the step counter back (a checkpoint).
  void restore(const TrainingState& state);
  // Replaces the parameters only (every one, running statistics included); the optimizer state
  // and the step counter stay (keeping the best epoch's weights at the end of a run).
  void load_weights(const Weights& weights);

  // Per-section device times of the last step or evaluation when VKCNN_PROFILE=1.
  std::vector<std::pair<std::string, double>> last_profile() const;

 private:
  struct Node;
  void check_batch(std::size_t images, std::size_t labels, bool full) const;
  void upload(std::span<const float> images, std::span<const uint32_t> labels);
  void record_forward(Recorder& rec, bool training, uint32_t seed, uint32_t batch) const;
  void record_backward(Recorder& rec, uint32_t seed, uint32_t batch) const;
  void ensure_scratch(uint32_t batch);
  BatchResult read_results(std::span<const uint32_t> labels, std::span<uint32_t> predicted, std::span<float> losses);
  Recorder& recorder();

  Context* ctx_;
  std::string origin_;
  TrainingOptions options_;
  std::unique_ptr<Graph> graph_;
  std::size_t trained_nodes_ = 0;  // nodes [0, trained_nodes_) run in training; a final softmax does not
  int logits_node_ = 0;            // the node whose output the loss reads
  uint32_t classes_ = 0;
  uint64_t step_ = 0;

  Tensor input_;   // (B, C, H, W)
  Buffer labels_;  // (B) uint32
  Buffer upload_;  // images then labels, written by the host every step
  std::vector<Node> nodes_;
  TensorView logits_;                   // (B, K): the training graph's last output
  TensorView grad_logits_;              // (B, K)
  std::vector<Tensor> params_;          // per graph param, in Graph::params() order
  std::vector<Tensor> grad_params_;     // per trainable param
  std::vector<std::size_t> trainable_;  // index into params_ of each trainable param
  std::vector<TensorView> trainable_views_, grad_param_views_;
  std::unique_ptr<Optimizer> optimizer_;
  Buffer loss_;                           // (B) float per-sample loss
  Buffer predicted_;                      // (B) uint32 per-sample argmax
  Buffer readback_;                       // loss then predicted
  std::vector<float> host_loss_;          // (B)
  std::vector<uint32_t> host_predicted_;  // (B)
  std::unique_ptr<Recorder> rec_;         // re-recorded per step: the seed and lr are push constants
};

}  // namespace vkcnn
