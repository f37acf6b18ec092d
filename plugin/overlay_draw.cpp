// vkcnnoverlay's panel. Every element of it (background, bar tracks, bar fills, text) is
// rasterised by OpenCV into an 8-bit coverage mask of the panel's size, then composited onto the
// frame by overlay_composite*.cpp, which know the pixel layouts: so one piece of code serves every
// format, colors keep their alpha, and antialiased text edges blend instead of being cut.
#include "overlay_draw.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "overlay_composite.h"

namespace {

using vkcnn_overlay::composite;

constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;
// Sizes in pixels, all derived from the font scale so the panel scales as one piece.
struct Layout {
  double scale;
  int thickness, text_h, row_h, spacing, pad, gap, margin;
  int label_w = 0, bar_w = 0, score_w = 0, status_w = 0;
  int width = 0, height = 0;
};

cv::Size text_size(const std::string& text, const Layout& l) {
  int baseline = 0;
  return cv::getTextSize(text, kFont, l.scale, l.thickness, &baseline);
}

std::string score_text(float score) {
  char s[16];
  std::snprintf(s, sizeof s, "%.2f", std::clamp(static_cast<double>(score), 0.0, 1.0));
  return s;
}

Layout layout(const VkcnnOverlayCanvas& canvas, const VkcnnOverlayStyle& style, const VkcnnOverlayLine* lines,
              guint n_lines, const char* status) {
  Layout l;
  l.scale = style.font_scale > 0 ? style.font_scale : vkcnn_overlay_auto_scale(canvas.height);
  l.thickness = style.thickness > 0 ? static_cast<int>(style.thickness)
                                    : std::max(1, static_cast<int>(std::lround(l.scale * 1.4)));
  int baseline = 0;
  l.text_h = cv::getTextSize("Ag", kFont, l.scale, l.thickness, &baseline).height;
  l.row_h = l.text_h + baseline;  // room for descenders
  l.spacing = std::max(1, static_cast<int>(std::lround(l.text_h * 0.35)));
  l.pad = std::max(2, static_cast<int>(std::lround(l.text_h * 0.5)));
  l.gap = std::max(2, static_cast<int>(std::lround(l.text_h * 0.6)));
  l.margin = std::max(2, static_cast<int>(std::lround(l.text_h * 0.6)));
  for (guint i = 0; i < n_lines; ++i)
    l.label_w = std::max(l.label_w, text_size(lines[i].label ? lines[i].label : "", l).width);
  if (style.show_bars) l.bar_w = l.text_h * 5;
  if (style.show_scores) l.score_w = text_size("0.00", l).width;
  if (status) l.status_w = text_size(status, l).width;
  int rows_w = l.label_w + (l.bar_w ? l.gap + l.bar_w : 0) + (l.score_w ? l.gap + l.score_w : 0);
  if (n_lines == 0) rows_w = 0;
  const int rows = static_cast<int>(n_lines) + (status ? 1 : 0);
  l.width = 2 * l.pad + std::max(rows_w, l.status_w);
  l.height = 2 * l.pad + rows * l.row_h + std::max(0, rows - 1) * l.spacing;
  return l;
}

cv::Point panel_origin(const VkcnnOverlayCanvas& canvas, const VkcnnOverlayStyle& style, const Layout& l) {
  const bool right = style.position == VKCNN_OVERLAY_TOP_RIGHT || style.position == VKCNN_OVERLAY_BOTTOM_RIGHT;
  const bool bottom = style.position == VKCNN_OVERLAY_BOTTOM_LEFT || style.position == VKCNN_OVERLAY_BOTTOM_RIGHT;
  return {right ? canvas.width - l.margin - l.width : l.margin,
          bottom ? canvas.height - l.margin - l.height : l.margin};
}

void draw(const VkcnnOverlayCanvas& canvas, const VkcnnOverlayStyle& style, const VkcnnOverlayLine* lines,
          guint n_lines, const gchar* status) {
  if (n_lines == 0 && !status) return;
  const Layout l = layout(canvas, style, lines, n_lines, status);
  const cv::Point origin = panel_origin(canvas, style, l);
  const cv::Rect visible = cv::Rect(origin, cv::Size(l.width, l.height)) & cv::Rect(0, 0, canvas.width, canvas.height);
  if (visible.empty()) return;

  // Coverage masks in panel coordinates.
  cv::Mat text(l.height, l.width, CV_8UC1, cv::Scalar(0));
  cv::Mat track = text.clone(), fill = text.clone();
  int top = l.pad;  // top of the current row
  auto put = [&](const std::string& s, int x) {
    cv::putText(text, s, cv::Point(x, top + l.text_h), kFont, l.scale, cv::Scalar(255), l.thickness, cv::LINE_AA);
  };
  if (status) {
    put(status, l.pad);
    top += l.row_h + l.spacing;
  }
  for (guint i = 0; i < n_lines; ++i, top += l.row_h + l.spacing) {
    int x = l.pad;
    put(lines[i].label ? lines[i].label : "", x);
    x += l.label_w + l.gap;
    if (l.bar_w) {
      // The bar spans the height of capital letters, so it lines up with the text.
      const int filled =
          static_cast<int>(std::lround(std::clamp(static_cast<double>(lines[i].score), 0.0, 1.0) * l.bar_w));
      cv::rectangle(track, cv::Rect(x, top, l.bar_w, l.text_h), cv::Scalar(255), cv::FILLED);
      if (filled > 0) cv::rectangle(fill, cv::Rect(x, top, filled, l.text_h), cv::Scalar(255), cv::FILLED);
      x += l.bar_w + l.gap;
    }
    if (l.score_w) put(score_text(lines[i].score), x);
  }

  composite(canvas, visible, origin, cv::Mat(), 0xff000000u, style.background_alpha);
  composite(canvas, visible, origin, track, style.bar_color, 0.3);
  composite(canvas, visible, origin, fill, style.bar_color);
  composite(canvas, visible, origin, text, style.text_color);
}

}  // namespace

gdouble vkcnn_overlay_auto_scale(gint frame_height) { return std::max(0.4, frame_height / 600.0); }

gboolean vkcnn_overlay_draw(const VkcnnOverlayCanvas* canvas, const VkcnnOverlayStyle* style,
                            const VkcnnOverlayLine* lines, guint n_lines, const gchar* status, gchar** error) {
  // OpenCV reports failures (out of memory, say) as exceptions: they must not reach C code.
  try {
    draw(*canvas, *style, lines, n_lines, status);
    return TRUE;
  } catch (const std::exception& e) {
    if (error) *error = g_strdup(e.what());
  } catch (...) {
    if (error) *error = g_strdup("unknown error while drawing");
  }
  return FALSE;
}
