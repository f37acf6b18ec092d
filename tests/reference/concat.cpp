#include "reference/concat.h"

namespace vkcnn::reference {

std::vector<double> concat_forward(const std::vector<ShapedValues>& inputs) {
  uint32_t channels = 0;
  for (const auto& in : inputs) channels += in.shape.c;
  const Shape& s = inputs.at(0).shape;
  const std::size_t plane = std::size_t(s.h) * s.w;
  std::vector<double> y(std::size_t(s.n) * channels * plane);
  for (uint32_t n = 0; n < s.n; ++n) {
    std::size_t c0 = 0;
    for (const auto& in : inputs) {
      for (uint32_t c = 0; c < in.shape.c; ++c)
        for (std::size_t p = 0; p < plane; ++p)
          y[(n * channels + c0 + c) * plane + p] = in.values[(n * in.shape.c + c) * plane + p];
      c0 += in.shape.c;
    }
  }
  return y;
}

std::vector<std::vector<double>> concat_backward(const std::vector<Shape>& shapes, const std::vector<double>& dy) {
  uint32_t channels = 0;
  for (const Shape& s : shapes) channels += s.c;
  std::vector<std::vector<double>> dx;
  std::size_t c0 = 0;
  for (const Shape& s : shapes) {
    const std::size_t plane = std::size_t(s.h) * s.w;
    std::vector<double> g(s.count());
    for (uint32_t n = 0; n < s.n; ++n)
      for (uint32_t c = 0; c < s.c; ++c)
        for (std::size_t p = 0; p < plane; ++p) g[(n * s.c + c) * plane + p] = dy[(n * channels + c0 + c) * plane + p];
    dx.push_back(std::move(g));
    c0 += s.c;
  }
  return dx;
}

}  // namespace vkcnn::reference
