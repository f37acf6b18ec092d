#include "reference/activation.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace vkcnn::reference {
namespace {
struct Affine {
  double alpha, beta;
};
Affine hard_sigmoid_params(double a, double b) { return std::isinf(a) ? Affine{1.0 / 6, 0.5} : Affine{a, b}; }
}  // namespace

double activate(std::string_view type, double x, double slope, double a, double b) {
  if (type == "relu") return x > 0 ? x : 0;
  if (type == "relu6") return x < 0 ? 0 : (x > 6 ? 6 : x);
  if (type == "leaky_relu") return x >= 0 ? x : slope * x;
  if (type == "sigmoid") return 1 / (1 + std::exp(-x));
  if (type == "tanh") return std::tanh(x);
  if (type == "hard_sigmoid") {
    const auto [alpha, beta] = hard_sigmoid_params(a, b);
    return std::clamp(alpha * x + beta, 0.0, 1.0);
  }
  if (type == "hard_swish") return x * std::clamp(x / 6 + 0.5, 0.0, 1.0);
  if (type == "silu") return x / (1 + std::exp(-x));
  if (type == "clamp") return x < a ? a : (x > b ? b : x);
  if (type == "identity" || type.empty()) return x;
  throw std::invalid_argument("reference: unknown activation " + std::string(type));
}

double activation_derivative(std::string_view type, double x, double slope, double a, double b) {
  if (type == "relu") return x > 0 ? 1 : 0;
  if (type == "relu6") return (x > 0 && x < 6) ? 1 : 0;
  if (type == "leaky_relu") return x >= 0 ? 1 : slope;
  if (type == "sigmoid") {
    double s = 1 / (1 + std::exp(-x));
    return s * (1 - s);
  }
  if (type == "tanh") return 1 - std::tanh(x) * std::tanh(x);
  if (type == "hard_sigmoid") {
    const auto [alpha, beta] = hard_sigmoid_params(a, b);
    const double t = alpha * x + beta;
    return (t > 0 && t < 1) ? alpha : 0;
  }
  if (type == "hard_swish") return x <= -3 ? 0 : (x >= 3 ? 1 : (2 * x + 3) / 6);
  if (type == "silu") {
    double s = 1 / (1 + std::exp(-x));
    return s * (1 + x * (1 - s));
  }
  if (type == "clamp") return (x >= a && x <= b) ? 1 : 0;
  return 1;
}

std::vector<double> activation_forward(std::string_view type, const std::vector<double>& x, double slope, double a,
                                       double b) {
  std::vector<double> y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = activate(type, x[i], slope, a, b);
  return y;
}

}  // namespace vkcnn::reference
