// Double-precision reference for batchnorm2d (PyTorch nn.BatchNorm2d) on (N, C, H, W).
#pragma once
#include <vector>

#include <vkcnn/tensor.h>

namespace vkcnn::reference {

// Per channel over (N, H, W): the mean and the biased variance (what training normalises with).
struct BatchStats {
  std::vector<double> mean, var;
};
BatchStats batchnorm2d_batch_stats(Shape s, const std::vector<double>& x);

// y = (x - mean[c]) / sqrt(var[c] + eps) * weight[c] + bias[c]: training passes the batch's
// statistics, inference the running ones.
std::vector<double> batchnorm2d_forward(Shape s, const std::vector<double>& x, const std::vector<double>& mean,
                                        const std::vector<double>& var, const std::vector<double>& weight,
                                        const std::vector<double>& bias, double eps);
// Training-mode forward: the batch statistics, then the normalisation.
std::vector<double> batchnorm2d_forward_training(Shape s, const std::vector<double>& x,
                                                 const std::vector<double>& weight, const std::vector<double>& bias,
                                                 double eps);

struct BatchNorm2dGrads {
  std::vector<double> dx;       // (N, C, H, W)
  std::vector<double> dweight;  // (C)
  std::vector<double> dbias;    // (C)
};
// Gradients of L = sum(dy * y) for the training-mode forward, starting from zero.
BatchNorm2dGrads batchnorm2d_backward(Shape s, const std::vector<double>& x, const std::vector<double>& weight,
                                      const std::vector<double>& dy, double eps);

}  // namespace vkcnn::reference
