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

// What a user asks for: fp32, fp16 (an error where the device cannot store 16-bit floats), or
// auto (fp16 on GPUs that can, fp32 on CPU devices).
enum class PrecisionChoice { Fp32, Fp16, Auto };
Precision resolve_precision(const DeviceInfo& device, PrecisionChoice choice);
// "fp32", "fp16" or "auto"; anything else is an Error that lists them.
PrecisionChoice parse_precision_choice(std::string_view text);

class ForwardPlan {
 public:
  // Precision::Fp16 stores activations and params as 16-bit floats in every layer that can
  // (Layer::supports_fp16), converting around the others; input() and output() stay fp32.
  ForwardPlan(const Model& model, uint32_t batch, Precision precision = Precision::Fp32);
  ForwardPlan(const ForwardPlan&) = delete;
  ForwardPlan& operator=(const ForwardPlan&) = delete;

  uint32_t batch() const { return batch_; }
  Precision precision() const { return precision_; }
  // Whether graph node `node` stores its tensors as fp16 in this plan.
  bool stores_fp16(std::size_t node) const { return views_.at(node).fp16; }
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

  struct Converted {  // a node's output in the other precision, for consumers that need it
    Buffer buffer;
    TensorView view;
  };
  struct Fp16Params {  // 16-bit copies of a node's params, made once
    std::deque<Buffer> buffers;
    std::vector<TensorView> views;
  };

  const Model* model_;
  uint32_t batch_;
  Precision precision_;
  Tensor input_;
  std::deque<Buffer> buffers_;          // activations, shared by layers whose lifetimes don't overlap
  std::vector<TensorView> views_;       // per node: its output's shape and buffer
  std::vector<Tensor> scratch_;         // per node; empty where the layer needs none
  std::deque<Converted> converted_;     // per node + 1 (index 0: the input); mostly empty
  std::deque<Fp16Params> fp16_params_;  // per node; empty unless it stores fp16
  Tensor output_fp32_;                  // the last node's output converted, when it is fp16
  Buffer upload_, readback_;
  std::unique_ptr<Recorder> pass_;  // upload -> layers -> readback, recorded on first run()
};

}  // namespace vkcnn
