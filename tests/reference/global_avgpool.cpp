#include "reference/global_avgpool.h"

namespace vkcnn::reference {

std::vector<double> global_avgpool_forward(Shape in, const std::vector<double>& x) {
  const std::size_t planes = std::size_t(in.n) * in.c, size = std::size_t(in.h) * in.w;
  std::vector<double> y(planes, 0.0);
  for (std::size_t p = 0; p < planes; ++p) {
    for (std::size_t i = 0; i < size; ++i) y[p] += x[p * size + i];
    y[p] /= double(size);
  }
  return y;
}

std::vector<double> global_avgpool_backward(Shape in, const std::vector<double>& dy) {
  const std::size_t planes = std::size_t(in.n) * in.c, size = std::size_t(in.h) * in.w;
  std::vector<double> dx(in.count());
  for (std::size_t p = 0; p < planes; ++p)
    for (std::size_t i = 0; i < size; ++i) dx[p * size + i] = dy[p] / double(size);
  return dx;
}

}  // namespace vkcnn::reference
