// vkcnnoverlay in a GstHarness, fed frames that carry a VkcnnClassificationMeta made here (no
// model, no GPU): where it draws and nowhere else, the same picture in every caps format, colors
// and bar lengths as the properties and scores say, frames without meta untouched.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <climits>
#include <cmath>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include "vkcnn-meta.h"

namespace {

struct Entry {
  guint id;
  gfloat score;
  const char* label;
};
const std::vector<Entry> kThree = {{3, 0.75f, "cat"}, {1, 0.2f, "dog"}, {0, 0.05f, "fox"}};

// A frame of one format: bytes in GStreamer's default layout for it.
struct Frame {
  GstVideoInfo info;
  std::vector<guint8> bytes;
  int width() const { return GST_VIDEO_INFO_WIDTH(&info); }
  int height() const { return GST_VIDEO_INFO_HEIGHT(&info); }
  int channels() const { return GST_VIDEO_INFO_COMP_PSTRIDE(&info, 0); }
  guint8* pixel(int x, int y) { return bytes.data() + y * GST_VIDEO_INFO_PLANE_STRIDE(&info, 0) + x * channels(); }
  const guint8* pixel(int x, int y) const { return const_cast<Frame*>(this)->pixel(x, y); }
};

Frame blank(GstVideoFormat format, int width, int height) {
  Frame f;
  gst_video_info_set_format(&f.info, format, width, height);
  GST_VIDEO_INFO_FPS_N(&f.info) = 30;
  f.bytes.assign(GST_VIDEO_INFO_SIZE(&f.info), 0);
  return f;
}

// Every pixel (R, G, B); alpha/padding bytes `extra` (or random when extra < 0); row padding random.
Frame uniform(GstVideoFormat format, int width, int height, std::array<int, 3> rgb, int extra = 255,
              uint32_t seed = 1) {
  Frame f = blank(format, width, height);
  std::mt19937 rng(seed);
  for (auto& b : f.bytes) b = static_cast<guint8>(rng());
  const GstVideoFormatInfo* fi = f.info.finfo;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      guint8* p = f.pixel(x, y);
      if (GST_VIDEO_FORMAT_INFO_IS_GRAY(fi)) {
        p[0] = static_cast<guint8>(rgb[0]);
        continue;
      }
      for (int c = 0; c < f.channels(); ++c) p[c] = static_cast<guint8>(extra < 0 ? rng() : extra);
      for (int c = 0; c < 3; ++c) p[GST_VIDEO_FORMAT_INFO_POFFSET(fi, c)] = static_cast<guint8>(rgb[c]);
    }
  return f;
}

// The same pixels in another packed format (gray: the red channel); alpha/padding random.
Frame convert(const Frame& rgb, GstVideoFormat format, uint32_t seed) {
  Frame f = uniform(format, rgb.width(), rgb.height(), {0, 0, 0}, -1, seed);
  const GstVideoFormatInfo* fi = f.info.finfo;
  for (int y = 0; y < rgb.height(); ++y)
    for (int x = 0; x < rgb.width(); ++x) {
      const guint8* s = rgb.pixel(x, y);
      guint8* d = f.pixel(x, y);
      if (GST_VIDEO_FORMAT_INFO_IS_GRAY(fi))
        d[0] = s[0];
      else
        for (int c = 0; c < 3; ++c) d[GST_VIDEO_FORMAT_INFO_POFFSET(fi, c)] = s[c];
    }
  return f;
}

GstBuffer* to_buffer(const Frame& f, const std::vector<Entry>* meta, guint64 inference_us = 1500) {
  GstBuffer* buf = gst_buffer_new_memdup(f.bytes.data(), f.bytes.size());
  if (meta) {
    // The plugin registered the meta when the element was created; add it as vkcnnclassify does.
    const GstMetaInfo* info = gst_meta_get_info(VKCNN_CLASSIFICATION_META_IMPL_NAME);
    EXPECT_NE(info, nullptr);
    auto* m = reinterpret_cast<VkcnnClassificationMeta*>(gst_buffer_add_meta(buf, info, nullptr));
    m->n_top = meta->size();
    m->top = g_new0(VkcnnClassification, std::max<std::size_t>(meta->size(), 1));
    for (std::size_t i = 0; i < meta->size(); ++i)
      m->top[i] = {(*meta)[i].id, (*meta)[i].score, g_intern_string((*meta)[i].label)};
    m->inference_us = inference_us;
    m->model = g_intern_string("overlay-test");
  }
  return buf;
}

