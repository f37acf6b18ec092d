#include "reference/channel_slice.h"

namespace vkcnn::reference {

std::vector<double> channel_slice_forward(const Shape& x, const std::vector<double>& values, uint32_t start,
                                          uint32_t end) {
  const std::size_t plane = std::size_t(x.h) * x.w;
  std::vector<double> y;
  for (uint32_t n = 0; n < x.n; ++n)
    for (uint32_t c = start; c < end; ++c)
      for (std::size_t p = 0; p < plane; ++p) y.push_back(values[(std::size_t(n) * x.c + c) * plane + p]);
  return y;
}

std::vector<double> channel_slice_backward(const Shape& x, const std::vector<double>& dy, uint32_t start,
                                           uint32_t end) {
  const std::size_t plane = std::size_t(x.h) * x.w;
  std::vector<double> dx(x.count());
  std::size_t i = 0;
  for (uint32_t n = 0; n < x.n; ++n)
    for (uint32_t c = start; c < end; ++c)
      for (std::size_t p = 0; p < plane; ++p) dx[(std::size_t(n) * x.c + c) * plane + p] = dy[i++];
  return dx;
}

}  // namespace vkcnn::reference
