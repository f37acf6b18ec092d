#include "reference/channel_shuffle.h"

namespace vkcnn::reference {
namespace {

// (n, k, i) of the (N, g, m) view -> flat (N, m, g) index of the transposed view, per plane.
template <typename Visit>
void for_each_pair(const Shape& x, uint32_t groups, Visit visit) {
  const uint32_t m = x.c / groups;
  const std::size_t plane = std::size_t(x.h) * x.w;
  for (uint32_t n = 0; n < x.n; ++n)
    for (uint32_t k = 0; k < groups; ++k)
      for (uint32_t i = 0; i < m; ++i)
        for (std::size_t p = 0; p < plane; ++p) {
          const std::size_t in = ((std::size_t(n) * groups + k) * m + i) * plane + p;   // x[n][k][i]
          const std::size_t out = ((std::size_t(n) * m + i) * groups + k) * plane + p;  // y[n][i][k]
          visit(in, out);
        }
}

}  // namespace

std::vector<double> channel_shuffle_forward(const Shape& x, const std::vector<double>& values, uint32_t groups) {
  std::vector<double> y(x.count());
  for_each_pair(x, groups, [&](std::size_t in, std::size_t out) { y[out] = values[in]; });
  return y;
}

std::vector<double> channel_shuffle_backward(const Shape& x, const std::vector<double>& dy, uint32_t groups) {
  std::vector<double> dx(x.count());
  for_each_pair(x, groups, [&](std::size_t in, std::size_t out) { dx[in] = dy[out]; });
  return dx;
}

}  // namespace vkcnn::reference
