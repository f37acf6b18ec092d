// Every caps format classifies as the engine does on the same pixels, and every buffer carries
// consistent metadata.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <numeric>

#include <nlohmann/json.hpp>

#include "plugin_test_support.h"

namespace vkcnn::plugin_test {
namespace {

// Class ids by descending probability (ties: lower id first), as the element orders them.
std::vector<uint32_t> ranking(const std::vector<double>& p) {
  std::vector<uint32_t> ids(p.size());
  std::iota(ids.begin(), ids.end(), 0u);
  std::stable_sort(ids.begin(), ids.end(), [&](uint32_t a, uint32_t b) { return p[a] > p[b]; });
  return ids;
}

class FormatTest : public ::testing::TestWithParam<GstVideoFormat> {};

bool is_yuv(GstVideoFormat f) { return f == GST_VIDEO_FORMAT_NV12 || f == GST_VIDEO_FORMAT_I420; }

// The first frame from `seed` on whose best class leads the second by a clear margin, so that
// top-1 cannot hinge on rounding.
TestFrame unambiguous_frame(EnginePath& engine, GstVideoFormat format, uint32_t w, uint32_t h, uint32_t seed) {
  for (uint32_t s = seed; s < seed + 50; ++s) {
    TestFrame frame = random_frame(format, w, h, s);
    auto order = ranking(engine.probabilities(frame));
    auto p = engine.probabilities(frame);
    if (p[order[0]] - p[order[1]] > 0.05) return frame;
  }
  ADD_FAILURE() << "no unambiguous test frame";
  return random_frame(format, w, h, seed);
}

// 42x34 frames (rows padded to 4 bytes where GStreamer pads them) and odd 33x31 frames (odd
// chroma planes), all resized to the model's 32x32. RGB-family and GRAY8 frames must score as
// their packed-RGB twin does (the same pixel values). For NV12/I420 that twin is rounded to
// bytes, so the scores are compared with the engine path on the frame's own bytes (whose
// conversion preprocess_test checks against the double reference), and the twin must agree on
// top-1.
TEST_P(FormatTest, ScoresMatchTheEnginePathOnTheSamePixels) {
  const TestModel& model = test_model("formats", 1);
  EnginePath engine(model.path);
  Harnessed el("model=\"" + model.path + "\" top-k=6");
  ASSERT_TRUE(el.harness);
  int frame_index = 0;
  for (auto [w, h] : {std::pair{42u, 34u}, std::pair{33u, 31u}}) {
    for (uint32_t seed : {100u, 200u}) {
      TestFrame frame = unambiguous_frame(engine, GetParam(), w, h, seed);
      auto twin = engine.probabilities(frame);
      auto expected = is_yuv(GetParam()) ? engine.probabilities(frame, /*own_format=*/true) : twin;
      const std::string what = std::to_string(w) + "x" + std::to_string(h) + " seed " + std::to_string(seed);

      GstBuffer* out = el.push_pull(frame, frame_index * GST_SECOND / 30);
      ASSERT_TRUE(out);
      auto* meta = gst_buffer_get_vkcnn_classification_meta(out);
      ASSERT_TRUE(meta) << "no VkcnnClassificationMeta";
      ASSERT_EQ(meta->n_top, 6u);
      EXPECT_EQ(meta->top[0].class_id, ranking(expected)[0]) << what;
      EXPECT_EQ(meta->top[0].class_id, ranking(twin)[0]) << what << ": packed-RGB twin";
      for (guint i = 0; i < meta->n_top; ++i)
        EXPECT_NEAR(meta->top[i].score, expected[meta->top[i].class_id], 1e-3)
            << what << " class " << meta->top[i].class_id;
      EXPECT_EQ(meta->frame, static_cast<guint64>(frame_index));
      // Pixels pass through untouched.
      GstMapInfo map;
      ASSERT_TRUE(gst_buffer_map(out, &map, GST_MAP_READ));
      EXPECT_TRUE(map.size == frame.bytes.size() && std::equal(frame.bytes.begin(), frame.bytes.end(), map.data));
      gst_buffer_unmap(out, &map);
      gst_buffer_unref(out);
      ++frame_index;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllCapsFormats, FormatTest,
                         ::testing::Values(GST_VIDEO_FORMAT_RGB, GST_VIDEO_FORMAT_BGR, GST_VIDEO_FORMAT_RGBA,
                                           GST_VIDEO_FORMAT_BGRA, GST_VIDEO_FORMAT_RGBx, GST_VIDEO_FORMAT_BGRx,
                                           GST_VIDEO_FORMAT_GRAY8, GST_VIDEO_FORMAT_NV12, GST_VIDEO_FORMAT_I420),
                         [](const auto& info) { return std::string(gst_video_format_to_string(info.param)); });

// The same frame with wider rows and planes further apart, described by a GstVideoMeta (as
// decoders and hardware allocators hand them out): the element must read it by those strides.
GstBuffer* with_padded_layout(const TestFrame& frame, GstClockTime pts) {
  const GstVideoInfo& info = frame.info;
  gsize offset[GST_VIDEO_MAX_PLANES] = {}, at = 64;
  gint stride[GST_VIDEO_MAX_PLANES] = {};
  for (guint p = 0; p < GST_VIDEO_INFO_N_PLANES(&info); ++p) {
    stride[p] = GST_VIDEO_INFO_PLANE_STRIDE(&info, p) + 20;
    offset[p] = at;
    at += std::size_t(stride[p]) * GST_VIDEO_INFO_COMP_HEIGHT(&info, p) + 36;
  }
  std::vector<uint8_t> bytes(at, 0xA5);
  for (guint p = 0; p < GST_VIDEO_INFO_N_PLANES(&info); ++p)
    for (guint y = 0; y < static_cast<guint>(GST_VIDEO_INFO_COMP_HEIGHT(&info, p)); ++y)
      std::memcpy(&bytes[offset[p] + y * stride[p]],
                  &frame.bytes[GST_VIDEO_INFO_PLANE_OFFSET(&info, p) + y * GST_VIDEO_INFO_PLANE_STRIDE(&info, p)],
                  GST_VIDEO_INFO_PLANE_STRIDE(&info, p));
  GstBuffer* buf = gst_buffer_new_memdup(bytes.data(), bytes.size());
  gst_buffer_add_video_meta_full(buf, GST_VIDEO_FRAME_FLAG_NONE, GST_VIDEO_INFO_FORMAT(&info),
                                 GST_VIDEO_INFO_WIDTH(&info), GST_VIDEO_INFO_HEIGHT(&info),
                                 GST_VIDEO_INFO_N_PLANES(&info), offset, stride);
  GST_BUFFER_PTS(buf) = pts;
  return buf;
}

TEST_P(FormatTest, BuffersWithTheirOwnStridesAreReadByThem) {
  const TestModel& model = test_model("formats", 1);
  EnginePath engine(model.path);
  Harnessed el("model=\"" + model.path + "\" top-k=6");
  TestFrame frame = unambiguous_frame(engine, GetParam(), 37, 29, 400);
  auto expected = engine.probabilities(frame, /*own_format=*/true);
  gst_harness_set_src_caps_str(el.harness, caps_string(frame).c_str());
  GstBuffer* out = gst_harness_push_and_pull(el.harness, with_padded_layout(frame, 0));
  auto* meta = gst_buffer_get_vkcnn_classification_meta(out);
  ASSERT_TRUE(meta);
  EXPECT_EQ(meta->top[0].class_id, ranking(expected)[0]);
  for (guint i = 0; i < meta->n_top; ++i)
    EXPECT_NEAR(meta->top[i].score, expected[meta->top[i].class_id], 1e-3) << "class " << meta->top[i].class_id;
  gst_buffer_unref(out);
}

// The project's meta, the region-of-interest meta (and GstAnalytics on >= 1.24) say the same.
TEST(ClassifyMeta, AllMetasArePresentAndAgree) {
  const TestModel& model = test_model("metas", 2);
  Harnessed el("model=\"" + model.path + "\" top-k=3");
  TestFrame frame = random_frame(GST_VIDEO_FORMAT_RGBA, 40, 30, 5);
  GstBuffer* out = el.push_pull(frame, 0);
  auto* meta = gst_buffer_get_vkcnn_classification_meta(out);
  ASSERT_TRUE(meta);
  ASSERT_EQ(meta->n_top, 3u);
  EXPECT_STREQ(meta->model, "metas");
  EXPECT_GT(meta->inference_us, 0u);
  for (guint i = 0; i < meta->n_top; ++i) {
    EXPECT_EQ(meta->top[i].label, model.labels[meta->top[i].class_id]);
    if (i > 0) {
      EXPECT_GE(meta->top[i - 1].score, meta->top[i].score);
    }
  }

  GstVideoRegionOfInterestMeta* roi = gst_buffer_get_video_region_of_interest_meta(out);
  ASSERT_TRUE(roi) << "no GstVideoRegionOfInterestMeta";
  EXPECT_EQ(roi->x, 0u);
  EXPECT_EQ(roi->y, 0u);
  EXPECT_EQ(roi->w, 40u);
  EXPECT_EQ(roi->h, 30u);
  EXPECT_STREQ(g_quark_to_string(roi->roi_type), meta->top[0].label);
  GstStructure* cls = gst_video_region_of_interest_meta_get_param(roi, "classification");
  ASSERT_TRUE(cls) << "no \"classification\" param";
  EXPECT_STREQ(gst_structure_get_string(cls, "label"), meta->top[0].label);
  gint label_id = -1;
  gdouble confidence = -1;
  ASSERT_TRUE(gst_structure_get_int(cls, "label_id", &label_id));
  ASSERT_TRUE(gst_structure_get_double(cls, "confidence", &confidence));
  EXPECT_EQ(label_id, static_cast<gint>(meta->top[0].class_id));
  EXPECT_FLOAT_EQ(static_cast<float>(confidence), meta->top[0].score);
  // Only one whole-frame region per buffer.
  gpointer state = nullptr;
  int regions = 0;
  while (gst_buffer_iterate_meta_filtered(out, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE)) ++regions;
  EXPECT_EQ(regions, 1);

  // A copy of the buffer (what tee and queue-less branches see) keeps the meta.
  GstBuffer* copy = gst_buffer_copy(out);
  auto* copied = gst_buffer_get_vkcnn_classification_meta(copy);
  ASSERT_TRUE(copied);
  EXPECT_EQ(copied->n_top, meta->n_top);
  EXPECT_EQ(copied->top[0].class_id, meta->top[0].class_id);
  EXPECT_NE(copied->top, meta->top);
  gst_buffer_unref(copy);
  gst_buffer_unref(out);
}

// A model without a final softmax: the element reports softmax of its output.
TEST(ClassifyMeta, ModelWithoutSoftmaxReportsSoftmaxOfItsOutput) {
  const TestModel& model = test_model("logits", 7, Head::Logits, 5);
  EnginePath engine(model.path);
  Harnessed el("model=\"" + model.path + "\" top-k=5");
  TestFrame frame = random_frame(GST_VIDEO_FORMAT_BGRx, 36, 36, 9);
  auto expected = engine.probabilities(frame);
  GstBuffer* out = el.push_pull(frame, 0);
  auto* meta = gst_buffer_get_vkcnn_classification_meta(out);
  ASSERT_TRUE(meta);
  ASSERT_EQ(meta->n_top, 5u);
  double sum = 0;
  for (guint i = 0; i < meta->n_top; ++i) {
    EXPECT_NEAR(meta->top[i].score, expected[meta->top[i].class_id], 1e-5);
    sum += meta->top[i].score;
  }
  EXPECT_NEAR(sum, 1.0, 1e-5);
  gst_buffer_unref(out);
}

// A multi-label model (sigmoid last): each class's score is the model's own sigmoid output, not
// a softmax over them, in the meta and in the JSON lines (its top-k and whole score vector).
TEST(ClassifyMeta, SigmoidHeadReportsItsOwnScoresInMetaAndJsonLines) {
  const TestModel& model = test_model("multi-label", 8, Head::Sigmoid, 5);
  EnginePath engine(model.path);
  const std::string results = scratch_dir() + "/multi-label.jsonl";
  Harnessed el("model=\"" + model.path + "\" top-k=5 output-scores=true results-file=\"" + results + "\"");
  TestFrame frame = random_frame(GST_VIDEO_FORMAT_RGB, 40, 30, 12);
  const auto expected = engine.probabilities(frame);
  GstBuffer* out = el.push_pull(frame, 0);
  auto* meta = gst_buffer_get_vkcnn_classification_meta(out);
  ASSERT_TRUE(meta);
  ASSERT_EQ(meta->n_top, 5u);
  for (guint i = 0; i < meta->n_top; ++i) EXPECT_NEAR(meta->top[i].score, expected[meta->top[i].class_id], 1e-5);
  gst_buffer_unref(out);
  gst_harness_teardown(el.harness);  // closes the results file
  el.harness = nullptr;

  std::ifstream in(results);
  std::string line;
  ASSERT_TRUE(std::getline(in, line)) << results;
  const auto j = nlohmann::json::parse(line);
  ASSERT_EQ(j.at("top").size(), 5u) << line;
  for (const auto& t : j.at("top"))
    EXPECT_NEAR(t.at("score").get<double>(), expected.at(t.at("id").get<std::size_t>()), 1e-5) << line;
  ASSERT_EQ(j.at("class_scores").size(), expected.size()) << line;
  for (std::size_t c = 0; c < expected.size(); ++c) EXPECT_NEAR(j["class_scores"][c].get<double>(), expected[c], 1e-5);
}

}  // namespace
}  // namespace vkcnn::plugin_test
