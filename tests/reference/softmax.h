// Double-precision reference for softmax over the channels (dim=1) of (N, C, H, W).
#pragma once
#include <vector>

#include <vkcnn/tensor.h>

namespace vkcnn::reference {

std::vector<double> softmax_forward(Shape s, const std::vector<double>& x);
// dL/dx of L = sum(dy * y), from y = softmax(x), starting from zero.
std::vector<double> softmax_backward(Shape s, const std::vector<double>& y, const std::vector<double>& dy);

}  // namespace vkcnn::reference
