// Double-precision reference for flatten (PyTorch's nn.Flatten()): (N, C, H, W) -> (N, C*H*W)
// with feature index (c*H + h)*W + w.
#pragma once
#include <vector>

#include <vkcnn/tensor.h>

namespace vkcnn::reference {

std::vector<double> flatten_forward(Shape in, const std::vector<double>& x);
// dL/dx for L = sum(dy * y), dy (N, C*H*W).
std::vector<double> flatten_backward(Shape in, const std::vector<double>& dy);

}  // namespace vkcnn::reference
