// Double-precision reference for channel_slice: channels [start, end) of x.
#pragma once
#include <vector>

#include <vkcnn/tensor.h>

namespace vkcnn::reference {

std::vector<double> channel_slice_forward(const Shape& x, const std::vector<double>& values, uint32_t start,
                                          uint32_t end);
// dL/dx for L = sum(dy * y): dy in channels [start, end), zero elsewhere.
std::vector<double> channel_slice_backward(const Shape& x, const std::vector<double>& dy, uint32_t start, uint32_t end);

}  // namespace vkcnn::reference
