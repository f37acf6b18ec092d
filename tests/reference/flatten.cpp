#include "reference/flatten.h"

namespace vkcnn::reference {

// Written with explicit 4-D indices on purpose: that the result is the input in memory order
// is the property under test, not an assumption of the reference.
std::vector<double> flatten_forward(Shape in, const std::vector<double>& x) {
  const std::size_t features = in.per_image();
  std::vector<double> y(in.count());
  for (std::size_t n = 0; n < in.n; ++n)
    for (std::size_t c = 0; c < in.c; ++c)
      for (std::size_t h = 0; h < in.h; ++h)
        for (std::size_t w = 0; w < in.w; ++w)
          y[n * features + (c * in.h + h) * in.w + w] = x[((n * in.c + c) * in.h + h) * in.w + w];
  return y;
}

std::vector<double> flatten_backward(Shape in, const std::vector<double>& dy) {
  const std::size_t features = in.per_image();
  std::vector<double> dx(in.count());
  for (std::size_t n = 0; n < in.n; ++n)
    for (std::size_t c = 0; c < in.c; ++c)
      for (std::size_t h = 0; h < in.h; ++h)
        for (std::size_t w = 0; w < in.w; ++w)
          dx[((n * in.c + c) * in.h + h) * in.w + w] = dy[n * features + (c * in.h + h) * in.w + w];
  return dx;
}

}  // namespace vkcnn::reference
