// Double-precision reference for the elementwise activations.
#pragma once
#include <string_view>
#include <vector>

namespace vkcnn::reference {

double activate(std::string_view type, double x, double negative_slope = 0.01);
double activation_derivative(std::string_view type, double x, double negative_slope = 0.01);

std::vector<double> activation_forward(std::string_view type, const std::vector<double>& x, double negative_slope);

}  // namespace vkcnn::reference
