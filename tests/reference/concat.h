// Double-precision reference for concat on channels: y = (x_0, x_1, ...) along C.
#pragma once
#include <vector>

#include <vkcnn/tensor.h>

namespace vkcnn::reference {

struct ShapedValues {
  Shape shape;
  std::vector<double> values;
};

std::vector<double> concat_forward(const std::vector<ShapedValues>& inputs);
// dL/dx_i for L = sum(dy * y): the slice of dy that each input became.
std::vector<std::vector<double>> concat_backward(const std::vector<Shape>& shapes, const std::vector<double>& dy);

}  // namespace vkcnn::reference
