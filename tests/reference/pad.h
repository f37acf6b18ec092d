// Double-precision reference for pad: a constant border, [left, right, top, bottom].
#pragma once
#include <array>
#include <vector>

#include <vkcnn/tensor.h>

namespace vkcnn::reference {

Shape pad_output_shape(const Shape& x, const std::array<uint32_t, 4>& padding);
std::vector<double> pad_forward(const Shape& x, const std::vector<double>& values,
                                const std::array<uint32_t, 4>& padding, double value);
// dL/dx for L = sum(dy * y): dy without its border.
std::vector<double> pad_backward(const Shape& x, const std::array<uint32_t, 4>& padding, const std::vector<double>& dy);

}  // namespace vkcnn::reference
