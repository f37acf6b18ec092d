// Model changes while PLAYING, bad models, and state changes.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include <vkcnn/model/graph.h>
#include <vkcnn/model/init.h>
#include <vkcnn/model/model_file.h>

#include "plugin_test_support.h"

namespace vkcnn::plugin_test {
namespace {

TEST(ClassifyErrors, MissingModelFileNamesTheFile) {
  const std::string path = scratch_dir() + "/absent.vkcnn";
  std::string error = start_error("model=\"" + path + "\"");
  EXPECT_TRUE(contains(error, path) && contains(error, "cannot open")) << error;
}

TEST(ClassifyErrors, TruncatedModelFileNamesTheFileAndTheProblem) {
  const TestModel& good = test_model("intact", 21);
  const std::string path = scratch_dir() + "/truncated.vkcnn";
  std::filesystem::copy_file(good.path, path, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
  std::string error = start_error("model=\"" + path + "\"");
  EXPECT_TRUE(contains(error, path)) << error;
  EXPECT_FALSE(contains(error, "cannot open")) << error;
}

TEST(ClassifyErrors, NoModelSetSaysSo) { EXPECT_TRUE(contains(start_error(""), "No model")) << start_error(""); }

TEST(ClassifyErrors, UnknownDeviceIsAnError) {
  const TestModel& model = test_model("device", 22);
  std::string error = start_error("model=\"" + model.path + "\" device=no-such-gpu-xyz");
  EXPECT_TRUE(contains(error, "no-such-gpu-xyz")) << error;
}

TEST(ClassifyErrors, LabelsFileWithTheWrongCountIsAnError) {
  const TestModel& model = test_model("labelcount", 23);
  const std::string path = scratch_dir() + "/three-labels.txt";
  std::ofstream(path) << "a\nb\nc\n";
  std::string error = start_error("model=\"" + model.path + "\" labels=\"" + path + "\"");
  EXPECT_TRUE(contains(error, path) && contains(error, "3 labels") && contains(error, "6 classes")) << error;
}

// While frames flow, another thread sets a new model: frames keep coming with the old model
// until the new one is swapped in, then only with the new one; a bad model later only warns.
TEST(ClassifyReload, ModelChangeWhilePlayingSwapsBetweenFrames) {
  const TestModel& a = test_model("model-a", 31);
  const TestModel& b = test_model("model-b", 32);
  EnginePath engine_b(b.path);
  Harnessed el("model=\"" + a.path + "\"");
  TestFrame frame = random_frame(GST_VIDEO_FORMAT_BGRA, 48, 40, 33);

  std::atomic<bool> loaded{false};
  std::thread setter([&] {
    g_object_set(el.element, "model", b.path.c_str(), nullptr);
    loaded = true;
  });
  bool seen_b = false;
  int pushed = 0;
  for (; !loaded || !seen_b; ++pushed) {
    GstBuffer* out = el.push_pull(frame, pushed * GST_SECOND / 30);
    auto* meta = gst_buffer_get_vkcnn_classification_meta(out);
    ASSERT_TRUE(meta);
    std::string name = meta->model;
    ASSERT_TRUE(name == "model-a" || name == "model-b") << name;
    EXPECT_FALSE(seen_b && name == "model-a") << "old model after the new one, frame " << pushed;
    if (name == "model-b") {
      seen_b = true;
      auto expected = engine_b.probabilities(frame);
      EXPECT_EQ(meta->frame, static_cast<guint64>(pushed)) << "the new model classifies at once";
      EXPECT_NEAR(meta->top[0].score, expected[meta->top[0].class_id], 1e-4);
      EXPECT_EQ(meta->top[0].label, b.labels[meta->top[0].class_id]);
    }
    gst_buffer_unref(out);
    ASSERT_LT(pushed, 10000) << "the new model never arrived";
  }
  setter.join();
  gchar* current = nullptr;
  g_object_get(el.element, "model", &current, nullptr);
  EXPECT_EQ(std::string(current), b.path);
  g_free(current);

  // A bad model: a warning naming the file, and model B stays.
  const std::string bad = scratch_dir() + "/not-there.vkcnn";
  g_object_set(el.element, "model", bad.c_str(), nullptr);
  GstMessage* warning = el.pop(GST_MESSAGE_WARNING);
  ASSERT_TRUE(warning) << "no warning for a bad model";
  EXPECT_TRUE(contains(message_text(warning), bad)) << message_text(warning);
  gst_message_unref(warning);
  EXPECT_FALSE(el.pop(GST_MESSAGE_ERROR));
  GstBuffer* out = el.push_pull(frame, pushed * GST_SECOND / 30);
  EXPECT_STREQ(gst_buffer_get_vkcnn_classification_meta(out)->model, "model-b");
  gst_buffer_unref(out);
  g_object_get(el.element, "model", &current, nullptr);
  EXPECT_EQ(std::string(current), b.path);
  g_free(current);
}

// Models that fail only once loaded used to free the old model first and stop the stream
// ("Internal data stream error"). Each is now a warning naming the file, and frames go on
// with the model in use.
TEST(ClassifyReload, ModelsThatDoNotLoadKeepTheCurrentOneRunning) {
  const TestModel& a = test_model("keeps-running", 34);
  const TestModel& source = test_model("bad-source", 35);
  const ModelFile good = read_model_file(source.path);
  std::vector<std::string> bad;
  {
    ModelSpec four = good.spec;  // written without the reader's checks
    four.input.channels = 4;
    four.input.mean.push_back(0.f), four.input.std.push_back(1.f);
    bad.push_back(scratch_dir() + "/rgb-with-4-channels.vkcnn");
    Weights w = initialize_weights(Graph(four), 1);
    write_model_file(bad.back(), four, w);

    Weights nan_weights = good.weights;
    nan_weights.begin()->second.values[0] = std::nanf("");
    bad.push_back(scratch_dir() + "/nan-weight.vkcnn");
    write_model_file(bad.back(), good.spec, nan_weights);

    bad.push_back(scratch_dir() + "/deep-header.vkcnn");
    const std::string deep = "{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
    std::ofstream out(bad.back(), std::ios::binary);
    const uint64_t n = deep.size();
    for (int i = 0; i < 8; ++i) out.put(static_cast<char>((n >> (8 * i)) & 0xff));
    out << deep;
  }

  Harnessed el("model=\"" + a.path + "\"");
  TestFrame frame = random_frame(GST_VIDEO_FORMAT_RGB, 40, 30, 36);
  int pushed = 0;
  for (const std::string& path : bad) {
    SCOPED_TRACE(path);
    g_object_set(el.element, "model", path.c_str(), nullptr);
    GstMessage* warning = el.pop(GST_MESSAGE_WARNING);
    ASSERT_TRUE(warning) << "no warning for a bad model";
    EXPECT_TRUE(contains(message_text(warning), path)) << message_text(warning);
    gst_message_unref(warning);
    for (int i = 0; i < 3; ++i, ++pushed) {
      GstBuffer* out = el.push_pull(frame, pushed * GST_SECOND / 30);
      ASSERT_TRUE(out) << "the stream stopped";
      auto* meta = gst_buffer_get_vkcnn_classification_meta(out);
      ASSERT_TRUE(meta);
      EXPECT_STREQ(meta->model, "keeps-running");
      EXPECT_GT(meta->n_top, 0u);
      gst_buffer_unref(out);
    }
    EXPECT_FALSE(el.pop(GST_MESSAGE_ERROR));
  }
}

// Labels files are read with a bound and must be UTF-8 (they go into JSON lines and metas).
TEST(ClassifyErrors, LabelsFileThatIsNotARegularFileIsAnError) {
  const TestModel& model = test_model("labels-dev-zero", 24);
  std::string error = start_error("model=\"" + model.path + "\" labels=/dev/zero");
  EXPECT_TRUE(contains(error, "/dev/zero is not a regular file")) << error;
}

TEST(ClassifyErrors, LabelsFileThatIsNotUtf8IsAnError) {
  const TestModel& model = test_model("labels-latin1", 25);
  const std::string path = scratch_dir() + "/latin1-labels.txt";
  std::ofstream(path) << "a\nb\nc\nd\ncaf\xe9\nf\n";
  std::string error = start_error("model=\"" + model.path + "\" labels=\"" + path + "\"");
  EXPECT_TRUE(contains(error, path) && contains(error, "is not UTF-8 text (line 5")) << error;
}

TEST(ClassifyErrors, LabelsFileLargerThanTheBoundIsAnError) {
  const TestModel& model = test_model("labels-huge", 26);
  const std::string path = scratch_dir() + "/huge-labels.txt";
  std::ofstream(path).close();
  std::filesystem::resize_file(path, 5 << 20);
  std::string error = start_error("model=\"" + model.path + "\" labels=\"" + path + "\"");
  EXPECT_TRUE(contains(error, "is larger than 4 MiB")) << error;
}

// Repeated NULL <-> PLAYING: every start begins a new stream (frame numbers from 0) and works.
TEST(ClassifyState, NullPlayingCyclesKeepWorking) {
  const TestModel& model = test_model("cycles", 41);
  Harnessed el("model=\"" + model.path + "\" post-messages=true");
  TestFrame frame = random_frame(GST_VIDEO_FORMAT_I420, 34, 26, 42);
  const std::string caps = caps_string(frame);
  for (int cycle = 0; cycle < 5; ++cycle) {
    if (cycle > 0) {
      ASSERT_EQ(gst_element_set_state(el.element, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
      gst_harness_play(el.harness);
      gst_harness_push_event(el.harness, gst_event_new_stream_start("cycle"));
      gst_harness_set_src_caps_str(el.harness, caps.c_str());
    }
    for (int i = 0; i < 2; ++i) {
      GstBuffer* out = el.push_pull(frame, i * GST_SECOND / 30);
      auto* meta = gst_buffer_get_vkcnn_classification_meta(out);
      ASSERT_TRUE(meta) << "cycle " << cycle;
      EXPECT_EQ(meta->frame, static_cast<guint64>(i)) << "cycle " << cycle;
      gst_buffer_unref(out);
      // post-messages: one element message per classified frame.
      GstMessage* m = el.pop(GST_MESSAGE_ELEMENT);
      ASSERT_TRUE(m) << "cycle " << cycle << " frame " << i;
      const GstStructure* s = gst_message_get_structure(m);
      EXPECT_TRUE(gst_structure_has_name(s, "vkcnn-classification"));
      guint64 number = 99;
      EXPECT_TRUE(gst_structure_get_uint64(s, "frame", &number));
      EXPECT_EQ(number, static_cast<guint64>(i));
      const GValue* labels = gst_structure_get_value(s, "labels");
      ASSERT_TRUE(labels && GST_VALUE_HOLDS_ARRAY(labels));
      EXPECT_EQ(gst_value_array_get_size(labels), 5u);
      gst_message_unref(m);
    }
  }
}

// As gst-plugins-good's videoflip stress test: every property that may change while playing is
// changed from another thread as fast as it can while frames flow. Each frame must still come
// out with a result that is consistent with some setting: at most top-k classes, none below
// the threshold, scores in order.
TEST(ClassifyState, PropertiesChangingUnderLoadKeepEveryResultConsistent) {
  const TestModel& model = test_model("stress", 43);
  const std::string labels = scratch_dir() + "/stress-labels.txt";
  {
    std::ofstream out(labels);
    for (const std::string& l : model.labels) out << "file-" << l << "\n";  // one per class
  }
  Harnessed el("model=\"" + model.path + "\"");
  TestFrame frame = random_frame(GST_VIDEO_FORMAT_BGRx, 36, 28, 44);
  std::atomic<bool> done{false};
  std::thread changer([&] {
    for (guint i = 0; !done; ++i) {
      g_object_set(el.element, "top-k", 1 + i % 6, "threshold", (i % 4) * 0.1f, "interval", 1 + i % 3, "smoothing",
                   (i % 5) * 0.2, "post-messages", i % 2 == 0, nullptr);
      if (i % 16 == 0) g_object_set(el.element, "labels", i % 32 == 0 ? labels.c_str() : nullptr, nullptr);
      std::this_thread::yield();
    }
  });
  for (int i = 0; i < 60; ++i) {
    GstBuffer* out = el.push_pull(frame, i * GST_SECOND / 30);
    ASSERT_TRUE(out) << "frame " << i;
    auto* meta = gst_buffer_get_vkcnn_classification_meta(out);
    ASSERT_TRUE(meta) << "frame " << i;
    EXPECT_LE(meta->n_top, 6u);
    for (guint k = 0; k < meta->n_top; ++k) {
      EXPECT_GE(meta->top[k].score, 0.f);
      if (k > 0) {
        EXPECT_GE(meta->top[k - 1].score, meta->top[k].score) << "frame " << i;
      }
      EXPECT_TRUE(g_str_has_suffix(meta->top[k].label, ("-label-" + std::to_string(meta->top[k].class_id)).c_str()))
          << meta->top[k].label;
    }
    gst_buffer_unref(out);
  }
  done = true;
  changer.join();
  while (GstMessage* m = el.pop(GST_MESSAGE_ERROR)) {
    ADD_FAILURE() << message_text(m);
    gst_message_unref(m);
  }
}

}  // namespace
}  // namespace vkcnn::plugin_test
