// Everything one forward pass of a batch needs, allocated once: the input tensor, activation
// buffers (reused by layers whose outputs are no longer read; flatten and dropout alias their
// input), and a command buffer recorded once and resubmitted for every batch.
#pragma once
#include <deque>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <vkcnn/model/model.h>
#include <vkcnn/vk/recorder.h>

namespace vkcnn {

class ForwardPlan {
 public:
  ForwardPlan(const Model& model, uint32_t batch);
  ForwardPlan(const ForwardPlan&) = delete;
  ForwardPlan& operator=(const ForwardPlan&) = delete;

  uint32_t batch() const { return batch_; }
  // (batch, C, H, W), already normalised: what preprocessing writes.
  TensorView input() const { return input_.view(); }
  // (batch, classes, 1, 1): the last layer's output (probabilities when the spec ends in softmax).
  TensorView output() const;

  // Records every layer's dispatches into rec (with a timestamp per layer when profiling), so
  // callers can put their own work (frame upload, preprocessing, readback) in the same
  // command buffer.
  void record(Recorder& rec) const;

  // Copies `input` (batch*C*H*W floats) in, runs the pre-recorded pass (one submit, one wait)
  // and returns the output (batch*classes floats).
  std::vector<float> run(std::span<const float> input);
  // Per-layer times of the last run() when VKCNN_PROFILE=1 (empty otherwise).
  std::vector<std::pair<std::string, double>> last_profile() const;

 private:
  LayerIO node_io(std::size_t node) const;

  const Model* model_;
  uint32_t batch_;
  Tensor input_;
  std::deque<Buffer> buffers_;     // activations, shared by layers whose lifetimes don't overlap
  std::vector<TensorView> views_;  // per node: its output's shape and buffer
  std::vector<Tensor> scratch_;    // per node; empty where the layer needs none
  Buffer upload_, readback_;
  std::unique_ptr<Recorder> pass_;  // upload -> layers -> readback, recorded on first run()
};

}  // namespace vkcnn
