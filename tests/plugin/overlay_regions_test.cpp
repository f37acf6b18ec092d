// vkcnnoverlay's region boxes, in a GstHarness fed frames of random pixels carrying
// GstVideoRegionOfInterestMeta made here (no model, no GPU): the box outline lies exactly on the
// region's edge pixels in the label's color and nothing outside the box and its tag changes; one
// label keeps one color, different labels get different ones; every packed format draws the same
// picture; NV12 and I420 (odd sizes too) get the same color in YUV, as GStreamer's own converter
// turns it, on the luma and the chroma planes, by the caps' colorimetry.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include "vkcnn-meta.h"

namespace {

// A frame of any format in GStreamer's default layout, every byte random.
struct Image {
  GstVideoInfo info;
  std::vector<guint8> bytes;
  int width() const { return GST_VIDEO_INFO_WIDTH(&info); }
  int height() const { return GST_VIDEO_INFO_HEIGHT(&info); }
  // Component c of the pixel (or, subsampled, the sample) at x, y in that component's grid.
  guint8& at(int c, int x, int y) {
    const int plane = GST_VIDEO_INFO_COMP_PLANE(&info, c);
    return bytes[GST_VIDEO_INFO_PLANE_OFFSET(&info, plane) + GST_VIDEO_INFO_COMP_POFFSET(&info, c) +
                 y * GST_VIDEO_INFO_COMP_STRIDE(&info, c) + x * GST_VIDEO_INFO_COMP_PSTRIDE(&info, c)];
  }
  guint8 at(int c, int x, int y) const { return const_cast<Image*>(this)->at(c, x, y); }
  std::array<int, 3> rgb(int x, int y) const { return {at(0, x, y), at(1, x, y), at(2, x, y)}; }
};

Image random_image(GstVideoFormat format, int width, int height, uint32_t seed) {
  Image f;
  gst_video_info_set_format(&f.info, format, width, height);
  GST_VIDEO_INFO_FPS_N(&f.info) = 30;
  f.bytes.resize(GST_VIDEO_INFO_SIZE(&f.info));
  std::mt19937 rng(seed);
  for (auto& b : f.bytes) b = static_cast<guint8>(rng());
  return f;
}

// The same pixels in another packed format (extra bytes random).
Image repacked(const Image& rgb, GstVideoFormat format) {
  Image f = random_image(format, rgb.width(), rgb.height(), 5);
  for (int y = 0; y < rgb.height(); ++y)
    for (int x = 0; x < rgb.width(); ++x)
      for (int c = 0; c < 3; ++c) f.at(c, x, y) = rgb.at(c, x, y);
  return f;
}

struct Region {
  int x, y, w, h;
  std::string type = "object";
  bool classified = true;  // with a "classification" parameter
  std::string label = "Sneaker";
  int label_id = 7;  // < 0: none
  double confidence = 0.93;
};

GstBuffer* to_buffer(const Image& f, const std::vector<Region>& regions, bool panel_meta = false) {
  GstBuffer* buf = gst_buffer_new_memdup(f.bytes.data(), f.bytes.size());
  for (const Region& r : regions) {
    GstVideoRegionOfInterestMeta* roi =
        gst_buffer_add_video_region_of_interest_meta(buf, r.type.c_str(), r.x, r.y, r.w, r.h);
    if (!r.classified) continue;
    GstStructure* s = gst_structure_new("classification", "label", G_TYPE_STRING, r.label.c_str(), "confidence",
                                        G_TYPE_DOUBLE, r.confidence, nullptr);
    if (r.label_id >= 0) gst_structure_set(s, "label_id", G_TYPE_INT, r.label_id, nullptr);
    gst_video_region_of_interest_meta_add_param(roi, s);
  }
  if (panel_meta) {  // as vkcnnclassify adds it; the plugin registers the meta with its elements
    gst_object_unref(gst_element_factory_make("vkcnnoverlay", nullptr));
    auto* m = reinterpret_cast<VkcnnClassificationMeta*>(
        gst_buffer_add_meta(buf, gst_meta_get_info(VKCNN_CLASSIFICATION_META_IMPL_NAME), nullptr));
    m->n_top = 1;
    m->top = g_new0(VkcnnClassification, 1);
    m->top[0] = {2, 0.8f, g_intern_string("Pullover")};
    m->model = g_intern_string("overlay-test");
  }
  return buf;
}

// A field holding a GstValueArray of `values` as `type` (G_TYPE_UINT or G_TYPE_DOUBLE).
void set_array(GstStructure* s, const char* field, GType type, const std::vector<double>& values) {
  GValue array = G_VALUE_INIT;
  gst_value_array_init(&array, values.size());
  for (double v : values) {
    GValue item = G_VALUE_INIT;
    g_value_init(&item, type);
    if (type == G_TYPE_UINT)
      g_value_set_uint(&item, static_cast<guint>(v));
    else
      g_value_set_double(&item, v);
    gst_value_array_append_and_take_value(&array, &item);
  }
  gst_structure_take_value(s, field, &array);
}

Image run(const std::string& properties, const Image& in, GstBuffer* buf) {
  GstHarness* h = gst_harness_new_parse(("vkcnnoverlay " + properties).c_str());
  gst_harness_set_src_caps(h, gst_video_info_to_caps(&in.info));
  GstBuffer* out = gst_harness_push_and_pull(h, buf);
  Image f = in;
  EXPECT_NE(out, nullptr);
  if (out) {
    EXPECT_EQ(gst_buffer_get_size(out), f.bytes.size());
    gst_buffer_extract(out, 0, f.bytes.data(), f.bytes.size());
    gst_buffer_unref(out);
  }
  gst_harness_teardown(h);
  return f;
}
Image run(const std::string& properties, const Image& in, const std::vector<Region>& regions) {
  return run(properties, in, to_buffer(in, regions));
}

bool inside(int x, int y, int x0, int y0, int x1, int y1) { return x >= x0 && x < x1 && y >= y0 && y < y1; }
// On the outline `t` pixels wide that lies inside the region (clipped to w x h).
bool on_outline(const Region& r, int t, int x, int y) {
  return inside(x, y, r.x, r.y, r.x + r.w, r.y + r.h) && !inside(x, y, r.x + t, r.y + t, r.x + r.w - t, r.y + r.h - t);
}

// Bounding box [x0, x1) x [y0, y1) of the RGB pixels that changed outside `box`: the tag.
struct Rect {
  int x0 = INT_MAX, y0 = INT_MAX, x1 = INT_MIN, y1 = INT_MIN;
  bool empty() const { return x1 <= x0; }
  bool has(int x, int y) const { return inside(x, y, x0, y0, x1, y1); }
};
Rect changed_outside(const Image& a, const Image& b, const Region& box) {
  Rect t;
  for (int y = 0; y < a.height(); ++y)
    for (int x = 0; x < a.width(); ++x)
      if (!inside(x, y, box.x, box.y, box.x + box.w, box.y + box.h) && a.rgb(x, y) != b.rgb(x, y))
        t = {std::min(t.x0, x), std::min(t.y0, y), std::max(t.x1, x + 1), std::max(t.y1, y + 1)};
  return t;
}

const Region kBox{60, 90, 100, 70};

TEST(VkcnnOverlayRegions, BoxOutlineInTheLabelsColorAndATagAboveItNothingElse) {
  Image in = random_image(GST_VIDEO_FORMAT_RGB, 320, 240, 1);
  const int t = 3;
  Image out = run("box-thickness=3", in, {kBox});
  const std::array<int, 3> color = out.rgb(kBox.x + kBox.w / 2, kBox.y + kBox.h - 1);
  const Rect tag = changed_outside(in, out, kBox);
  ASSERT_FALSE(tag.empty());
  // The tag sits on the box's top edge, from its left edge, above it (there is room).
  EXPECT_EQ(tag.x0, kBox.x);
  EXPECT_EQ(tag.y1, kBox.y);
  EXPECT_GT(tag.x1 - tag.x0, tag.y1 - tag.y0);  // one line of text
  std::size_t filled = 0, other = 0;
  for (int y = 0; y < in.height(); ++y)
    for (int x = 0; x < in.width(); ++x) {
      if (on_outline(kBox, t, x, y))
        ASSERT_EQ(out.rgb(x, y), color) << x << "," << y;
      else if (tag.has(x, y))
        (out.rgb(x, y) == color ? filled : other)++;
      else
        ASSERT_EQ(out.rgb(x, y), in.rgb(x, y)) << x << "," << y;  // inside the box too
    }
  // A tag filled in the box's color with text in another color on it.
  const std::size_t area = static_cast<std::size_t>(tag.x1 - tag.x0) * (tag.y1 - tag.y0);
  EXPECT_GT(filled, area / 2);
  EXPECT_GT(other, 0u);
  // The score is part of the tag: without it the tag is narrower; the box stays.
  Image no_score = run("box-thickness=3 show-scores=false", in, {kBox});
  const Rect short_tag = changed_outside(in, no_score, kBox);
  EXPECT_LT(short_tag.x1 - short_tag.x0, tag.x1 - tag.x0);
  EXPECT_EQ(no_score.rgb(kBox.x, kBox.y + kBox.h / 2), color);
  // With draw-regions=false nothing is drawn.
  EXPECT_EQ(run("draw-regions=false", in, {kBox}).bytes, in.bytes);
}

TEST(VkcnnOverlayRegions, OneColorPerLabelDifferentLabelsDifferentColors) {
  Image in = random_image(GST_VIDEO_FORMAT_RGBx, 400, 300, 2);
  Region a{20, 40, 80, 60}, b{150, 40, 80, 60}, c{280, 40, 80, 60}, d{20, 180, 80, 60}, e{150, 180, 80, 60},
      f{280, 180, 80, 60};
  b.label_id = 8;
  b.label = "Bag";
  c.label = "Sneaker";   // the same class as a, further right
  d.classified = false;  // a detector's region: its type names it
  d.type = "person";
  e.label = "person";  // a classification labelled as d's type, without a class id
  e.label_id = -1;
  f.label = "Bag";  // labels as text only
  f.label_id = -1;
  Image out = run("", in, {a, b, c, d, e, f});
  auto color = [&](const Region& r) { return out.rgb(r.x + r.w / 2, r.y + r.h - 1); };
  for (const Region* r : {&a, &b, &c, &d, &e, &f}) {
    // Every region gets its box, classified or not; the left and bottom edges agree.
    EXPECT_NE(color(*r), in.rgb(r->x + r->w / 2, r->y + r->h - 1));
    EXPECT_EQ(out.rgb(r->x, r->y + r->h / 2), color(*r));
    // And a tag above it.
    EXPECT_NE(out.rgb(r->x + 1, r->y - 2), in.rgb(r->x + 1, r->y - 2));
  }
  EXPECT_NE(color(a), color(b));
  EXPECT_EQ(color(a), color(c));
  EXPECT_EQ(color(d), color(e));  // colored by the label's text when there is no class id
  // A top-k as arrays (labels, label_ids, scores, best first) is drawn by its best class.
  GstBuffer* buf = to_buffer(in, {});
  GstVideoRegionOfInterestMeta* roi = gst_buffer_add_video_region_of_interest_meta(buf, "object", a.x, a.y, a.w, a.h);
  GstStructure* top = gst_structure_new_empty("classification");
  set_array(top, "label_ids", G_TYPE_UINT, {double(b.label_id), double(a.label_id)});
  set_array(top, "scores", G_TYPE_DOUBLE, {0.6, 0.3});
  gst_video_region_of_interest_meta_add_param(roi, top);
  EXPECT_EQ(run("", in, buf).rgb(a.x + a.w / 2, a.y + a.h - 1), color(b));
  // The same picture in a second frame and a second element: colors are fixed per label.
  Image again = run("box-thickness=7", in, {b, a});
  EXPECT_EQ(again.rgb(a.x + a.w / 2, a.y + a.h - 1), color(a));
  EXPECT_EQ(again.rgb(b.x + b.w / 2, b.y + b.h - 1), color(b));
}

TEST(VkcnnOverlayRegions, EveryPackedFormatDrawsTheSameBoxes) {
  Image rgb = random_image(GST_VIDEO_FORMAT_RGB, 321, 241, 3);
  Region second{200, 10, 90, 200};
  second.label_id = 1;
  const std::vector<Region> regions{kBox, second};
  const Image want = run("", rgb, regions);
  for (GstVideoFormat format : {GST_VIDEO_FORMAT_BGR, GST_VIDEO_FORMAT_RGBA, GST_VIDEO_FORMAT_BGRA,
                                GST_VIDEO_FORMAT_ARGB, GST_VIDEO_FORMAT_ABGR, GST_VIDEO_FORMAT_xRGB}) {
    SCOPED_TRACE(gst_video_format_to_string(format));
    const Image in = repacked(rgb, format);
    const Image out = run("", in, regions);
    const bool alpha = GST_VIDEO_INFO_HAS_ALPHA(&in.info);
    std::size_t bad = 0;
    for (int y = 0; y < rgb.height(); ++y)
      for (int x = 0; x < rgb.width(); ++x) {
        bad += out.rgb(x, y) != want.rgb(x, y);
        if (alpha) bad += out.at(3, x, y) != (want.rgb(x, y) == rgb.rgb(x, y) ? in.at(3, x, y) : 255);
      }
    EXPECT_EQ(bad, 0u);
  }
}

// What GStreamer's converter makes of an opaque RGB color in `yuv`'s format and colorimetry.
std::array<int, 3> converted(const std::array<int, 3>& rgb, const GstVideoInfo& yuv) {
  GstVideoInfo in_info, out_info;
  gst_video_info_set_format(&in_info, GST_VIDEO_FORMAT_RGB, 4, 4);
  gst_video_info_set_format(&out_info, GST_VIDEO_INFO_FORMAT(&yuv), 4, 4);
  out_info.colorimetry = yuv.colorimetry;
  Image in{in_info, std::vector<guint8>(GST_VIDEO_INFO_SIZE(&in_info))}, out{out_info, {}};
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x)
      for (int c = 0; c < 3; ++c) in.at(c, x, y) = static_cast<guint8>(rgb[c]);
  GstBuffer* src = gst_buffer_new_memdup(in.bytes.data(), in.bytes.size());
  GstBuffer* dst = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&out_info), nullptr);
  GstVideoFrame sf, df;
  EXPECT_TRUE(gst_video_frame_map(&sf, &in_info, src, GST_MAP_READ));
  EXPECT_TRUE(gst_video_frame_map(&df, &out_info, dst, GST_MAP_WRITE));
  GstVideoConverter* conv =
      gst_video_converter_new(&in_info, &out_info,
                              gst_structure_new("options", GST_VIDEO_CONVERTER_OPT_DITHER_METHOD,
                                                GST_TYPE_VIDEO_DITHER_METHOD, GST_VIDEO_DITHER_NONE, nullptr));
  gst_video_converter_frame(conv, &sf, &df);
  gst_video_converter_free(conv);
  gst_video_frame_unmap(&sf);
  gst_video_frame_unmap(&df);
  out.bytes.resize(GST_VIDEO_INFO_SIZE(&out_info));
  gst_buffer_extract(dst, 0, out.bytes.data(), out.bytes.size());
  gst_buffer_unref(src);
  gst_buffer_unref(dst);
  return {out.at(0, 1, 1), out.at(1, 0, 0), out.at(2, 0, 0)};
}

