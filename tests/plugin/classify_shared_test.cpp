// Elements sharing one model instance (model-instance-id): each stream's frames, of its own size
// and format, get the engine's result for that frame, in order, while the frames of all streams
// run in batches (the instance's batch-statistics prove it); EOS, flush, state changes and a
// model reload through one element with a shared instance; an element without an id beside
// sharing ones; errors for sharers that disagree.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>
#include <zlib.h>

#include "plugin_test_support.h"

namespace vkcnn::plugin_test {
namespace {

const std::string kFashionModel = std::string(VKCNN_SOURCE_DIR) + "/models/fashion-mnist.vkcnn";
const std::string kFashionData = "/usr/share/datasets/fashion-mnist";

struct FashionImages {
  std::vector<std::vector<uint8_t>> pixels;  // 28 x 28 each
  std::vector<int> labels;
};

std::vector<uint8_t> gunzip(const std::string& path, std::size_t bytes) {
  gzFile f = gzopen(path.c_str(), "rb");
  EXPECT_TRUE(f) << path;
  std::vector<uint8_t> out(bytes);
  if (!f) return {};
  int got = gzread(f, out.data(), static_cast<unsigned>(bytes));
  gzclose(f);
  EXPECT_EQ(got, static_cast<int>(bytes)) << path;
  return out;
}

// The first n test images with their labels (IDX: 16-byte header for images, 8 for labels).
const FashionImages& fashion_test_images(std::size_t n = 200) {
  static FashionImages images = [n] {
    FashionImages out;
    EXPECT_TRUE(std::filesystem::exists(kFashionData)) << kFashionData << " (Debian: dataset-fashion-mnist)";
    auto px = gunzip(kFashionData + "/t10k-images-idx3-ubyte.gz", 16 + n * 784);
    auto lb = gunzip(kFashionData + "/t10k-labels-idx1-ubyte.gz", 8 + n);
    if (px.size() < 16 + n * 784 || lb.size() < 8 + n) return out;
    for (std::size_t i = 0; i < n; ++i) {
      out.pixels.emplace_back(px.begin() + 16 + i * 784, px.begin() + 16 + (i + 1) * 784);
      out.labels.push_back(lb[8 + i]);
    }
    return out;
  }();
  return images;
}

// A Fashion-MNIST image scaled up `scale` times (nearest) as a frame of `format`: gray in every
// channel, and for I420 luma = the pixel, chroma neutral.
TestFrame fashion_frame(std::size_t index, GstVideoFormat format, uint32_t scale) {
  const auto& img = fashion_test_images().pixels.at(index);
  TestFrame f;
  const uint32_t size = 28 * scale;
  gst_video_info_set_format(&f.info, format, size, size);
  f.bytes.assign(f.info.size, 128);
  for (uint32_t y = 0; y < size; ++y)
    for (uint32_t x = 0; x < size; ++x) {
      const uint8_t v = img[(y / scale) * 28 + x / scale];
      uint8_t* row = f.bytes.data() + GST_VIDEO_INFO_PLANE_OFFSET(&f.info, 0) +
                     std::size_t(y) * GST_VIDEO_INFO_PLANE_STRIDE(&f.info, 0);
      const uint32_t px = GST_VIDEO_INFO_COMP_PSTRIDE(&f.info, 0);
      for (uint32_t c = 0; c < std::min<uint32_t>(px, 3); ++c) row[x * px + c] = v;
      if (px == 4) row[x * px + 3] = 255;
    }
  return f;
}

struct Expected {
  std::vector<double> p;
  uint32_t top = 0;
};

Expected expect_of(EnginePath& engine, const TestFrame& frame) {
  Expected e{engine.probabilities(frame, /*own_format=*/true)};
  e.top = static_cast<uint32_t>(std::max_element(e.p.begin(), e.p.end()) - e.p.begin());
  return e;
}

// Images the model classifies right, of classes no other stream gets: stream s of `streams`
// gets `count` of them, so a result that lands on another stream's buffer shows as a wrong label.
std::vector<std::size_t> images_for_stream(uint32_t s, uint32_t streams, std::size_t count) {
  const auto& data = fashion_test_images();
  std::vector<std::size_t> picked;
  for (std::size_t i = 0; i < data.labels.size() && picked.size() < count; ++i)
    if (static_cast<uint32_t>(data.labels[i]) % streams == s) picked.push_back(i);
  EXPECT_EQ(picked.size(), count) << "stream " << s;
  return picked;
}

GstClockTime pts_of(std::size_t i) { return GstClockTime(i) * GST_SECOND / 30; }

GstStructure* batch_statistics(GstElement* element) {
  GstStructure* s = nullptr;
  g_object_get(element, "batch-statistics", &s, nullptr);
  return s;
}
guint64 stat_u64(const GstStructure* s, const char* field) {
  guint64 v = 0;
  EXPECT_TRUE(gst_structure_get_uint64(s, field, &v)) << field;
  return v;
}

// The buffer carries the engine's probabilities for `e`'s frame, frame number `number`.
// fp32 runs the same kernels as the engine path: only summation order differs (1e-4).
constexpr double kFp32Tolerance = 1e-4;

void expect_result(GstBuffer* out, const Expected& e, guint64 number, const std::string& what,
                   double tolerance = kFp32Tolerance) {
  ASSERT_TRUE(out) << what;
  auto* meta = gst_buffer_get_vkcnn_classification_meta(out);
  ASSERT_TRUE(meta) << what;
  EXPECT_EQ(meta->frame, number) << what;
  ASSERT_GT(meta->n_top, 0u) << what;
  EXPECT_EQ(meta->top[0].class_id, e.top) << what;
  for (auto [id, score] : reported(meta)) EXPECT_NEAR(score, e.p[id], tolerance) << what << ", class " << id;
}

struct StreamPlan {
  GstVideoFormat format;
  uint32_t scale;
};

// `streams` elements sharing one instance, each pushing `per_stream` images of its own classes
// from its own thread (max-in-flight 1: each waits for every result, so a batch holds at most
// one frame per stream), then EOS. Every buffer must come out in order with its own result.
void run_shared_streams(const std::vector<StreamPlan>& plans, std::size_t per_stream, const std::string& id,
                        const std::string& extra = "", double tolerance = kFp32Tolerance) {
  const auto streams = static_cast<uint32_t>(plans.size());
  EnginePath engine(kFashionModel);
  std::vector<std::unique_ptr<Harnessed>> els;
  std::vector<std::vector<TestFrame>> frames(streams);
  std::vector<std::vector<Expected>> expected(streams);
  for (uint32_t s = 0; s < streams; ++s) {
    els.push_back(std::make_unique<Harnessed>("model=\"" + kFashionModel + "\" model-instance-id=" + id +
                                              " batch-size=" + std::to_string(streams) +
                                              " batch-timeout=1000000 max-in-flight=1 " + extra));
    for (std::size_t i : images_for_stream(s, streams, per_stream)) {
      frames[s].push_back(fashion_frame(i, plans[s].format, plans[s].scale));
      expected[s].push_back(expect_of(engine, frames[s].back()));
      ASSERT_EQ(expected[s].back().top, static_cast<uint32_t>(fashion_test_images().labels[i]))
          << "test image " << i << " should be one the model gets right";
    }
  }
  // Every stream joins the batcher (at its caps) before any frame: a stream that joined late
  // would find the others done, and batches of one would say nothing about batching.
  for (uint32_t s = 0; s < streams; ++s) els[s]->set_caps(frames[s][0]);
  std::vector<std::thread> threads;
  for (uint32_t s = 0; s < streams; ++s)
    threads.emplace_back([&, s] {
      for (std::size_t i = 0; i < per_stream; ++i) EXPECT_EQ(els[s]->push(frames[s][i], pts_of(i)), GST_FLOW_OK);
      EXPECT_TRUE(gst_harness_push_event(els[s]->harness, gst_event_new_eos()));
    });
  for (auto& t : threads) t.join();

  GstStructure* stats = batch_statistics(els[0]->element);
  const guint64 batches = stat_u64(stats, "batches"), frames_run = stat_u64(stats, "frames");
  guint largest = 0;
  EXPECT_TRUE(gst_structure_get_uint(stats, "largest-batch", &largest));
  gst_structure_free(stats);
  EXPECT_EQ(frames_run, streams * per_stream) << "every frame ran, once";
  EXPECT_GT(double(frames_run) / double(batches), 1.0) << "frames of several streams ran together";
  EXPECT_GE(largest, 2u);
  EXPECT_LE(largest, streams);

  for (uint32_t s = 0; s < streams; ++s) {
    ASSERT_EQ(gst_harness_buffers_in_queue(els[s]->harness), per_stream) << "stream " << s;
    for (std::size_t i = 0; i < per_stream; ++i) {
      GstBuffer* out = gst_harness_pull(els[s]->harness);
      EXPECT_EQ(GST_BUFFER_PTS(out), pts_of(i)) << "stream " << s << ": in order";
      expect_result(out, expected[s][i], i, "stream " + std::to_string(s) + " frame " + std::to_string(i), tolerance);
      gst_buffer_unref(out);
    }
    EXPECT_FALSE(els[s]->pop(GST_MESSAGE_ERROR)) << "stream " << s;
  }
}

TEST(ClassifyShared, TwoStreamsOfOtherSizesAndFormatsShareOneBatchedModel) {
  run_shared_streams({{GST_VIDEO_FORMAT_GRAY8, 2}, {GST_VIDEO_FORMAT_BGRA, 3}}, 8, "two");
}

TEST(ClassifyShared, FourStreamsShareOneBatchedModel) {
  run_shared_streams(
      {{GST_VIDEO_FORMAT_GRAY8, 1}, {GST_VIDEO_FORMAT_RGB, 2}, {GST_VIDEO_FORMAT_I420, 4}, {GST_VIDEO_FORMAT_BGRx, 3}},
      6, "four");
}

// From one thread with frames in flight: two sharers interleave, EOS drains one while the other
// keeps its frames, a flush drops one's frames while the other's stay right, and one element
// going to NULL and back leaves the other (and the instance) working.
// precision=fp16 (forced: auto is fp32 on lavapipe) through the batcher: the fp32 engine's top
// class on every frame, each probability within 1e-2 (the bound the shipped model keeps over
// all 10 000 test images in fp16, tests/trainer/shipped_model_fp16_test.cpp).
TEST(ClassifyShared, Fp16StreamsShareOneBatchedModel) {
  run_shared_streams({{GST_VIDEO_FORMAT_GRAY8, 2}, {GST_VIDEO_FORMAT_BGRA, 3}}, 8, "half", "precision=fp16", 1e-2);
}

TEST(ClassifyShared, EosFlushAndStateChangesOfOneSharerLeaveTheOtherRight) {
  EnginePath engine(kFashionModel);
  const std::string props =
      "model=\"" + kFashionModel + "\" model-instance-id=life batch-size=4 batch-timeout=20000 max-in-flight=3";
  Harnessed a(props), b(props);
  std::vector<TestFrame> fa, fb;
  std::vector<Expected> ea, eb;
  for (std::size_t i : images_for_stream(0, 2, 6)) {
    fa.push_back(fashion_frame(i, GST_VIDEO_FORMAT_RGBA, 2));
    ea.push_back(expect_of(engine, fa.back()));
  }
  for (std::size_t i : images_for_stream(1, 2, 6)) {
    fb.push_back(fashion_frame(i, GST_VIDEO_FORMAT_NV12, 3));
    eb.push_back(expect_of(engine, fb.back()));
  }
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_EQ(a.push(fa[i], pts_of(i)), GST_FLOW_OK);
    ASSERT_EQ(b.push(fb[i], pts_of(i)), GST_FLOW_OK);
  }
  // EOS on a drains a's frames; b's stay inside (max-in-flight - 1 of them).
  ASSERT_TRUE(gst_harness_push_event(a.harness, gst_event_new_eos()));
  ASSERT_EQ(gst_harness_buffers_in_queue(a.harness), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    GstBuffer* out = gst_harness_pull(a.harness);
    expect_result(out, ea[i], i, "a frame " + std::to_string(i));
    gst_buffer_unref(out);
  }
  EXPECT_EQ(gst_harness_buffers_in_queue(b.harness), 1u);

