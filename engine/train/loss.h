// Softmax cross-entropy over a batch of logits, fused into one dispatch that also writes the
// gradient, so a training step reads back only per-sample losses and predictions.
#pragma once
#include <cstdint>

#include <vkcnn/tensor.h>
#include <vkcnn/vk/recorder.h>

namespace vkcnn {

struct LossViews {
  TensorView logits;        // (N, K, 1, 1) or any (N, ...) with K values per sample
  const Buffer* labels;     // (N) uint32 class indices
  TensorView grad_logits;   // (N, K): += (softmax - target) / count; empty() for evaluation
  const Buffer* loss;       // (N) float: per-sample loss (0 for rows >= count)
  const Buffer* predicted;  // (N) uint32: per-sample argmax
};

// Records the loss for the first `count` rows (count <= N; the rest is padding). Labels must
// be < K: the host checks them before upload (an out-of-range label would read past the row).
// label_smoothing in [0, 1): PyTorch's cross_entropy(label_smoothing=...).
void record_softmax_cross_entropy(Recorder& rec, const LossViews& v, uint32_t count, float label_smoothing);

}  // namespace vkcnn
