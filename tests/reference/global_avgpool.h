// Double-precision reference for global_avgpool (PyTorch's AdaptiveAvgPool2d(1)).
#pragma once
#include <vector>

#include <vkcnn/tensor.h>

namespace vkcnn::reference {

// x (N, C, H, W) -> y (N, C): the mean of each plane.
std::vector<double> global_avgpool_forward(Shape in, const std::vector<double>& x);
// dL/dx for L = sum(dy * y), dy (N, C).
std::vector<double> global_avgpool_backward(Shape in, const std::vector<double>& dy);

}  // namespace vkcnn::reference
