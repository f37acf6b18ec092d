// vkcnnoverlay's regions of interest: a box outline per region and a tag with its label and
// score, in a color from a fixed palette picked by the region's label, so that one class keeps
// one color from frame to frame and stream to stream. Shapes and text are rasterised into masks
// and composited like the panel (overlay_composite.h), so they look the same in every format.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "overlay_composite.h"
#include "overlay_draw.h"

namespace {

using vkcnn_overlay::composite;

constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;

// Twenty colors chosen to be told apart at a glance (Sasha Trubetskoy's list), brightest and most
// common classes first; opaque.
constexpr std::array<guint32, 20> kPalette = {0xffe6194b, 0xff3cb44b, 0xffffe119, 0xff4363d8, 0xfff58231,
                                              0xff911eb4, 0xff42d4f4, 0xfff032e6, 0xffbfef45, 0xfffabed4,
                                              0xff469990, 0xffdcbeff, 0xff9a6324, 0xfffffac8, 0xff800000,
                                              0xffaaffc3, 0xff808000, 0xffffd8b1, 0xff000075, 0xffa9a9a9};

// Black text on light colors, white on dark ones.
guint32 text_color_on(guint32 argb) {
  const double luma = 0.299 * ((argb >> 16) & 0xff) + 0.587 * ((argb >> 8) & 0xff) + 0.114 * (argb & 0xff);
  return luma > 140 ? 0xff000000u : 0xffffffffu;
}

struct Font {
  double scale;
  int thickness, text_h, baseline, pad;
};

Font font_for(const VkcnnOverlayCanvas& canvas, const VkcnnOverlayStyle& style) {
  Font f;
  f.scale = style.font_scale > 0 ? style.font_scale : vkcnn_overlay_auto_scale(canvas.height);
  f.thickness = style.thickness > 0 ? static_cast<int>(style.thickness)
                                    : std::max(1, static_cast<int>(std::lround(f.scale * 1.4)));
  f.baseline = 0;
  f.text_h = cv::getTextSize("Ag", kFont, f.scale, f.thickness, &f.baseline).height;
  f.pad = std::max(2, static_cast<int>(std::lround(f.text_h * 0.3)));
  return f;
}

std::string tag_text(const VkcnnOverlayRegion& r, bool show_scores) {
  std::string text = r.label ? r.label : "";
  if (show_scores && r.score >= 0) {
    char s[16];
    std::snprintf(s, sizeof s, "%.2f", std::clamp(r.score, 0.0, 1.0));
    text += text.empty() ? s : std::string(" ") + s;
  }
  return text;
}

// The region's rectangle with coordinates clamped to a margin around the frame, so that a
// region reaching far past the frame (coordinates near G_MAXUINT) fits in int and its edges
// outside the frame stay outside.
cv::Rect bounded(const VkcnnOverlayRegion& r, const cv::Size& frame, int margin) {
  auto clamp = [&](gint64 v, int limit) { return static_cast<int>(std::clamp<gint64>(v, -margin, limit + margin)); };
  const int x0 = clamp(r.x, frame.width), y0 = clamp(r.y, frame.height);
  const int x1 = clamp(r.x + r.width, frame.width), y1 = clamp(r.y + r.height, frame.height);
  return {x0, y0, std::max(0, x1 - x0), std::max(0, y1 - y0)};
}

void draw_box(const VkcnnOverlayCanvas& canvas, const cv::Rect& box, int t, guint32 color) {
  const cv::Rect visible = box & cv::Rect(0, 0, canvas.width, canvas.height);
  if (visible.empty()) return;
  // The outline lies inside the region: its outer pixels are the region's edge pixels.
  cv::Mat mask(visible.size(), CV_8UC1, cv::Scalar(0));
  const cv::Point o = box.tl() - visible.tl();
  const int tw = std::min(t, box.width), th = std::min(t, box.height);
  for (const cv::Rect& edge : {cv::Rect(o.x, o.y, box.width, th), cv::Rect(o.x, o.y + box.height - th, box.width, th),
                               cv::Rect(o.x, o.y, tw, box.height), cv::Rect(o.x + box.width - tw, o.y, tw, box.height)})
    cv::rectangle(mask, edge, cv::Scalar(255), cv::FILLED);
  composite(canvas, visible, visible.tl(), mask, color);
}

// The tag sits on the box's top edge, above it when there is room, else just inside; it is
// shifted left, if need be, to stay in the frame.
void draw_tag(const VkcnnOverlayCanvas& canvas, const Font& f, const cv::Rect& box, const std::string& text,
              guint32 color) {
  const cv::Rect frame(0, 0, canvas.width, canvas.height);
  const cv::Rect shown = box & frame;
  if (shown.empty() || text.empty()) return;
  int baseline = 0;
  const cv::Size size = cv::getTextSize(text, kFont, f.scale, f.thickness, &baseline);
  const int w = size.width + 2 * f.pad, h = f.text_h + f.baseline + 2 * f.pad;
  const int x = std::max(0, std::min(shown.x, canvas.width - w));
  const int y = shown.y - h >= 0 ? shown.y - h : shown.y;
  const cv::Rect tag(x, y, w, h);
  const cv::Rect visible = tag & frame;
  if (visible.empty()) return;
  cv::Mat glyphs(h, w, CV_8UC1, cv::Scalar(0));
  cv::putText(glyphs, text, cv::Point(f.pad, f.pad + f.text_h), kFont, f.scale, cv::Scalar(255), f.thickness,
              cv::LINE_AA);
  composite(canvas, visible, tag.tl(), cv::Mat(), color);
  composite(canvas, visible, tag.tl(), glyphs, text_color_on(color));
}

void draw_regions(const VkcnnOverlayCanvas& canvas, const VkcnnOverlayStyle& style, const VkcnnOverlayRegion* regions,
                  guint n_regions, guint box_thickness) {
  if (n_regions == 0) return;
  const int t = box_thickness > 0
                    ? static_cast<int>(box_thickness)
                    : std::max(2, static_cast<int>(std::lround(std::min(canvas.width, canvas.height) / 240.0)));
  const Font f = font_for(canvas, style);
  const cv::Size frame(canvas.width, canvas.height);
  // Boxes first, then tags, so that no box crosses another region's text.
  for (guint i = 0; i < n_regions; ++i)
    if (regions[i].width > 0 && regions[i].height > 0)
      draw_box(canvas, bounded(regions[i], frame, t), t, vkcnn_overlay_region_color(regions[i].color_key));
  for (guint i = 0; i < n_regions; ++i)
    if (regions[i].width > 0 && regions[i].height > 0)
      draw_tag(canvas, f, bounded(regions[i], frame, t), tag_text(regions[i], style.show_scores),
               vkcnn_overlay_region_color(regions[i].color_key));
}

}  // namespace

guint32 vkcnn_overlay_region_color(guint color_key) { return kPalette[color_key % kPalette.size()]; }

gboolean vkcnn_overlay_draw_regions(const VkcnnOverlayCanvas* canvas, const VkcnnOverlayStyle* style,
                                    const VkcnnOverlayRegion* regions, guint n_regions, guint box_thickness,
                                    gchar** error) {
  // OpenCV reports failures (out of memory, say) as exceptions: they must not reach C code.
  try {
    draw_regions(*canvas, *style, regions, n_regions, box_thickness);
    return TRUE;
  } catch (const std::exception& e) {
    if (error) *error = g_strdup(e.what());
  } catch (...) {
    if (error) *error = g_strdup("unknown error while drawing the regions");
  }
  return FALSE;
}
