// Double-precision reference for avgpool2d (PyTorch's AvgPool2d), the plain loops of the definition.
#pragma once
#include <vector>

#include "reference/pool2d.h"

namespace vkcnn::reference {

std::vector<double> avgpool2d_forward(const Pool2dConfig& c, Shape in, const std::vector<double>& x);
std::vector<double> avgpool2d_backward(const Pool2dConfig& c, Shape in, const std::vector<double>& dy);

}  // namespace vkcnn::reference
