#include "reference/dense.h"

namespace vkcnn::reference {

std::vector<double> dense_forward(uint32_t N, uint32_t K, uint32_t M, const std::vector<double>& x,
                                  const std::vector<double>& w, const std::vector<double>& b) {
  std::vector<double> y(std::size_t(N) * M);
  for (uint32_t n = 0; n < N; ++n)
    for (uint32_t m = 0; m < M; ++m) {
      double s = b.empty() ? 0 : b[m];
      for (uint32_t k = 0; k < K; ++k) s += x[std::size_t(n) * K + k] * w[std::size_t(m) * K + k];
      y[std::size_t(n) * M + m] = s;
    }
  return y;
}

DenseGrads dense_backward(uint32_t N, uint32_t K, uint32_t M, const std::vector<double>& x,
                          const std::vector<double>& w, const std::vector<double>& dy) {
  DenseGrads g{std::vector<double>(std::size_t(N) * K), std::vector<double>(std::size_t(M) * K),
               std::vector<double>(M)};
  for (uint32_t n = 0; n < N; ++n)
    for (uint32_t m = 0; m < M; ++m) {
      const double d = dy[std::size_t(n) * M + m];
      g.db[m] += d;
      for (uint32_t k = 0; k < K; ++k) {
        g.dx[std::size_t(n) * K + k] += d * w[std::size_t(m) * K + k];
        g.dw[std::size_t(m) * K + k] += d * x[std::size_t(n) * K + k];
      }
    }
  return g;
}

}  // namespace vkcnn::reference
