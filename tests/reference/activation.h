// Double-precision reference for the elementwise activations.
#pragma once
#include <cmath>
#include <string_view>
#include <vector>

namespace vkcnn::reference {

// lo, hi: clamp's bounds. Its derivative is PyTorch's: 1 where lo <= x <= hi, bounds included.
double activate(std::string_view type, double x, double negative_slope = 0.01, double lo = -HUGE_VAL,
                double hi = HUGE_VAL);
double activation_derivative(std::string_view type, double x, double negative_slope = 0.01, double lo = -HUGE_VAL,
                             double hi = HUGE_VAL);

std::vector<double> activation_forward(std::string_view type, const std::vector<double>& x, double negative_slope,
                                       double lo = -HUGE_VAL, double hi = HUGE_VAL);

}  // namespace vkcnn::reference