Frame from_buffer(GstBuffer* buf, const GstVideoInfo& info) {
  Frame f;
  f.info = info;
  f.bytes.resize(gst_buffer_get_size(buf));
  gst_buffer_extract(buf, 0, f.bytes.data(), f.bytes.size());
  return f;
}

// The element with `properties`, PLAYING in a harness with caps for `info`.
struct Overlay {
  GstHarness* h;
  Overlay(const std::string& properties, const GstVideoInfo& info) {
    h = gst_harness_new_parse(("vkcnnoverlay name=overlay " + properties).c_str());
    GstCaps* caps = gst_video_info_to_caps(&info);
    gst_harness_set_src_caps(h, caps);
  }
  ~Overlay() { gst_harness_teardown(h); }
  GstElement* element() { return gst_harness_find_element(h, "vkcnnoverlay"); }
  Frame run(const Frame& in, const std::vector<Entry>* meta) {
    GstBuffer* out = gst_harness_push_and_pull(h, to_buffer(in, meta));
    EXPECT_NE(out, nullptr);
    Frame f = out ? from_buffer(out, in.info) : in;
    if (out) gst_buffer_unref(out);
    return f;
  }
};

// Pixels (any byte of any component) that differ: count and bounding box [x0, x1) x [y0, y1).
struct Changed {
  std::size_t count = 0;
  int x0 = INT_MAX, y0 = INT_MAX, x1 = 0, y1 = 0;
  int width() const { return x1 - x0; }
  int height() const { return y1 - y0; }
};
Changed changed(const Frame& a, const Frame& b) {
  Changed c;
  for (int y = 0; y < a.height(); ++y)
    for (int x = 0; x < a.width(); ++x)
      if (!std::equal(a.pixel(x, y), a.pixel(x, y) + a.channels(), b.pixel(x, y))) {
        ++c.count;
        c.x0 = std::min(c.x0, x), c.y0 = std::min(c.y0, y), c.x1 = std::max(c.x1, x + 1), c.y1 = std::max(c.y1, y + 1);
      }
  return c;
}

Changed panel(const std::string& properties, int width, int height, const std::vector<Entry>& meta = kThree) {
  Frame in = uniform(GST_VIDEO_FORMAT_RGB, width, height, {90, 120, 150});
  Overlay overlay(properties, in.info);
  return changed(in, overlay.run(in, &meta));
}

TEST(VkcnnOverlay, DrawsOnlyThePanelInTheCornerThePositionNames) {
  const int w = 640, h = 480;
  Changed tl = panel("position=top-left", w, h), tr = panel("position=top-right", w, h),
          bl = panel("position=bottom-left", w, h), br = panel("position=bottom-right", w, h);
  ASSERT_GT(tl.count, 0u);
  const int margin = tl.x0;
  EXPECT_GT(margin, 0);
  EXPECT_LT(margin, h / 20);
  for (const Changed* c : {&tl, &tr, &bl, &br}) {
    // The panel is an opaque-ish rectangle over a uniform frame: every pixel in it changes, none outside.
    EXPECT_EQ(c->count, static_cast<std::size_t>(c->width()) * c->height());
    EXPECT_EQ(c->width(), tl.width());
    EXPECT_EQ(c->height(), tl.height());
    EXPECT_LT(c->width(), w / 2);  // so the four corners are told apart
    EXPECT_LT(c->height(), h / 2);
  }
  EXPECT_EQ(tl.y0, margin);
  EXPECT_EQ(tr.x1, w - margin);
  EXPECT_EQ(tr.y0, margin);
  EXPECT_EQ(bl.x0, margin);
  EXPECT_EQ(bl.y1, h - margin);
  EXPECT_EQ(br.x1, w - margin);
  EXPECT_EQ(br.y1, h - margin);
}

