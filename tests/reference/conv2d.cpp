#include "reference/conv2d.h"

#include <stdexcept>

namespace vkcnn::reference {
namespace {

// Calls f(n, co, oh, ow, ci, kh, kw, x_index, w_index) for every tap that lands inside the
// input: forward and backward are then the same loop nest with a different body.
template <class F>
void for_each_tap(const Conv2dConfig& c, Shape in, F&& f) {
  Shape out = conv2d_output_shape(c, in);
  const uint32_t cin_g = in.c / c.groups, cout_g = c.out_channels / c.groups;
  for (uint32_t n = 0; n < in.n; ++n)
    for (uint32_t co = 0; co < out.c; ++co)
      for (uint32_t oh = 0; oh < out.h; ++oh)
        for (uint32_t ow = 0; ow < out.w; ++ow) {
          std::size_t y_index = ((std::size_t(n) * out.c + co) * out.h + oh) * out.w + ow;
          uint32_t g = co / cout_g;
          for (uint32_t cg = 0; cg < cin_g; ++cg)
            for (uint32_t kh = 0; kh < c.kh; ++kh)
              for (uint32_t kw = 0; kw < c.kw; ++kw) {
                int64_t ih = int64_t(oh) * c.sh - c.ph + int64_t(kh) * c.dh;
                int64_t iw = int64_t(ow) * c.sw - c.pw + int64_t(kw) * c.dw;
                if (ih < 0 || iw < 0 || ih >= in.h || iw >= in.w) continue;
                uint32_t ci = g * cin_g + cg;
                std::size_t x_index = ((std::size_t(n) * in.c + ci) * in.h + ih) * in.w + iw;
                std::size_t w_index = ((std::size_t(co) * cin_g + cg) * c.kh + kh) * c.kw + kw;
                f(y_index, x_index, w_index);
              }
        }
}

}  // namespace

Shape conv2d_output_shape(const Conv2dConfig& c, Shape in) {
  if (c.groups == 0 || in.c % c.groups || c.out_channels % c.groups)
    throw std::invalid_argument("reference conv2d: channels not divisible by groups");
  int64_t oh = (int64_t(in.h) + 2 * c.ph - int64_t(c.dh) * (c.kh - 1) - 1) / c.sh + 1;
  int64_t ow = (int64_t(in.w) + 2 * c.pw - int64_t(c.dw) * (c.kw - 1) - 1) / c.sw + 1;
  if (oh < 1 || ow < 1) throw std::invalid_argument("reference conv2d: input too small");
  return {in.n, c.out_channels, uint32_t(oh), uint32_t(ow)};
}

std::vector<double> conv2d_forward(const Conv2dConfig& c, Shape in, const std::vector<double>& x,
                                   const std::vector<double>& w, const std::vector<double>& b) {
  Shape out = conv2d_output_shape(c, in);
  std::vector<double> y(out.count(), 0.0);
  if (!b.empty())
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = b[(i / (std::size_t(out.h) * out.w)) % out.c];
  for_each_tap(c, in, [&](std::size_t yi, std::size_t xi, std::size_t wi) { y[yi] += x[xi] * w[wi]; });
  return y;
}

Conv2dGrads conv2d_backward(const Conv2dConfig& c, Shape in, const std::vector<double>& x, const std::vector<double>& w,
                            const std::vector<double>& dy) {
  Shape out = conv2d_output_shape(c, in);
  Conv2dGrads g{std::vector<double>(x.size(), 0.0), std::vector<double>(w.size(), 0.0),
                std::vector<double>(out.c, 0.0)};
  for (std::size_t i = 0; i < dy.size(); ++i) g.db[(i / (std::size_t(out.h) * out.w)) % out.c] += dy[i];
  for_each_tap(c, in, [&](std::size_t yi, std::size_t xi, std::size_t wi) {
    g.dx[xi] += dy[yi] * w[wi];
    g.dw[wi] += dy[yi] * x[xi];
  });
  return g;
}

}  // namespace vkcnn::reference