  // A flush on b drops its frames in flight; then b goes on with the next ones.
  ASSERT_TRUE(gst_harness_push_event(b.harness, gst_event_new_flush_start()));
  ASSERT_TRUE(gst_harness_push_event(b.harness, gst_event_new_flush_stop(TRUE)));
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  ASSERT_TRUE(gst_harness_push_event(b.harness, gst_event_new_segment(&segment)));
  gst_buffer_unref(gst_harness_pull(b.harness));  // the one that left before the flush
  EXPECT_EQ(gst_harness_buffers_in_queue(b.harness), 0u) << "the flushed frames never leave";
  for (std::size_t i = 3; i < 6; ++i) ASSERT_EQ(b.push(fb[i], pts_of(i)), GST_FLOW_OK);
  ASSERT_TRUE(gst_harness_push_event(b.harness, gst_event_new_eos()));
  ASSERT_EQ(gst_harness_buffers_in_queue(b.harness), 3u);
  for (std::size_t i = 3; i < 6; ++i) {
    GstBuffer* out = gst_harness_pull(b.harness);
    // Frames are numbered from start: the flushed ones (1, 2) kept their numbers.
    expect_result(out, eb[i], i, "b frame " + std::to_string(i));
    gst_buffer_unref(out);
  }

  // a stops and starts again (leaving and rejoining the instance) while b holds it.
  ASSERT_TRUE(a.restart());
  ASSERT_TRUE(b.restart());
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_EQ(a.push(fa[5 - i], pts_of(i)), GST_FLOW_OK);
    ASSERT_EQ(b.push(fb[i], pts_of(i)), GST_FLOW_OK);
  }
  ASSERT_TRUE(gst_harness_push_event(a.harness, gst_event_new_eos()));
  ASSERT_TRUE(gst_harness_push_event(b.harness, gst_event_new_eos()));
  for (std::size_t i = 0; i < 3; ++i) {
    GstBuffer* out = gst_harness_pull(a.harness);
    expect_result(out, ea[5 - i], i, "a after restart, frame " + std::to_string(i));
    gst_buffer_unref(out);
    out = gst_harness_pull(b.harness);
    expect_result(out, eb[i], i, "b after restart, frame " + std::to_string(i));
    gst_buffer_unref(out);
  }
  EXPECT_FALSE(a.pop(GST_MESSAGE_ERROR));
  EXPECT_FALSE(b.pop(GST_MESSAGE_ERROR));
}