// A YUV frame against the RGB one drawn with the same regions: luma on the outline exactly the
// color's Y, chroma samples whose luma pixels all lie on the outline its U and V (both within 1
// of GStreamer's converter), and no luma pixel or chroma sample changed away from what the RGB
// frame shows drawn.
void expect_like_rgb(const std::string& properties, GstVideoFormat format, int width, int height,
                     const std::vector<Region>& regions, int t, const char* colorimetry = nullptr,
                     std::size_t* edge_chroma_checked = nullptr) {
  SCOPED_TRACE(std::string(gst_video_format_to_string(format)) + " " + std::to_string(width) + "x" +
               std::to_string(height) + (colorimetry ? std::string(" ") + colorimetry : ""));
  Image in = random_image(format, width, height, 4);
  if (colorimetry) {
    ASSERT_TRUE(gst_video_colorimetry_from_string(&in.info.colorimetry, colorimetry));
  }
  const Image out = run(properties, in, regions);
  Image rgb_in = random_image(GST_VIDEO_FORMAT_RGB, width, height, 4);
  const Image rgb_out = run(properties, rgb_in, regions);
  auto drawn = [&](int x, int y) { return rgb_out.rgb(x, y) != rgb_in.rgb(x, y); };
  std::map<std::array<int, 3>, std::array<int, 3>> yuv_cache;
  auto yuv_of = [&](const std::array<int, 3>& rgb) {
    auto it = yuv_cache.find(rgb);
    return it != yuv_cache.end() ? it->second : yuv_cache[rgb] = converted(rgb, in.info);
  };
  auto outline = [&](int x, int y) -> const Region* {
    for (const Region& r : regions)
      if (x < width && y < height && on_outline(r, t, x, y)) return &r;
    return nullptr;
  };
  const int sx = GST_VIDEO_FORMAT_INFO_W_SUB(in.info.finfo, 1), sy = GST_VIDEO_FORMAT_INFO_H_SUB(in.info.finfo, 1);
  std::size_t luma_bad = 0, luma_changed = 0, chroma_bad = 0, chroma_changed = 0, chroma_checked = 0;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      luma_changed += out.at(0, x, y) != in.at(0, x, y);
      if (outline(x, y)) {
        const auto yuv = yuv_of(rgb_out.rgb(x, y));
        luma_bad += std::abs(out.at(0, x, y) - yuv[0]) > 1;
      } else if (!drawn(x, y)) {
        luma_bad += out.at(0, x, y) != in.at(0, x, y);
      }
    }
  for (int cy = 0; cy < GST_VIDEO_INFO_COMP_HEIGHT(&in.info, 1); ++cy)
    for (int cx = 0; cx < GST_VIDEO_INFO_COMP_WIDTH(&in.info, 1); ++cx) {
      const bool changed = out.at(1, cx, cy) != in.at(1, cx, cy) || out.at(2, cx, cy) != in.at(2, cx, cy);
      chroma_changed += changed;
      bool any_drawn = false, all_outline = true;
      const Region* r = nullptr;
      for (int y = cy << sy; y < std::min((cy + 1) << sy, height); ++y)
        for (int x = cx << sx; x < std::min((cx + 1) << sx, width); ++x) {
          any_drawn |= drawn(x, y);
          const Region* o = outline(x, y);
          all_outline &= o != nullptr && (!r || o == r);
          r = o ? o : r;
        }
      if (all_outline) {
        const auto yuv = yuv_of(rgb_out.rgb(cx << sx, cy << sy));
        chroma_bad += std::abs(out.at(1, cx, cy) - yuv[1]) > 1 || std::abs(out.at(2, cx, cy) - yuv[2]) > 1;
        ++chroma_checked;
      } else if (!any_drawn) {
        chroma_bad += changed;
      }
    }
  EXPECT_EQ(luma_bad, 0u);
  EXPECT_EQ(chroma_bad, 0u);
  EXPECT_GT(luma_changed, 0u);
  EXPECT_GT(chroma_changed, 0u);
  EXPECT_GT(chroma_checked, 0u);
  if (edge_chroma_checked) *edge_chroma_checked = chroma_checked;
}