TEST(VkcnnOverlay, TopKAndShowFpsSetTheNumberOfLines) {
  Changed one = panel("top-k=1", 320, 240), three = panel("top-k=3", 320, 240),
          fps = panel("top-k=3 show-fps=true", 320, 240);
  Changed five = panel("top-k=5", 320, 240);  // the meta holds only three
  const int pitch = (three.height() - one.height()) / 2;
  EXPECT_GT(pitch, 0);
  EXPECT_EQ(three.height() - one.height(), 2 * pitch);
  EXPECT_EQ(fps.height() - three.height(), pitch);
  EXPECT_EQ(five.height(), three.height());
}

TEST(VkcnnOverlay, TextGrowsWithTheFrameHeightByDefault) {
  Changed small = panel("", 320, 240), hd = panel("", 1920, 1080), uhd = panel("", 3840, 2160);
  // Above the minimum scale (240 lines) the panel keeps its share of the frame height.
  const double hd_share = double(hd.height()) / 1080, uhd_share = double(uhd.height()) / 2160;
  EXPECT_NEAR(uhd_share, hd_share, 0.1 * hd_share);
  EXPECT_LT(hd_share, 0.5);
  // At 320x240 the text stays at the minimum readable size, so the panel takes a larger share.
  EXPECT_GE(double(small.height()) / 240, hd_share * 0.9);
  EXPECT_LT(small.width(), 320);
  // An explicit font-scale overrides: same scale, same panel whatever the frame.
  EXPECT_EQ(panel("font-scale=1", 640, 480).height(), panel("font-scale=1", 1280, 720).height());
}

TEST(VkcnnOverlay, ColorsAndBarLengthsFollowThePropertiesAndScores) {
  const std::vector<Entry> meta = {{0, 1.0f, "a"}, {1, 0.5f, "b"}, {2, 0.25f, "c"}};
  Frame in = uniform(GST_VIDEO_FORMAT_RGB, 640, 480, {90, 120, 150});
  // Thick strokes, so that some text pixels are fully covered (antialiased edges blend).
  Overlay overlay("background-alpha=0 show-scores=false thickness=3 text-color=0xffff0000 bar-color=0xff0000ff",
                  in.info);
  Frame out = overlay.run(in, &meta);

  // Bars: solid pure blue rectangles, one per entry, lengths in proportion to the scores.
  std::vector<std::array<int, 4>> bars;  // x0, y0, x1, y1 (inclusive), top to bottom
  bool red_text = false;
  for (int y = 0; y < out.height(); ++y)
    for (int x = 0; x < out.width(); ++x) {
      const guint8* p = out.pixel(x, y);
      red_text |= p[0] == 255 && p[1] == 0 && p[2] == 0;
      if (!(p[0] == 0 && p[1] == 0 && p[2] == 255)) continue;
      if (bars.empty() || y > bars.back()[3] + 1) bars.push_back({x, y, x, y});
      auto& b = bars.back();
      b = {std::min(b[0], x), b[1], std::max(b[2], x), y};
    }
  EXPECT_TRUE(red_text);
  ASSERT_EQ(bars.size(), 3u);
  const int full = bars[0][2] - bars[0][0] + 1;
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const auto& b = bars[i];
    EXPECT_EQ(b[0], bars[0][0]);  // bars start in one column
    EXPECT_NEAR(b[2] - b[0] + 1, meta[i].score * full, 1.0);
    for (int y = b[1]; y <= b[3]; ++y)
      for (int x = b[0]; x <= b[2]; ++x)
        ASSERT_EQ(out.pixel(x, y)[2], 255) << "bar " << i << " not solid at " << x << "," << y;
    // Right of a partial bar, its track: the bar color at 30% over the frame, not the frame.
    if (meta[i].score < 1) {
      const guint8* t = out.pixel(b[2] + 2, (b[1] + b[3]) / 2);
      EXPECT_NEAR(t[2], 150 + 0.3 * (255 - 150), 1.0);
      EXPECT_NEAR(t[0], 90 * 0.7, 1.0);
    }
  }
}

