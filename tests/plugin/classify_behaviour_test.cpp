// interval, smoothing, top-k and threshold exactly as the element documents them, plus labels.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "plugin_test_support.h"

namespace vkcnn::plugin_test {
namespace {

// The reported scores by class id.
std::map<uint32_t, float> scores_of(GstBuffer* buf) {
  auto* meta = gst_buffer_get_vkcnn_classification_meta(buf);
  std::map<uint32_t, float> out;
  if (!meta)
    ADD_FAILURE() << "no vkcnn meta on the buffer";
  else
    for (auto [id, score] : reported(meta)) out[id] = score;
  return out;
}

std::vector<TestFrame> distinct_frames(int n) {
  std::vector<TestFrame> frames;
  for (int i = 0; i < n; ++i) frames.push_back(random_frame(GST_VIDEO_FORMAT_RGB, 40, 32, 300 + i));
  return frames;
}

// interval=3: frames 0, 3, 6 are classified; 1-2 and 4-5 carry the result of 0 and 3 unchanged.
TEST(ClassifyInterval, EveryNthFrameIsClassifiedAndTheOthersCarryItsResult) {
  const TestModel& model = test_model("interval", 11);
  EnginePath engine(model.path);
  Harnessed el("model=\"" + model.path + "\" interval=3 top-k=6");
  auto frames = distinct_frames(7);
  std::map<uint32_t, float> last;
  for (int i = 0; i < 7; ++i) {
    GstBuffer* out = el.push_pull(frames[i], i * GST_SECOND / 30);
    auto* meta = gst_buffer_get_vkcnn_classification_meta(out);
    ASSERT_TRUE(meta);
    const int source = i - i % 3;
    EXPECT_EQ(meta->frame, static_cast<guint64>(source)) << "frame " << i;
    auto scores = scores_of(out);
    if (i == source) {
      auto expected = engine.probabilities(frames[i]);
      for (auto [id, score] : scores) EXPECT_NEAR(score, expected[id], 1e-4) << "frame " << i << " class " << id;
    } else {
      EXPECT_EQ(scores, last) << "frame " << i << " must repeat frame " << source << "'s scores exactly";
    }
    last = scores;
    gst_buffer_unref(out);
  }
}

// smoothing=s: a <- s*a + (1-s)*p on classified frames only (here interval=2: frames 0, 2, 4).
TEST(ClassifySmoothing, MovingAverageOverClassifiedFrames) {
  const TestModel& model = test_model("smoothing", 12);
  EnginePath engine(model.path);
  const double s = 0.6;
  Harnessed el("model=\"" + model.path + "\" smoothing=0.6 interval=2 top-k=6");
  auto frames = distinct_frames(5);
  std::vector<double> average;
  for (int i = 0; i < 5; ++i) {
    GstBuffer* out = el.push_pull(frames[i], i * GST_SECOND / 30);
    if (i % 2 == 0) {
      auto p = engine.probabilities(frames[i]);
      if (average.empty())
        average = p;
      else
        for (std::size_t c = 0; c < p.size(); ++c) average[c] = s * average[c] + (1 - s) * p[c];
    }
    auto scores = scores_of(out);
    ASSERT_EQ(scores.size(), average.size());
    for (auto [id, score] : scores) EXPECT_NEAR(score, average[id], 1e-4) << "frame " << i << " class " << id;
    gst_buffer_unref(out);
  }
}

// Smoothing changes the reported scores only from the second classified frame on, and 0 is off.
TEST(ClassifySmoothing, ZeroReportsEachFramesOwnScores) {
  const TestModel& model = test_model("smoothing", 12);
  EnginePath engine(model.path);
  Harnessed el("model=\"" + model.path + "\" smoothing=0 top-k=6");
  auto frames = distinct_frames(3);
  for (int i = 0; i < 3; ++i) {
    GstBuffer* out = el.push_pull(frames[i], i * GST_SECOND / 30);
    auto p = engine.probabilities(frames[i]);
    for (auto [id, score] : scores_of(out)) EXPECT_NEAR(score, p[id], 1e-4) << "frame " << i;
    gst_buffer_unref(out);
  }
}

// top-k keeps the k best in order; threshold drops those below it (and with them the ROI meta
// when nothing is left); both take effect from the next classified frame.
TEST(ClassifyTopK, TopKAndThresholdSelectTheBestClassesAboveTheThreshold) {
  const TestModel& model = test_model("topk", 13);
  EnginePath engine(model.path);
  Harnessed el("model=\"" + model.path + "\" top-k=3");
  auto frames = distinct_frames(3);
  auto p = engine.probabilities(frames[0]);
  std::vector<uint32_t> order(p.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return p[a] > p[b]; });