// Setting the model on one sharer while playing reloads it for all: both then report the new
// model's name and probabilities, and the other's "model" property follows.
TEST(ClassifyShared, ReloadThroughOneElementReloadsForAll) {
  const TestModel& first = test_model("shared-first", 91);
  const TestModel& second = test_model("shared-second", 92);
  EnginePath engine1(first.path), engine2(second.path);
  const std::string rest = " model-instance-id=reload batch-size=4 max-in-flight=2";
  Harnessed a("model=\"" + first.path + "\"" + rest), b("model=\"" + first.path + "\"" + rest);
  std::vector<TestFrame> frames;
  for (uint32_t i = 0; i < 4; ++i) frames.push_back(random_frame(GST_VIDEO_FORMAT_BGRx, 40, 30 + i, 900 + i));

  auto check = [&](Harnessed& el, const TestFrame& f, guint64 number, EnginePath& engine, const TestModel& m,
                   const std::string& what) {
    ASSERT_EQ(el.push(f, pts_of(number)), GST_FLOW_OK) << what;
    ASSERT_TRUE(gst_harness_push_event(el.harness, gst_event_new_eos())) << what;  // drains
    GstBuffer* out = gst_harness_pull(el.harness);
    ASSERT_TRUE(out) << what;
    auto* meta = gst_buffer_get_vkcnn_classification_meta(out);
    ASSERT_TRUE(meta) << what;
    EXPECT_STREQ(meta->model, m.name.c_str()) << what;
    auto p = engine.probabilities(f);
    for (auto [id, score] : reported(meta)) EXPECT_NEAR(score, p[id], 1e-4) << what << ", class " << id;
    gst_buffer_unref(out);
    ASSERT_TRUE(el.restart());  // EOS ended the stream; the instance stays (the other holds it)
  };
  check(a, frames[0], 0, engine1, first, "a before");
  check(b, frames[1], 0, engine1, first, "b before");
  g_object_set(a.element, "model", second.path.c_str(), nullptr);
  check(b, frames[2], 0, engine2, second, "b after a's reload");
  check(a, frames[3], 0, engine2, second, "a after its reload");
  gchar* model = nullptr;
  g_object_get(b.element, "model", &model, nullptr);
  EXPECT_STREQ(model, second.path.c_str()) << "b's model property names the model in use";
  g_free(model);

  // A model that does not load posts a warning on the element it was set on; all keep theirs.
  const std::string missing = scratch_dir() + "/no-such-model.vkcnn";
  g_object_set(b.element, "model", missing.c_str(), nullptr);
  GstMessage* warning = b.pop(GST_MESSAGE_WARNING);
  ASSERT_TRUE(warning);
  EXPECT_NE(message_text(warning).find(missing), std::string::npos) << message_text(warning);
  gst_message_unref(warning);
  check(a, frames[0], 0, engine2, second, "a after a failed reload");
}

