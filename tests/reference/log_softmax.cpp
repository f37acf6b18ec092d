#include "reference/log_softmax.h"

#include <algorithm>
#include <cmath>

namespace vkcnn::reference {
namespace {
// Index of (n, c, p) with p = h * W + w.
std::size_t at(Shape s, uint32_t n, uint32_t c, uint32_t p) { return (std::size_t(n) * s.c + c) * s.h * s.w + p; }
}  // namespace

std::vector<double> log_softmax_forward(Shape s, const std::vector<double>& x) {
  std::vector<double> y(x.size());
  for (uint32_t n = 0; n < s.n; ++n)
    for (uint32_t p = 0; p < s.h * s.w; ++p) {
      double m = x[at(s, n, 0, p)];
      for (uint32_t c = 1; c < s.c; ++c) m = std::max(m, x[at(s, n, c, p)]);
      double sum = 0;
      for (uint32_t c = 0; c < s.c; ++c) sum += std::exp(x[at(s, n, c, p)] - m);
      for (uint32_t c = 0; c < s.c; ++c) y[at(s, n, c, p)] = x[at(s, n, c, p)] - m - std::log(sum);
    }
  return y;
}

std::vector<double> log_softmax_backward(Shape s, const std::vector<double>& y, const std::vector<double>& dy) {
  std::vector<double> dx(y.size());
  for (uint32_t n = 0; n < s.n; ++n)
    for (uint32_t p = 0; p < s.h * s.w; ++p) {
      double total = 0;
      for (uint32_t c = 0; c < s.c; ++c) total += dy[at(s, n, c, p)];
      for (uint32_t c = 0; c < s.c; ++c) dx[at(s, n, c, p)] = dy[at(s, n, c, p)] - std::exp(y[at(s, n, c, p)]) * total;
    }
  return dx;
}

}  // namespace vkcnn::reference
