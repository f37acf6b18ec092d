#include "reference/softmax_cross_entropy.h"

#include <algorithm>
#include <cmath>

namespace vkcnn::reference {

CrossEntropy softmax_cross_entropy(const std::vector<double>& logits, const std::vector<uint32_t>& labels,
                                   uint32_t classes, double label_smoothing) {
  const std::size_t n = labels.size();
  CrossEntropy r;
  r.grad.resize(n * classes);
  for (std::size_t i = 0; i < n; ++i) {
    const double* x = &logits[i * classes];
    const double m = *std::max_element(x, x + classes);
    double s = 0;
    for (uint32_t k = 0; k < classes; ++k) s += std::exp(x[k] - m);
    double loss = 0;
    for (uint32_t k = 0; k < classes; ++k) {
      const double log_p = x[k] - m - std::log(s);
      const double target = label_smoothing / classes + (k == labels[i] ? 1 - label_smoothing : 0);
      loss -= target * log_p;
      r.grad[i * classes + k] = (std::exp(log_p) - target) / static_cast<double>(n);
    }
    r.loss.push_back(loss);
    r.predicted.push_back(static_cast<uint32_t>(std::max_element(x, x + classes) - x));
  }
  return r;
}

double mean_cross_entropy(const std::vector<double>& logits, const std::vector<uint32_t>& labels, uint32_t classes,
                          double label_smoothing) {
  auto r = softmax_cross_entropy(logits, labels, classes, label_smoothing);
  double sum = 0;
  for (double l : r.loss) sum += l;
  return sum / static_cast<double>(labels.size());
}

}  // namespace vkcnn::reference