  GstBuffer* out = el.push_pull(frames[0], 0);
  auto* meta = gst_buffer_get_vkcnn_classification_meta(out);
  ASSERT_TRUE(meta);
  ASSERT_EQ(meta->n_top, 3u);
  for (guint i = 0; i < 3; ++i) EXPECT_EQ(meta->top[i].class_id, order[i]) << "rank " << i;
  gst_buffer_unref(out);

  // A threshold between the best and the second best: one class left.
  const double threshold = (p[order[0]] + p[order[1]]) / 2;
  g_object_set(el.element, "threshold", static_cast<float>(threshold), nullptr);
  out = el.push_pull(frames[0], GST_SECOND / 30);
  meta = gst_buffer_get_vkcnn_classification_meta(out);
  ASSERT_TRUE(meta) << "no vkcnn meta on the buffer";
  ASSERT_EQ(meta->n_top, 1u);
  EXPECT_EQ(meta->top[0].class_id, order[0]);
  EXPECT_TRUE(gst_buffer_get_video_region_of_interest_meta(out));
  gst_buffer_unref(out);

  // Above every score: the meta is there with no entries, and no region of interest.
  g_object_set(el.element, "threshold", 1.0f, nullptr);
  out = el.push_pull(frames[0], 2 * GST_SECOND / 30);
  meta = gst_buffer_get_vkcnn_classification_meta(out);
  ASSERT_TRUE(meta);
  EXPECT_EQ(meta->n_top, 0u);
  EXPECT_FALSE(gst_buffer_get_video_region_of_interest_meta(out));
  gst_buffer_unref(out);
}

TEST(ClassifyLabels, LabelsFileOverridesTheModelsLabels) {
  const TestModel& model = test_model("labels", 14);
  const std::string path = scratch_dir() + "/labels.txt";
  std::ofstream(path) << "zero\r\none\ntwo\nthree\nfour\nfive\n";
  Harnessed el("model=\"" + model.path + "\" labels=\"" + path + "\" top-k=6");
  GstBuffer* out = el.push_pull(distinct_frames(1)[0], 0);
  auto* meta = gst_buffer_get_vkcnn_classification_meta(out);
  ASSERT_TRUE(meta) << "no vkcnn meta on the buffer";
  const char* names[] = {"zero", "one", "two", "three", "four", "five"};
  ASSERT_EQ(meta->n_top, 6u);
  for (guint i = 0; i < meta->n_top; ++i) EXPECT_STREQ(meta->top[i].label, names[meta->top[i].class_id]);
  gst_buffer_unref(out);
}

// Changing the labels file while PLAYING relabels from the next classified frame; a file with
// the wrong number of lines warns and the model's own labels are used.
TEST(ClassifyLabels, LabelsChangeWhilePlaying) {
  const TestModel& model = test_model("relabel", 15);
  Harnessed el("model=\"" + model.path + "\" top-k=1");
  auto frames = distinct_frames(3);
  GstBuffer* out = el.push_pull(frames[0], 0);
  auto* meta = gst_buffer_get_vkcnn_classification_meta(out);
  ASSERT_TRUE(meta) << "no vkcnn meta on the buffer";
  EXPECT_EQ(meta->top[0].label, model.labels[meta->top[0].class_id]);
  gst_buffer_unref(out);

  const std::string path = scratch_dir() + "/relabel.txt";
  std::ofstream(path) << "L0\nL1\nL2\nL3\nL4\nL5\n";
  g_object_set(el.element, "labels", path.c_str(), nullptr);
  out = el.push_pull(frames[1], GST_SECOND / 30);
  meta = gst_buffer_get_vkcnn_classification_meta(out);
  ASSERT_TRUE(meta) << "no vkcnn meta on the buffer";
  std::string relabelled = "L";  // (built in two steps: GCC 12 warns falsely on "L" + to_string)
  relabelled += std::to_string(meta->top[0].class_id);
  EXPECT_EQ(meta->top[0].label, relabelled);
  gst_buffer_unref(out);

  const std::string short_file = scratch_dir() + "/relabel-short.txt";
  std::ofstream(short_file) << "only\ntwo\n";
  g_object_set(el.element, "labels", short_file.c_str(), nullptr);
  out = el.push_pull(frames[2], 2 * GST_SECOND / 30);
  meta = gst_buffer_get_vkcnn_classification_meta(out);
  ASSERT_TRUE(meta) << "no vkcnn meta on the buffer";
  EXPECT_EQ(meta->top[0].label, model.labels[meta->top[0].class_id]);
  gst_buffer_unref(out);
  GstMessage* warning = el.pop(GST_MESSAGE_WARNING);
  ASSERT_TRUE(warning);
  EXPECT_NE(message_text(warning).find("2 labels"), std::string::npos) << message_text(warning);
  gst_message_unref(warning);
}

}  // namespace
}  // namespace vkcnn::plugin_test
