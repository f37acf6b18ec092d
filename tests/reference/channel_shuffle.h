// Double-precision reference for channel_shuffle, written as ONNX computes it: reshape to
// (N, g, C/g, H, W), swap axes 1 and 2, reshape back.
#pragma once
#include <vector>

#include <vkcnn/tensor.h>

namespace vkcnn::reference {

std::vector<double> channel_shuffle_forward(const Shape& x, const std::vector<double>& values, uint32_t groups);
// dL/dx for L = sum(dy * y): dy through the inverse permutation.
std::vector<double> channel_shuffle_backward(const Shape& x, const std::vector<double>& dy, uint32_t groups);

}  // namespace vkcnn::reference