// An element with a model of its own beside two sharing one: all three right.
TEST(ClassifyShared, SharedAndPrivateElementsSideBySide) {
  EnginePath engine(kFashionModel);
  Harnessed s1("model=\"" + kFashionModel + "\" model-instance-id=mixed max-in-flight=2");
  Harnessed s2("model=\"" + kFashionModel + "\" model-instance-id=mixed max-in-flight=2");
  Harnessed own("model=\"" + kFashionModel + "\" max-in-flight=2");
  Harnessed* els[] = {&s1, &s2, &own};
  std::vector<std::vector<Expected>> expected(3);
  std::vector<std::vector<TestFrame>> frames(3);
  for (uint32_t s = 0; s < 3; ++s)
    for (std::size_t i : images_for_stream(s, 3, 4)) {
      frames[s].push_back(fashion_frame(i, GST_VIDEO_FORMAT_GRAY8, s + 1));
      expected[s].push_back(expect_of(engine, frames[s].back()));
    }
  for (std::size_t i = 0; i < 4; ++i)
    for (uint32_t s = 0; s < 3; ++s) ASSERT_EQ(els[s]->push(frames[s][i], pts_of(i)), GST_FLOW_OK);
  for (uint32_t s = 0; s < 3; ++s) {
    ASSERT_TRUE(gst_harness_push_event(els[s]->harness, gst_event_new_eos()));
    for (std::size_t i = 0; i < 4; ++i) {
      GstBuffer* out = gst_harness_pull(els[s]->harness);
      expect_result(out, expected[s][i], i, "element " + std::to_string(s) + " frame " + std::to_string(i));
      gst_buffer_unref(out);
    }
  }
  GstStructure* stats = batch_statistics(own.element);
  EXPECT_EQ(stat_u64(stats, "batches"), 0u) << "an element without an id has no batcher";
  gst_structure_free(stats);
  stats = batch_statistics(s2.element);
  EXPECT_EQ(stat_u64(stats, "frames"), 8u) << "the two sharers' frames, not the third's";
  gst_structure_free(stats);
}

