// Double-precision reference for dense (PyTorch nn.Linear) on x read as (N, K), K = C*H*W.
#pragma once
#include <cstdint>
#include <vector>

namespace vkcnn::reference {

// x: (N, K)   w: (M, K)   b: (M) or empty for no bias   returns y: (N, M)
std::vector<double> dense_forward(uint32_t N, uint32_t K, uint32_t M, const std::vector<double>& x,
                                  const std::vector<double>& w, const std::vector<double>& b);

struct DenseGrads {
  std::vector<double> dx;  // (N, K)
  std::vector<double> dw;  // (M, K)
  std::vector<double> db;  // (M)
};
// Gradients of L = sum(dy * y) (dy: (N, M)), starting from zero.
DenseGrads dense_backward(uint32_t N, uint32_t K, uint32_t M, const std::vector<double>& x,
                          const std::vector<double>& w, const std::vector<double>& dy);

}  // namespace vkcnn::reference
