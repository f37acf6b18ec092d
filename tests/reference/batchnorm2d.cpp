#include "reference/batchnorm2d.h"

#include <cmath>

namespace vkcnn::reference {
namespace {
std::size_t at(Shape s, uint32_t n, uint32_t c, uint32_t p) { return (std::size_t(n) * s.c + c) * s.h * s.w + p; }
}  // namespace

BatchStats batchnorm2d_batch_stats(Shape s, const std::vector<double>& x) {
  BatchStats st{std::vector<double>(s.c), std::vector<double>(s.c)};
  const double count = double(s.n) * s.h * s.w;
  for (uint32_t c = 0; c < s.c; ++c) {
    double sum = 0;
    for (uint32_t n = 0; n < s.n; ++n)
      for (uint32_t p = 0; p < s.h * s.w; ++p) sum += x[at(s, n, c, p)];
    st.mean[c] = sum / count;
    double sq = 0;
    for (uint32_t n = 0; n < s.n; ++n)
      for (uint32_t p = 0; p < s.h * s.w; ++p)
        sq += (x[at(s, n, c, p)] - st.mean[c]) * (x[at(s, n, c, p)] - st.mean[c]);
    st.var[c] = sq / count;
  }
  return st;
}

std::vector<double> batchnorm2d_forward(Shape s, const std::vector<double>& x, const std::vector<double>& mean,
                                        const std::vector<double>& var, const std::vector<double>& weight,
                                        const std::vector<double>& bias, double eps) {
  std::vector<double> y(x.size());
  for (uint32_t n = 0; n < s.n; ++n)
    for (uint32_t c = 0; c < s.c; ++c)
      for (uint32_t p = 0; p < s.h * s.w; ++p) {
        std::size_t i = at(s, n, c, p);
        y[i] = (x[i] - mean[c]) / std::sqrt(var[c] + eps) * weight[c] + bias[c];
      }
  return y;
}

std::vector<double> batchnorm2d_forward_training(Shape s, const std::vector<double>& x,
                                                 const std::vector<double>& weight, const std::vector<double>& bias,
                                                 double eps) {
  BatchStats st = batchnorm2d_batch_stats(s, x);
  return batchnorm2d_forward(s, x, st.mean, st.var, weight, bias, eps);
}

BatchNorm2dGrads batchnorm2d_backward(Shape s, const std::vector<double>& x, const std::vector<double>& weight,
                                      const std::vector<double>& dy, double eps) {
  BatchStats st = batchnorm2d_batch_stats(s, x);
  BatchNorm2dGrads g{std::vector<double>(x.size()), std::vector<double>(s.c), std::vector<double>(s.c)};
  const double count = double(s.n) * s.h * s.w;
  for (uint32_t c = 0; c < s.c; ++c) {
    const double inv_std = 1 / std::sqrt(st.var[c] + eps);
    for (uint32_t n = 0; n < s.n; ++n)
      for (uint32_t p = 0; p < s.h * s.w; ++p) {
        std::size_t i = at(s, n, c, p);
        g.dbias[c] += dy[i];
        g.dweight[c] += dy[i] * (x[i] - st.mean[c]) * inv_std;
      }
    // The mean and variance depend on every x of the channel, hence the two correction terms.
    for (uint32_t n = 0; n < s.n; ++n)
      for (uint32_t p = 0; p < s.h * s.w; ++p) {
        std::size_t i = at(s, n, c, p);
        double x_hat = (x[i] - st.mean[c]) * inv_std;
        g.dx[i] = weight[c] * inv_std * (dy[i] - g.dbias[c] / count - x_hat * g.dweight[c] / count);
      }
  }
  return g;
}

}  // namespace vkcnn::reference
