#include "reference/mul.h"

namespace vkcnn::reference {
namespace {
// Index into b for element i of a.
std::size_t b_index(const Shape& a_shape, const std::vector<double>& a, const std::vector<double>& b, std::size_t i) {
  return b.size() == a.size() ? i : i / (std::size_t(a_shape.h) * a_shape.w);
}
}  // namespace

std::vector<double> mul_forward(const Shape& a_shape, const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> y(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) y[i] = a[i] * b[b_index(a_shape, a, b, i)];
  return y;
}

MulGrads mul_backward(const Shape& a_shape, const std::vector<double>& a, const std::vector<double>& b,
                      const std::vector<double>& dy) {
  MulGrads g{std::vector<double>(a.size()), std::vector<double>(b.size(), 0.0)};
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::size_t j = b_index(a_shape, a, b, i);
    g.da[i] = dy[i] * b[j];
    g.db[j] += dy[i] * a[i];
  }
  return g;
}

}  // namespace vkcnn::reference
