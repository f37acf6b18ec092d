#include "reference/pool2d.h"

#include <algorithm>

namespace vkcnn::reference {

int pool_output_extent(int in, int k, int s, int p, int d, bool ceil_mode) {
  const int extent = d * (k - 1) + 1;  // cells a window spans
  int count = 0;
  for (;; ++count) {
    const int start = count * s - p;
    bool fits;
    if (!ceil_mode) {
      fits = start + extent <= in + p;  // the whole window inside the padded input
    } else {
      // A window may hang over the end as long as the previous one did not reach it, and it
      // must start inside the input or its left padding.
      fits = start - s + extent < in + p && start < in;
    }
    if (!fits) return count;
  }
}

Shape pool_output_shape(const Pool2dConfig& c, Shape in) {
  int oh = pool_output_extent(int(in.h), c.kh, c.sh, c.ph, c.dh, c.ceil_mode);
  int ow = pool_output_extent(int(in.w), c.kw, c.sw, c.pw, c.dw, c.ceil_mode);
  return {in.n, in.c, uint32_t(std::max(oh, 0)), uint32_t(std::max(ow, 0))};
}

}  // namespace vkcnn::reference