// Every caps format shows the same panel as RGB: channel for channel, alpha made opaque where
// drawn, padding bytes untouched; gray frames get the colors' luma.
TEST(VkcnnOverlay, EveryCapsFormatDrawsTheSamePanelAsRgb) {
  const int w = 321, h = 240;  // odd width: rows of 3-byte formats are padded
  Frame rgb = uniform(GST_VIDEO_FORMAT_RGB, w, h, {0, 0, 0});
  std::mt19937 rng(7);
  for (auto& b : rgb.bytes) b = static_cast<guint8>(rng());
  const std::string props = "show-fps=true text-color=0xffffe040 bar-color=0xc02080ff";
  Frame want;
  {
    Overlay overlay(props, rgb.info);
    want = overlay.run(rgb, &kThree);
  }
  const Changed drawn_area = changed(rgb, want);  // the panel: its background covers the whole rectangle
  ASSERT_GT(drawn_area.count, 0u);
  for (GstVideoFormat format : {GST_VIDEO_FORMAT_BGR, GST_VIDEO_FORMAT_RGBA, GST_VIDEO_FORMAT_BGRA,
                                GST_VIDEO_FORMAT_ARGB, GST_VIDEO_FORMAT_ABGR, GST_VIDEO_FORMAT_RGBx,
                                GST_VIDEO_FORMAT_BGRx, GST_VIDEO_FORMAT_xRGB, GST_VIDEO_FORMAT_xBGR}) {
    SCOPED_TRACE(gst_video_format_to_string(format));
    Frame in = convert(rgb, format, 11);
    Overlay overlay(props, in.info);
    Frame out = overlay.run(in, &kThree);
    const GstVideoFormatInfo* fi = in.info.finfo;
    const bool alpha = GST_VIDEO_FORMAT_INFO_HAS_ALPHA(fi);
    int alpha_at = alpha ? GST_VIDEO_FORMAT_INFO_POFFSET(fi, GST_VIDEO_COMP_A) : -1;
    std::size_t bad = 0;
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        const guint8 *o = out.pixel(x, y), *i = in.pixel(x, y), *e = want.pixel(x, y);
        const bool drawn = x >= drawn_area.x0 && x < drawn_area.x1 && y >= drawn_area.y0 && y < drawn_area.y1;
        for (int c = 0; c < 3; ++c) bad += o[GST_VIDEO_FORMAT_INFO_POFFSET(fi, c)] != e[c];
        for (int b = 0; b < in.channels(); ++b) {
          bool color = b == (int)GST_VIDEO_FORMAT_INFO_POFFSET(fi, 0) ||
                       b == (int)GST_VIDEO_FORMAT_INFO_POFFSET(fi, 1) || b == (int)GST_VIDEO_FORMAT_INFO_POFFSET(fi, 2);
          if (color) continue;
          if (b == alpha_at && drawn)
            bad += o[b] < i[b];  // alpha only grows towards opaque
          else
            bad += o[b] != i[b];  // padding, or alpha outside the panel
        }
      }
    EXPECT_EQ(bad, 0u);
  }
  // GRAY8: the same panel, in luma (each blend rounds to whole bytes: off by at most 1.5).
  Frame gray_rgb = rgb;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) std::fill(gray_rgb.pixel(x, y), gray_rgb.pixel(x, y) + 3, rgb.pixel(x, y)[0]);
  Frame gray_want;
  {
    Overlay overlay(props, gray_rgb.info);
    gray_want = overlay.run(gray_rgb, &kThree);
  }
  Frame gray = convert(gray_rgb, GST_VIDEO_FORMAT_GRAY8, 3);
  Overlay overlay(props, gray.info);
  Frame out = overlay.run(gray, &kThree);
  double worst = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const guint8* e = gray_want.pixel(x, y);
      const double luma = 0.299 * e[0] + 0.587 * e[1] + 0.114 * e[2];
      worst = std::max(worst, std::abs(out.pixel(x, y)[0] - luma));
    }
  EXPECT_LE(worst, 1.5);
  Changed c = changed(gray, out), e = changed(gray_rgb, gray_want);
  EXPECT_EQ(c.x0, e.x0);
  EXPECT_EQ(c.y1, e.y1);
}

