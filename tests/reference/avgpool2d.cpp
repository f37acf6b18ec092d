#include "reference/avgpool2d.h"

#include <algorithm>

namespace vkcnn::reference {

namespace {
// PyTorch's average window: the divisor counts padding (count_include_pad) up to the padded
// edge, never the cells past it that ceil_mode may add.
struct Window {
  int h0, h1, w0, w1;  // clipped to the input, [h0, h1) x [w0, w1)
  double divisor;
};
Window avg_window(const Pool2dConfig& c, Shape in, int oh, int ow) {
  int h0 = oh * c.sh - c.ph, w0 = ow * c.sw - c.pw;
  int h1 = std::min(h0 + c.kh, int(in.h) + c.ph), w1 = std::min(w0 + c.kw, int(in.w) + c.pw);
  int padded = (h1 - h0) * (w1 - w0);
  Window win{std::max(h0, 0), std::min(h1, int(in.h)), std::max(w0, 0), std::min(w1, int(in.w)), 0};
  win.divisor = c.count_include_pad ? padded : (win.h1 - win.h0) * (win.w1 - win.w0);
  return win;
}
}  // namespace

std::vector<double> avgpool2d_forward(const Pool2dConfig& c, Shape in, const std::vector<double>& x) {
  Shape out = pool_output_shape(c, in);
  std::vector<double> y(out.count(), 0.0);
  for (std::size_t plane = 0; plane < std::size_t(in.n) * in.c; ++plane)
    for (int oh = 0; oh < int(out.h); ++oh)
      for (int ow = 0; ow < int(out.w); ++ow) {
        Window win = avg_window(c, in, oh, ow);
        if (win.h0 >= win.h1 || win.w0 >= win.w1) continue;  // padding only: 0
        double sum = 0;
        for (int ih = win.h0; ih < win.h1; ++ih)
          for (int iw = win.w0; iw < win.w1; ++iw) sum += x[(plane * in.h + ih) * in.w + iw];
        y[(plane * out.h + oh) * out.w + ow] = sum / win.divisor;
      }
  return y;
}

std::vector<double> avgpool2d_backward(const Pool2dConfig& c, Shape in, const std::vector<double>& dy) {
  Shape out = pool_output_shape(c, in);
  std::vector<double> dx(in.count(), 0.0);
  for (std::size_t plane = 0; plane < std::size_t(in.n) * in.c; ++plane)
    for (int oh = 0; oh < int(out.h); ++oh)
      for (int ow = 0; ow < int(out.w); ++ow) {
        Window win = avg_window(c, in, oh, ow);
        double g = dy[(plane * out.h + oh) * out.w + ow] / win.divisor;
        for (int ih = win.h0; ih < win.h1; ++ih)
          for (int iw = win.w0; iw < win.w1; ++iw) dx[(plane * in.h + ih) * in.w + iw] += g;
      }
  return dx;
}

}  // namespace vkcnn::reference