TEST(ClassifyShared, SharersThatDisagreeFailToStartNamingTheDifference) {
  const TestModel& other = test_model("shared-other", 93);
  std::vector<GstElement*> running;
  const std::string strict = " model-instance-id=strict batch-size=4 batch-timeout=100";
  std::string text = start_error("model=\"" + kFashionModel + "\"" + strict, &running);
  ASSERT_EQ(text, "");

  text = start_error("model=\"" + other.path + "\"" + strict);
  EXPECT_TRUE(contains(text, "model-instance-id \"strict\" already runs with model " + kFashionModel)) << text;
  EXPECT_TRUE(contains(text, "asks for model " + other.path)) << text;

  text = start_error("model=\"" + kFashionModel + "\" model-instance-id=strict batch-size=8 batch-timeout=100");
  EXPECT_TRUE(contains(text, "batch-size 4") && contains(text, "batch-size 8")) << text;

  text = start_error("model=\"" + kFashionModel + "\" model-instance-id=strict batch-size=4");
  EXPECT_TRUE(contains(text, "batch-timeout 100 us") && contains(text, "batch-timeout 0 us")) << text;

  text = start_error("model=\"" + kFashionModel + "\"" + strict + " precision=fp16");
  EXPECT_TRUE(contains(text, "precision auto") && contains(text, "precision fp16")) << text;

  text = start_error("model=\"" + kFashionModel +
                     "\" model-instance-id=strict batch-size=4 batch-timeout=100 "
                     "device=no-such-device");
  EXPECT_TRUE(contains(text, "device \"no-such-device\"")) << text;

  // A sharer whose model does not load names the file, as an element of its own does.
  const std::string missing = scratch_dir() + "/missing-shared.vkcnn";
  text = start_error("model=\"" + missing + "\" model-instance-id=elsewhere");
  EXPECT_TRUE(contains(text, missing)) << text;
  EXPECT_TRUE(contains(start_error("model-instance-id=strict"), "No model"));

  EXPECT_EQ(start_error("model=\"" + kFashionModel + "\"" + strict, &running), "") << "the same settings join";
  for (GstElement* e : running) {
    gst_element_set_state(e, GST_STATE_NULL);
    gst_object_unref(e);
  }
  // With no element left the instance is gone: other settings make a new one.
  running.clear();
  EXPECT_EQ(start_error("model=\"" + other.path + "\"" + strict, &running), "");
  for (GstElement* e : running) {
    gst_element_set_state(e, GST_STATE_NULL);
    gst_object_unref(e);
  }
}