TEST(VkcnnOverlayRegions, Nv12AndI420DrawOnLumaAndChromaPlanesLikeRgb) {
  Region second{201, 31, 77, 95};  // odd corners: chroma samples straddle its edges
  second.label_id = 3;
  for (GstVideoFormat format : {GST_VIDEO_FORMAT_NV12, GST_VIDEO_FORMAT_I420}) {
    expect_like_rgb("box-thickness=4", format, 320, 240, {kBox, second}, 4);
    expect_like_rgb("box-thickness=4", format, 321, 241, {kBox, second}, 4);
    expect_like_rgb("box-thickness=3", format, 97, 63, {Region{5, 21, 41, 33}}, 3);
  }
}

// The last chroma column and row of an odd-sized frame cover one luma column / row: a box
// reaching past that corner must give those samples the full color (averaging over pixels inside
// the frame only), and nothing may be written past the planes.
TEST(VkcnnOverlayRegions, OddSizedYuvFramesGetTheColorUpToTheirLastColumnAndRow) {
  for (GstVideoFormat format : {GST_VIDEO_FORMAT_NV12, GST_VIDEO_FORMAT_I420}) {
    // Right and bottom edges outside the frame; the outline's top and left edges reach the
    // frame's last column and row.
    std::size_t checked = 0;
    expect_like_rgb("box-thickness=6", format, 321, 241, {Region{250, 180, 1000, 1000}}, 6, nullptr, &checked);
    // Top edge: 3 rows x 36 samples (x 250..320), left edge: 30 rows x 3: all full.
    EXPECT_GE(checked, 3u * 36 + 27 * 3);
  }
}

