// Compositing onto packed frames (RGB, BGR, RGBA, ..., GRAY8): every component of a pixel at
// once, alpha made opaque where drawn, padding bytes left alone; gray frames get the luma.
#include <algorithm>
#include <array>
#include <cmath>

#include "overlay_composite.h"

namespace vkcnn_overlay {
namespace {

// A color as the bytes to write into one pixel of the canvas.
struct Paint {
  int n = 0;                    // components written
  std::array<int, 4> offset{};  // byte offsets in the pixel
  std::array<int, 4> value{};
};

Paint paint_for(const VkcnnOverlayCanvas& canvas, guint32 argb) {
  const int r = (argb >> 16) & 0xff, g = (argb >> 8) & 0xff, b = argb & 0xff;
  Paint p;
  if (canvas.channels == 1) {
    p.n = 1;
    p.offset[0] = 0;
    p.value[0] = static_cast<int>(std::lround(0.299 * r + 0.587 * g + 0.114 * b));
    return p;
  }
  p.n = 3;
  p.offset = {canvas.red, canvas.green, canvas.blue, 0};
  p.value = {r, g, b, 0};
  if (canvas.alpha >= 0) {  // what is drawn becomes opaque where it is opaque
    p.offset[3] = canvas.alpha;
    p.value[3] = 255;
    p.n = 4;
  }
  return p;
}

}  // namespace

int opacity_of(guint32 argb, double opacity_scale) {
  return static_cast<int>(std::lround(((argb >> 24) & 0xff) * std::clamp(opacity_scale, 0.0, 1.0)));
}

void composite(const VkcnnOverlayCanvas& canvas, const cv::Rect& visible, cv::Point origin, const cv::Mat& mask,
               guint32 argb, double opacity_scale) {
  const int opacity = opacity_of(argb, opacity_scale);
  if (opacity == 0 || visible.empty()) return;
  if (canvas.yuv)
    composite_yuv(canvas, visible, origin, mask, argb, opacity);
  else
    composite_packed(canvas, visible, origin, mask, argb, opacity);
}

void composite_packed(const VkcnnOverlayCanvas& canvas, const cv::Rect& visible, cv::Point origin, const cv::Mat& mask,
                      guint32 argb, int opacity) {
  const Paint paint = paint_for(canvas, argb);
  for (int y = visible.y; y < visible.y + visible.height; ++y) {
    guint8* row = canvas.data + static_cast<std::ptrdiff_t>(y) * canvas.stride;
    const guint8* m = mask.empty() ? nullptr : mask.ptr<guint8>(y - origin.y) - origin.x;
    for (int x = visible.x; x < visible.x + visible.width; ++x) {
      const int a = (m ? m[x] : 255) * opacity;
      if (a == 0) continue;
      guint8* px = row + static_cast<std::ptrdiff_t>(x) * canvas.channels;
      for (int k = 0; k < paint.n; ++k) {
        guint8& byte = px[paint.offset[k]];
        byte = static_cast<guint8>((byte * (kFull - a) + paint.value[k] * a + kFull / 2) / kFull);
      }
    }
  }
}

}  // namespace vkcnn_overlay
