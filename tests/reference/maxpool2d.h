// Double-precision reference for maxpool2d (PyTorch's MaxPool2d), the plain loops of the definition.
#pragma once
#include <cstdint>
#include <vector>

#include "reference/pool2d.h"

namespace vkcnn::reference {

// x (N, C, H, W) -> y (N, C, OH, OW); argmax: the flat index into x of each window's first
// maximum in window order (NaN wins), -1 for a window of padding only.
struct MaxPool2dResult {
  std::vector<double> y;
  std::vector<int64_t> argmax;
};
MaxPool2dResult maxpool2d_forward(const Pool2dConfig& c, Shape in, const std::vector<double>& x);
// dL/dx for L = sum(dy * y): dy routed to each window's argmax.
std::vector<double> maxpool2d_backward(const Pool2dConfig& c, Shape in, const std::vector<double>& x,
                                       const std::vector<double>& dy);

}  // namespace vkcnn::reference