TEST(VkcnnOverlayRegions, YuvColorsFollowTheCapsColorimetry) {
  for (const char* colorimetry : {"bt601", "bt709", "1:3:5:1" /* full-range BT.709 */}) {
    expect_like_rgb("box-thickness=4", GST_VIDEO_FORMAT_NV12, 320, 240, {kBox}, 4, colorimetry);
  }
  // The matrix changes the values: BT.601 and BT.709 luma of one saturated color differ.
  GstVideoInfo a, b;
  gst_video_info_set_format(&a, GST_VIDEO_FORMAT_NV12, 320, 240);
  b = a;
  ASSERT_TRUE(gst_video_colorimetry_from_string(&a.colorimetry, "bt601"));
  ASSERT_TRUE(gst_video_colorimetry_from_string(&b.colorimetry, "bt709"));
  EXPECT_NE(converted({230, 25, 75}, a)[0], converted({230, 25, 75}, b)[0]);
}

TEST(VkcnnOverlayRegions, RegionsPastTheFrameAreClippedOrSkipped) {
  Image in = random_image(GST_VIDEO_FORMAT_BGRA, 160, 120, 6);
  // Partly outside: its left and top edges are drawn, right and bottom fall outside.
  const Region past{100, 70, 500, 500};
  Image out = run("box-thickness=2", in, {past});
  const std::array<int, 3> color = out.rgb(past.x, 100);
  EXPECT_NE(color, in.rgb(past.x, 100));
  for (int y = past.y; y < 120; ++y) EXPECT_EQ(out.rgb(past.x + 1, y), color) << y;
  for (int x = past.x; x < 160; ++x) EXPECT_EQ(out.rgb(x, past.y), color) << x;
  EXPECT_EQ(out.rgb(159, 119), in.rgb(159, 119));  // inside the outline, not on it
  // Wholly outside, empty, or the whole frame (what vkcnnclassify attaches when it classifies
  // whole frames; the panel shows that): nothing drawn, also with coordinates near G_MAXUINT.
  for (const Region& r : {Region{160, 0, 10, 10}, Region{0, 120, 10, 10}, Region{G_MAXINT, G_MAXINT, G_MAXINT, 5},
                          Region{10, 10, 0, 50}, Region{10, 10, 50, 0}, Region{0, 0, 160, 120}})
    EXPECT_EQ(run("", in, {r}).bytes, in.bytes) << r.x << "," << r.y << " " << r.w << "x" << r.h;
  // Unsigned coordinates that wrap around as int: far outside, no crash, nothing drawn.
  GstBuffer* buf = to_buffer(in, {});
  gst_buffer_add_video_region_of_interest_meta(buf, "far", G_MAXUINT - 3, G_MAXUINT - 3, G_MAXUINT, G_MAXUINT);
  EXPECT_EQ(run("", in, buf).bytes, in.bytes);
  // A region wider than the frame at x 0: the tag, wider than a tiny frame, is clipped too.
  Image tiny = random_image(GST_VIDEO_FORMAT_NV12, 15, 9, 7);
  EXPECT_NE(run("", tiny, {Region{0, 0, 40, 5}}).bytes, tiny.bytes);
}

// With only the whole-frame region vkcnnclassify attaches, the picture is the panel's alone:
// the same as without any region.
TEST(VkcnnOverlayRegions, WithoutSubFrameRegionsOnlyThePanelIsDrawn) {
  for (GstVideoFormat format : {GST_VIDEO_FORMAT_RGB, GST_VIDEO_FORMAT_NV12, GST_VIDEO_FORMAT_I420}) {
    SCOPED_TRACE(gst_video_format_to_string(format));
    Image in = random_image(format, 321, 241, 8);
    const Image panel_only = run("", in, to_buffer(in, {}, true));
    EXPECT_NE(panel_only.bytes, in.bytes);
    EXPECT_EQ(run("", in, to_buffer(in, {Region{0, 0, 321, 241}}, true)).bytes, panel_only.bytes);
    // A sub-frame region adds its box to the panel, which is drawn on top.
    const Image both = run("position=top-left", in, to_buffer(in, {Region{150, 120, 60, 60}}, true));
    EXPECT_NE(both.bytes, panel_only.bytes);
    EXPECT_EQ(both.at(0, 12, 12), panel_only.at(0, 12, 12));
  }
}

}  // namespace
