// Double-precision reference for the elementwise activations.
#pragma once
#include <cmath>
#include <string_view>
#include <vector>

namespace vkcnn::reference {

// a, b: clamp's bounds (infinite: unbounded), whose derivative is PyTorch's, 1 where a <= x <= b,
// bounds included; or hard_sigmoid's alpha and beta, clamp(alpha x + beta, 0, 1) (left infinite:
// PyTorch's 1/6 and 1/2). The other functions ignore them.
double activate(std::string_view type, double x, double negative_slope = 0.01, double a = -HUGE_VAL,
                double b = HUGE_VAL);
double activation_derivative(std::string_view type, double x, double negative_slope = 0.01, double a = -HUGE_VAL,
                             double b = HUGE_VAL);

std::vector<double> activation_forward(std::string_view type, const std::vector<double>& x, double negative_slope,
                                       double a = -HUGE_VAL, double b = HUGE_VAL);

}  // namespace vkcnn::reference
