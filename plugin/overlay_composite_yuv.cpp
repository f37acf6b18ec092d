// Compositing onto planar YUV frames (NV12, I420) in place, without converting the frame: the
// luma plane is blended pixel by pixel through the mask, so text keeps its full resolution; each
// chroma sample is blended with the mean coverage of the luma pixels it covers (those inside the
// frame: the last column/row of an odd-sized frame covers one), as if the picture had been drawn
// at full resolution and then subsampled.
#include <algorithm>
#include <cmath>

#include "overlay_composite.h"

namespace vkcnn_overlay {
namespace {

struct Yuv {
  int y, u, v;
};

// R'G'B' (0..255) to Y'CbCr with the canvas's matrix and range (ITU-R BT.601 / BT.709 form).
Yuv to_yuv(const VkcnnOverlayCanvas& canvas, guint32 argb) {
  const double r = (argb >> 16) & 0xff, g = (argb >> 8) & 0xff, b = argb & 0xff;
  const double kr = canvas.kr, kb = canvas.kb;
  const double y = kr * r + (1 - kr - kb) * g + kb * b;                       // 0..255
  const double cb = (b - y) / (2 * (1 - kb)), cr = (r - y) / (2 * (1 - kr));  // -127.5..127.5
  auto byte = [](double v) { return static_cast<int>(std::lround(std::clamp(v, 0.0, 255.0))); };
  if (canvas.full_range) return {byte(y), byte(128 + cb), byte(128 + cr)};
  return {byte(16 + y * 219 / 255), byte(128 + cb * 224 / 255), byte(128 + cr * 224 / 255)};
}

inline void blend(guint8& byte, int value, int a) {
  byte = static_cast<guint8>((byte * (kFull - a) + value * a + kFull / 2) / kFull);
}

}  // namespace

void composite_yuv(const VkcnnOverlayCanvas& canvas, const cv::Rect& visible, cv::Point origin, const cv::Mat& mask,
                   guint32 argb, int opacity) {
  const Yuv paint = to_yuv(canvas, argb);
  auto coverage = [&](int x, int y) {  // 0..kFull; x, y inside `visible`
    return (mask.empty() ? 255 : mask.ptr<guint8>(y - origin.y)[x - origin.x]) * opacity;
  };
  for (int y = visible.y; y < visible.y + visible.height; ++y) {
    guint8* row = canvas.luma + static_cast<std::ptrdiff_t>(y) * canvas.luma_stride;
    for (int x = visible.x; x < visible.x + visible.width; ++x) {
      const int a = coverage(x, y);
      if (a != 0) blend(row[x], paint.y, a);
    }
  }
  const int sx = canvas.chroma_shift_x, sy = canvas.chroma_shift_y;
  const int cx0 = visible.x >> sx, cx1 = (visible.x + visible.width - 1) >> sx;
  const int cy0 = visible.y >> sy, cy1 = (visible.y + visible.height - 1) >> sy;
  const int vx1 = visible.x + visible.width, vy1 = visible.y + visible.height;
  for (int cy = cy0; cy <= cy1; ++cy) {
    // The luma rows this sample covers, inside the frame / inside what is drawn.
    const int ly0 = cy << sy, ly1 = std::min((cy + 1) << sy, canvas.height);
    const std::ptrdiff_t row = static_cast<std::ptrdiff_t>(cy) * canvas.chroma_stride;
    for (int cx = cx0; cx <= cx1; ++cx) {
      const int lx0 = cx << sx, lx1 = std::min((cx + 1) << sx, canvas.width);
      long sum = 0;
      for (int y = std::max(ly0, visible.y); y < std::min(ly1, vy1); ++y)
        for (int x = std::max(lx0, visible.x); x < std::min(lx1, vx1); ++x) sum += coverage(x, y);
      const long n = static_cast<long>(ly1 - ly0) * (lx1 - lx0);
      const int a = static_cast<int>((sum + n / 2) / n);
      if (a == 0) continue;
      const std::ptrdiff_t at = row + static_cast<std::ptrdiff_t>(cx) * canvas.chroma_pstride;
      blend(canvas.u[at], paint.u, a);
      blend(canvas.v[at], paint.v, a);
    }
  }
}

}  // namespace vkcnn_overlay
