#include "reference/preprocess.h"

#include <algorithm>
#include <cmath>

namespace vkcnn::reference {
namespace {

double yuv_channel(double value) { return std::clamp(value, 0.0, 255.0); }

// The model's channels of source pixel (x, y): gray, RGB or BGR, in [0, 255].
std::array<double, 3> model_pixel(std::span<const uint8_t> frame, const FrameLayout& l, ColorOrder color, uint32_t x,
                                  uint32_t y) {
  auto [r, g, b] = frame_rgb(frame, l, x, y);
  if (color == ColorOrder::Gray) {
    double luma = l.format == PixelFormat::GRAY8 ? r : 0.299 * r + 0.587 * g + 0.114 * b;
    return {luma, 0, 0};
  }
  if (color == ColorOrder::BGR) return {b, g, r};
  return {r, g, b};
}

// Source-pixel scale of one destination pixel, per axis, for the resize mode.
std::array<double, 2> source_per_destination(uint32_t src_w, uint32_t src_h, const InputSpec& in) {
  double sx = double(src_w) / in.width, sy = double(src_h) / in.height;
  switch (in.resize) {
    case ResizeMode::Stretch:
      return {sx, sy};
    case ResizeMode::CenterCrop:
      return {std::min(sx, sy) * in.crop, std::min(sx, sy) * in.crop};
    case ResizeMode::Letterbox:
      return {std::max(sx, sy), std::max(sx, sy)};
  }
  return {sx, sy};
}

}  // namespace

std::array<double, 3> frame_rgb(std::span<const uint8_t> frame, const FrameLayout& l, uint32_t x, uint32_t y) {
  auto byte = [&](int plane, std::size_t row, std::size_t col) -> double {
    return frame[l.offset[plane] + row * l.stride[plane] + col];
  };
  switch (l.format) {
    case PixelFormat::RGB:
      return {byte(0, y, 3 * x), byte(0, y, 3 * x + 1), byte(0, y, 3 * x + 2)};
    case PixelFormat::BGR:
      return {byte(0, y, 3 * x + 2), byte(0, y, 3 * x + 1), byte(0, y, 3 * x)};
    case PixelFormat::RGBA:
    case PixelFormat::RGBx:
      return {byte(0, y, 4 * x), byte(0, y, 4 * x + 1), byte(0, y, 4 * x + 2)};
    case PixelFormat::BGRA:
    case PixelFormat::BGRx:
      return {byte(0, y, 4 * x + 2), byte(0, y, 4 * x + 1), byte(0, y, 4 * x)};
    case PixelFormat::GRAY8:
      return {byte(0, y, x), byte(0, y, x), byte(0, y, x)};
    case PixelFormat::NV12:
    case PixelFormat::I420: {
      double Y = byte(0, y, x), U, V;
      if (l.format == PixelFormat::NV12) {
        U = byte(1, y / 2, 2 * (x / 2));
        V = byte(1, y / 2, 2 * (x / 2) + 1);
      } else {
        U = byte(1, y / 2, x / 2);
        V = byte(2, y / 2, x / 2);
      }
      // ITU-R BT.601, limited range: Y' in [16, 235], Cb/Cr in [16, 240].
      double c = 255.0 / 219.0 * (Y - 16), u = U - 128, v = V - 128;
      return {
          yuv_channel(c + 255.0 / 112.0 * 0.701 * v),
          yuv_channel(c - 255.0 / 112.0 * (0.886 * 0.114 / 0.587) * u - 255.0 / 112.0 * (0.701 * 0.299 / 0.587) * v),
          yuv_channel(c + 255.0 / 112.0 * 0.886 * u)};
    }
  }
  return {0, 0, 0};
}

std::vector<double> preprocess(std::span<const uint8_t> frame, const FrameLayout& l, const InputSpec& in) {
  return preprocess_region(frame, l, in, FrameRegion{0, 0, l.width, l.height});
}

std::vector<double> preprocess_region(std::span<const uint8_t> frame, const FrameLayout& l, const InputSpec& in,
                                      const FrameRegion& r) {
  const uint32_t C = in.channels, H = in.height, W = in.width;
  const auto [inv_x, inv_y] = source_per_destination(r.width, r.height, in);
  const double shift_x = (r.width - W * inv_x) / 2, shift_y = (r.height - H * inv_y) / 2;
  std::vector<double> out(std::size_t(C) * H * W);
  for (uint32_t y = 0; y < H; ++y) {
    for (uint32_t x = 0; x < W; ++x) {
      // Where this pixel's center lands in the region.
      const double cx = (x + 0.5) * inv_x + shift_x, cy = (y + 0.5) * inv_y + shift_y;
      std::array<double, 3> pixel{0, 0, 0};  // black outside the frame (letterbox borders)
      if (cx >= 0 && cx < r.width && cy >= 0 && cy < r.height) {
        const double fx = cx - 0.5, fy = cy - 0.5;  // in pixel-index coordinates
        const double x0 = std::floor(fx), y0 = std::floor(fy), wx = fx - x0, wy = fy - y0;
        // Neighbours clamped to the region's edge, then placed in the frame.
        auto clamp_x = [&](double v) { return r.x + uint32_t(std::clamp(v, 0.0, double(r.width - 1))); };
        auto clamp_y = [&](double v) { return r.y + uint32_t(std::clamp(v, 0.0, double(r.height - 1))); };
        auto p00 = model_pixel(frame, l, in.color, clamp_x(x0), clamp_y(y0));
        auto p10 = model_pixel(frame, l, in.color, clamp_x(x0 + 1), clamp_y(y0));
        auto p01 = model_pixel(frame, l, in.color, clamp_x(x0), clamp_y(y0 + 1));
        auto p11 = model_pixel(frame, l, in.color, clamp_x(x0 + 1), clamp_y(y0 + 1));
        for (int c = 0; c < 3; ++c)
          pixel[c] = (1 - wy) * ((1 - wx) * p00[c] + wx * p10[c]) + wy * ((1 - wx) * p01[c] + wx * p11[c]);
      }
      for (uint32_t c = 0; c < C; ++c)
        out[(std::size_t(c) * H + y) * W + x] = (pixel[c] / 255.0 - in.mean[c]) / in.std[c];
    }
  }
  return out;
}

}  // namespace vkcnn::reference