TEST(ClassifyShared, BatchPropertiesAreRangeCheckedAndDefaultAsDocumented) {
  GstElement* element = gst_element_factory_make("vkcnnclassify", nullptr);
  ASSERT_TRUE(element);
  GValue value = G_VALUE_INIT;
  g_value_init(&value, G_TYPE_UINT);
  struct Range {
    const char* name;
    guint bad, good;
  };
  for (Range r : {Range{"batch-size", 0, 1}, Range{"batch-size", 65, 64}, Range{"batch-timeout", 1000001, 1000000}}) {
    GParamSpec* spec = g_object_class_find_property(G_OBJECT_GET_CLASS(element), r.name);
    ASSERT_TRUE(spec) << r.name;
    g_value_set_uint(&value, r.bad);
    EXPECT_TRUE(g_param_value_validate(spec, &value)) << r.name << " " << r.bad << " must be out of range";
    g_value_set_uint(&value, r.good);
    EXPECT_FALSE(g_param_value_validate(spec, &value)) << r.name << " " << r.good << " must be accepted";
  }
  guint batch_size = 0, timeout = 1;
  gchar* id = nullptr;
  g_object_get(element, "batch-size", &batch_size, "batch-timeout", &timeout, "model-instance-id", &id, nullptr);
  EXPECT_EQ(batch_size, 4u);
  EXPECT_EQ(timeout, 0u);
  EXPECT_EQ(id, nullptr) << "not shared unless asked";
  GstStructure* stats = batch_statistics(element);
  EXPECT_EQ(stat_u64(stats, "batches"), 0u) << "a stopped element has no statistics";
  gst_structure_free(stats);
  gst_object_unref(element);
}

}  // namespace
}  // namespace vkcnn::plugin_test