TEST(VkcnnOverlay, FramesWithoutMetaOrWithoutLinesPassUntouched) {
  for (GstVideoFormat format :
       {GST_VIDEO_FORMAT_RGB, GST_VIDEO_FORMAT_BGR, GST_VIDEO_FORMAT_RGBA, GST_VIDEO_FORMAT_BGRA, GST_VIDEO_FORMAT_ARGB,
        GST_VIDEO_FORMAT_ABGR, GST_VIDEO_FORMAT_RGBx, GST_VIDEO_FORMAT_BGRx, GST_VIDEO_FORMAT_xRGB,
        GST_VIDEO_FORMAT_xBGR, GST_VIDEO_FORMAT_GRAY8}) {
    SCOPED_TRACE(gst_video_format_to_string(format));
    Frame in = blank(format, 99, 31);
    std::mt19937 rng(format);
    for (auto& b : in.bytes) b = static_cast<guint8>(rng());
    Overlay overlay("show-fps=true", in.info);
    EXPECT_EQ(overlay.run(in, nullptr).bytes, in.bytes);
  }
  // A meta with nothing above the classifier's threshold, and no frame-rate line: nothing to draw.
  Frame in = uniform(GST_VIDEO_FORMAT_BGRx, 64, 48, {1, 2, 3});
  Overlay overlay("", in.info);
  const std::vector<Entry> none;
  EXPECT_EQ(overlay.run(in, &none).bytes, in.bytes);
}

// Properties change under the object lock while frames stream: every frame is drawn whole in
// one of the corners, nothing crashes.
TEST(VkcnnOverlay, PropertiesCanChangeWhileStreaming) {
  Frame in = uniform(GST_VIDEO_FORMAT_RGBx, 160, 120, {200, 200, 200});
  Overlay overlay("top-k=2", in.info);
  GstElement* element = overlay.element();
  std::atomic<bool> done{false};
  std::thread changer([&] {
    for (int i = 0; !done; ++i) {
      g_object_set(element, "position", i % 4, "show-bars", i % 3 != 0, "font-scale", (i % 5) * 0.2, nullptr);
      std::this_thread::yield();
    }
  });
  for (int i = 0; i < 40; ++i) {
    Changed c = changed(in, overlay.run(in, &kThree));
    EXPECT_GT(c.count, 0u);
    // The panel keeps a margin of 0.6 x the text height from its corner: 11 px at font-scale
    // 0.8, the largest set here (a bound of 10 failed whenever a frame was drawn at 0.8).
    const int corner = 14;
    const bool in_a_corner = (c.x0 < corner || c.x1 > 160 - corner) && (c.y0 < corner || c.y1 > 120 - corner);
    EXPECT_TRUE(in_a_corner) << c.x0 << "," << c.y0 << " " << c.x1 << "," << c.y1;
  }
  done = true;
  changer.join();
  gst_object_unref(element);
}

TEST(VkcnnOverlay, FactoryHasMetadataAndTheDocumentedProperties) {
  GstElement* element = gst_element_factory_make("vkcnnoverlay", nullptr);
  ASSERT_NE(element, nullptr);
  GstElementFactory* factory = gst_element_get_factory(element);
  EXPECT_STREQ(gst_element_factory_get_metadata(factory, GST_ELEMENT_METADATA_KLASS), "Filter/Effect/Video");
  for (const char* name : {"position", "font-scale", "thickness", "text-color", "bar-color", "background-alpha",
                           "show-scores", "show-bars", "show-fps", "top-k", "draw-regions", "box-thickness"})
    EXPECT_NE(g_object_class_find_property(G_OBJECT_GET_CLASS(element), name), nullptr) << name;
  gst_object_unref(element);
}

}  // namespace
