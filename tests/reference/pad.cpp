#include "reference/pad.h"

namespace vkcnn::reference {

Shape pad_output_shape(const Shape& x, const std::array<uint32_t, 4>& padding) {
  return {x.n, x.c, x.h + padding[2] + padding[3], x.w + padding[0] + padding[1]};
}

std::vector<double> pad_forward(const Shape& x, const std::vector<double>& values,
                                const std::array<uint32_t, 4>& padding, double value) {
  const Shape y = pad_output_shape(x, padding);
  std::vector<double> out(y.count(), value);
  for (std::size_t nc = 0; nc < std::size_t(x.n) * x.c; ++nc)
    for (uint32_t h = 0; h < x.h; ++h)
      for (uint32_t w = 0; w < x.w; ++w)
        out[(nc * y.h + h + padding[2]) * y.w + w + padding[0]] = values[(nc * x.h + h) * x.w + w];
  return out;
}

std::vector<double> pad_backward(const Shape& x, const std::array<uint32_t, 4>& padding,
                                 const std::vector<double>& dy) {
  const Shape y = pad_output_shape(x, padding);
  std::vector<double> dx(x.count());
  for (std::size_t nc = 0; nc < std::size_t(x.n) * x.c; ++nc)
    for (uint32_t h = 0; h < x.h; ++h)
      for (uint32_t w = 0; w < x.w; ++w)
        dx[(nc * x.h + h) * x.w + w] = dy[(nc * y.h + h + padding[2]) * y.w + w + padding[0]];
  return dx;
}

}  // namespace vkcnn::reference
