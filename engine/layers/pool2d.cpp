#include "layers/pool2d.h"

namespace vkcnn {

PoolGeometry PoolGeometry::parse(const Attributes& a, bool with_dilation) {
  PoolGeometry g;
  g.kernel = a.pair("kernel");
  g.stride = a.has("stride") ? a.pair("stride") : g.kernel;
  g.padding = a.pair("padding", 0);
  if (with_dilation) g.dilation = a.pair("dilation", 1);
  g.ceil_mode = a.flag("ceil_mode", false);
  for (int i = 0; i < 2; ++i) {
    if (g.kernel[i] == 0) throw a.error("attribute \"kernel\" must be positive");
    if (g.stride[i] == 0) throw a.error("attribute \"stride\" must be positive");
    if (g.dilation[i] == 0) throw a.error("attribute \"dilation\" must be positive");
    if (g.padding[i] > g.kernel[i] / 2)
      throw a.error("padding " + std::to_string(g.padding[i]) + " is more than half the kernel " +
                    std::to_string(g.kernel[i]) + " (PyTorch's limit: a window must not hold only padding)");
  }
  return g;
}

uint32_t PoolGeometry::output_extent(uint32_t in, int axis) const {
  // PyTorch's pooling_output_shape, in signed arithmetic: floor (or ceil) of the positions a
  // window of extent d*(k-1)+1 can start at, and with ceil_mode the last window must still
  // start inside the input or its left padding.
  const int64_t k = kernel[axis], s = stride[axis], p = padding[axis], d = dilation[axis];
  const int64_t span = int64_t(in) + 2 * p - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0);
  int64_t out = (span >= 0 ? span / s : -((-span + s - 1) / s)) + 1;  // floor division, as PyTorch's div_rtn
  if (ceil_mode && (out - 1) * s >= int64_t(in) + p) --out;
  return out > 0 ? static_cast<uint32_t>(out) : 0;
}

Shape PoolGeometry::output_shape(const Shape& x) const {
  return {x.n, x.c, output_extent(x.h, 0), output_extent(x.w, 1)};
}

std::string PoolGeometry::check(const Shape& x) const {
  const Shape y = output_shape(x);
  if (y.h == 0 || y.w == 0) return "input " + x.str() + " is smaller than the window (" + str() + ")";
  if (x.count() >= kMaxPoolElements || y.count() >= kMaxPoolElements)
    return "input " + x.str() + " or output " + y.str() +
           " has 2^31 elements or more (the shaders split indices with fast_div, exact below that)";
  return "";
}

std::string PoolGeometry::str() const {
  auto p = [](const std::array<uint32_t, 2>& v) {
    std::string s = "[";  // not "[" + std::to_string(...): GCC 12 warns falsely (-Wrestrict)
    return s + std::to_string(v[0]) + ", " + std::to_string(v[1]) + "]";
  };
  return "kernel " + p(kernel) + ", stride " + p(stride) + ", padding " + p(padding) + ", dilation " + p(dilation) +
         (ceil_mode ? ", ceil_mode" : "");
}

std::vector<uint32_t> PoolGeometry::spec_constants() const {
  return {kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1]};
}

PoolPush pool_push(const Shape& x, const Shape& y) {
  return {static_cast<uint32_t>(x.count()),
          static_cast<uint32_t>(y.count()),
          x.h,
          x.w,
          y.h,
          y.w,
          FastDiv(x.w),
          FastDiv(x.h),
          FastDiv(y.w),
          FastDiv(y.h)};
}

}  // namespace vkcnn
