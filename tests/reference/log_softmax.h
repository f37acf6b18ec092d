// Double-precision reference for log_softmax over the channels (dim=1) of (N, C, H, W).
#pragma once
#include <vector>

#include <vkcnn/tensor.h>

namespace vkcnn::reference {

// x - max - log(sum exp(x - max)) per (n, h, w): PyTorch's log_softmax(dim=1).
std::vector<double> log_softmax_forward(Shape s, const std::vector<double>& x);
// dL/dx of L = sum(dy * y), from y = log_softmax(x), starting from zero.
std::vector<double> log_softmax_backward(Shape s, const std::vector<double>& y, const std::vector<double>& dy);

}  // namespace vkcnn::reference
