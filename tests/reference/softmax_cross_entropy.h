// Double-precision reference for the fused softmax cross-entropy loss (PyTorch's
// F.cross_entropy with label_smoothing, reduction="mean").
#pragma once
#include <cstdint>
#include <vector>

namespace vkcnn::reference {

struct CrossEntropy {
  std::vector<double> loss;         // (count) per-sample loss
  std::vector<uint32_t> predicted;  // (count) argmax, first maximum
  std::vector<double> grad;         // (count, K) d(mean loss)/d logits
};

// logits (count, K) row-major, labels (count).
CrossEntropy softmax_cross_entropy(const std::vector<double>& logits, const std::vector<uint32_t>& labels,
                                   uint32_t classes, double label_smoothing);
// The mean loss alone, for finite differences.
double mean_cross_entropy(const std::vector<double>& logits, const std::vector<uint32_t>& labels, uint32_t classes,
                          double label_smoothing);

}  // namespace vkcnn::reference
