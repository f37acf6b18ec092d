// Double-precision reference for mul: y = a * b, where b has a's shape or is one value per
// (image, channel) plane of a (b.size() == a's planes), broadcast over the plane.
#pragma once
#include <vector>

#include <vkcnn/tensor.h>

namespace vkcnn::reference {

std::vector<double> mul_forward(const Shape& a_shape, const std::vector<double>& a, const std::vector<double>& b);

struct MulGrads {
  std::vector<double> da, db;  // db has b's size (summed over each plane when b is per plane)
};
// dL/da and dL/db for L = sum(dy * y).
MulGrads mul_backward(const Shape& a_shape, const std::vector<double>& a, const std::vector<double>& b,
                      const std::vector<double>& dy);

}  // namespace vkcnn::reference
