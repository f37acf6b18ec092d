// Double-precision reference for add: y = act(a + b), elementwise.
#pragma once
#include <string_view>
#include <vector>

namespace vkcnn::reference {

// activation: "identity" or one of reference/activation.h's types.
std::vector<double> add_forward(const std::vector<double>& a, const std::vector<double>& b,
                                std::string_view activation = "identity", double negative_slope = 0.01);
// dL/da = dL/db for L = sum(dy * y).
std::vector<double> add_backward(const std::vector<double>& a, const std::vector<double>& b,
                                 const std::vector<double>& dy, std::string_view activation = "identity",
                                 double negative_slope = 0.01);

}  // namespace vkcnn::reference
