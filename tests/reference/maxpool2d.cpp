#include "reference/maxpool2d.h"

#include <cmath>
#include <limits>

namespace vkcnn::reference {

MaxPool2dResult maxpool2d_forward(const Pool2dConfig& c, Shape in, const std::vector<double>& x) {
  Shape out = pool_output_shape(c, in);
  MaxPool2dResult r{std::vector<double>(out.count()), std::vector<int64_t>(out.count(), -1)};
  for (std::size_t plane = 0; plane < std::size_t(in.n) * in.c; ++plane)
    for (int oh = 0; oh < int(out.h); ++oh)
      for (int ow = 0; ow < int(out.w); ++ow) {
        double best = -std::numeric_limits<double>::infinity();
        int64_t best_at = -1;
        for (int kh = 0; kh < c.kh; ++kh)
          for (int kw = 0; kw < c.kw; ++kw) {
            int ih = oh * c.sh - c.ph + kh * c.dh, iw = ow * c.sw - c.pw + kw * c.dw;
            if (ih < 0 || ih >= int(in.h) || iw < 0 || iw >= int(in.w)) continue;  // -inf padding
            int64_t at = int64_t(plane * in.h + ih) * in.w + iw;
            if (x[at] > best || std::isnan(x[at])) best = x[at], best_at = at;
          }
        std::size_t o = (plane * out.h + oh) * out.w + ow;
        r.y[o] = best;
        r.argmax[o] = best_at;
      }
  return r;
}

std::vector<double> maxpool2d_backward(const Pool2dConfig& c, Shape in, const std::vector<double>& x,
                                       const std::vector<double>& dy) {
  auto fwd = maxpool2d_forward(c, in, x);
  std::vector<double> dx(in.count(), 0.0);
  for (std::size_t o = 0; o < dy.size(); ++o)
    if (fwd.argmax[o] >= 0) dx[fwd.argmax[o]] += dy[o];
  return dx;
}

}  // namespace vkcnn::reference
