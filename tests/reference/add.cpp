#include "reference/add.h"

#include "reference/activation.h"

namespace vkcnn::reference {

std::vector<double> add_forward(const std::vector<double>& a, const std::vector<double>& b, std::string_view activation,
                                double slope) {
  std::vector<double> y(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) y[i] = activate(activation, a[i] + b[i], slope);
  return y;
}

std::vector<double> add_backward(const std::vector<double>& a, const std::vector<double>& b,
                                 const std::vector<double>& dy, std::string_view activation, double slope) {
  std::vector<double> g(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) g[i] = dy[i] * activation_derivative(activation, a[i] + b[i], slope);
  return g;
}

}  // namespace vkcnn::reference
