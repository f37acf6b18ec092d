// Frames in flight (max-in-flight > 1): buffers leave in order, each with its own result; EOS
// drains, a flush drops, state changes and model swaps wait for the GPU; the LATENCY query
// counts the held buffers; max-in-flight=1 gives what one frame at a time gives.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "plugin_test_support.h"
#include "support/gpu_test.h"

namespace vkcnn::plugin_test {
namespace {

std::vector<TestFrame> distinct_frames(int n, uint32_t seed) {
  std::vector<TestFrame> frames;
  for (int i = 0; i < n; ++i) frames.push_back(random_frame(GST_VIDEO_FORMAT_BGRA, 40, 32, seed + i));
  return frames;
}

GstClockTime pts_of(int i) { return GstClockTime(i) * GST_SECOND / 30; }

// Every reported class of `out` has the engine's probability for `frame`; the frame number and
// model are as given.
void expect_result(GstBuffer* out, const std::vector<double>& expected, guint64 number, const std::string& model,
                   const std::string& what) {
  ASSERT_TRUE(out) << what;
  auto* meta = gst_buffer_get_vkcnn_classification_meta(out);
  ASSERT_TRUE(meta) << what;
  EXPECT_EQ(meta->frame, number) << what;
  EXPECT_STREQ(meta->model, model.c_str()) << what;
  ASSERT_GT(meta->n_top, 0u) << what;
  for (auto [id, score] : reported(meta)) EXPECT_NEAR(score, expected[id], 1e-4) << what << ", class " << id;
}

// Makes sure the test frames give clearly different results, so a result attached to the wrong
// buffer is seen.
void expect_distinct(const std::vector<std::vector<double>>& expected) {
  for (std::size_t i = 1; i < expected.size(); ++i) {
    double diff = 0;
    for (std::size_t c = 0; c < expected[i].size(); ++c)
      diff = std::max(diff, std::abs(expected[i][c] - expected[0][c]));
    ASSERT_GT(diff, 1e-2) << "test frames 0 and " << i << " give the same scores";
  }
}

void push_segment(GstHarness* h) {
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  ASSERT_TRUE(gst_harness_push_event(h, gst_event_new_segment(&segment)));
}

TEST(ClassifyInFlight, BuffersLeaveInOrderEachWithItsOwnResult) {
  const TestModel& model = test_model("inflight-order", 71);
  EnginePath engine(model.path);
  const std::string results = scratch_dir() + "/inflight-order.jsonl";
  Harnessed el("model=\"" + model.path + "\" max-in-flight=3 post-messages=true results-file=\"" + results + "\"");
  auto frames = distinct_frames(6, 700);
  std::vector<std::vector<double>> expected;
  for (const auto& f : frames) expected.push_back(engine.probabilities(f));
  expect_distinct(expected);

  for (int i = 0; i < 6; ++i) ASSERT_EQ(el.push(frames[i], pts_of(i)), GST_FLOW_OK) << "frame " << i;
  // max-in-flight - 1 = 2 buffers stay inside until more come or EOS.
  EXPECT_EQ(gst_harness_buffers_received(el.harness), 4u);
  ASSERT_TRUE(gst_harness_push_event(el.harness, gst_event_new_eos()));
  EXPECT_EQ(gst_harness_buffers_received(el.harness), 6u) << "EOS drains every frame";

  for (int i = 0; i < 6; ++i) {
    GstBuffer* out = gst_harness_pull(el.harness);
    ASSERT_TRUE(out);
    EXPECT_EQ(GST_BUFFER_PTS(out), pts_of(i)) << "buffers leave in order";
    expect_result(out, expected[i], i, model.name, "frame " + std::to_string(i));
    gst_buffer_unref(out);
    // One bus message per frame, in order, with the frame's own number.
    GstMessage* m = el.pop(GST_MESSAGE_ELEMENT);
    ASSERT_TRUE(m) << "frame " << i;
    guint64 number = 99;
    EXPECT_TRUE(gst_structure_get_uint64(gst_message_get_structure(m), "frame", &number));
    EXPECT_EQ(number, static_cast<guint64>(i));
    gst_message_unref(m);
  }
  gst_harness_teardown(el.harness);  // closes the results file
  el.harness = nullptr;
  std::ifstream in(results);
  std::string line;
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(std::getline(in, line)) << "JSON line " << i;
    EXPECT_NE(line.find(",\"frame\":" + std::to_string(i) + ","), std::string::npos) << line;
  }
  EXPECT_FALSE(std::getline(in, line)) << "one line per frame";
}

// What leaves the element's source pad, in order: 'B' per buffer, 'E' for EOS.
GstPadProbeReturn record_output(GstPad*, GstPadProbeInfo* info, gpointer order) {
  if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER)
    *static_cast<std::string*>(order) += 'B';
  else if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_EOS)
    *static_cast<std::string*>(order) += 'E';
  return GST_PAD_PROBE_OK;
}

// The EOS event leaves after the frames that came before it, not before them.
TEST(ClassifyInFlight, EosLeavesAfterTheDrainedFrames) {
  const TestModel& model = test_model("inflight-eos", 72);
  std::string order;  // outlives the element and its probe
  Harnessed el("model=\"" + model.path + "\" max-in-flight=3");
  GstPad* src = gst_element_get_static_pad(el.element, "src");
  gst_pad_add_probe(src, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
                    record_output, &order, nullptr);
  gst_object_unref(src);
  auto frames = distinct_frames(2, 710);
  for (int i = 0; i < 2; ++i) ASSERT_EQ(el.push(frames[i], pts_of(i)), GST_FLOW_OK);
  EXPECT_EQ(order, "") << "both frames are still in flight";
  ASSERT_TRUE(gst_harness_push_event(el.harness, gst_event_new_eos()));
  EXPECT_EQ(order, "BBE");
}

TEST(ClassifyInFlight, FlushDropsFramesInFlightAndTheElementKeepsWorking) {
  const TestModel& model = test_model("inflight-flush", 73);
  EnginePath engine(model.path);
  Harnessed el("model=\"" + model.path + "\" max-in-flight=3");
  auto frames = distinct_frames(5, 720);
  for (int i = 0; i < 2; ++i) ASSERT_EQ(el.push(frames[i], pts_of(i)), GST_FLOW_OK);
  ASSERT_TRUE(gst_harness_push_event(el.harness, gst_event_new_flush_start()));
  ASSERT_TRUE(gst_harness_push_event(el.harness, gst_event_new_flush_stop(TRUE)));
  push_segment(el.harness);
  for (int i = 2; i < 5; ++i) ASSERT_EQ(el.push(frames[i], pts_of(i)), GST_FLOW_OK);
  ASSERT_TRUE(gst_harness_push_event(el.harness, gst_event_new_eos()));
  ASSERT_EQ(gst_harness_buffers_received(el.harness), 3u) << "the two frames in flight at the flush are dropped";
  for (int i = 2; i < 5; ++i) {
    GstBuffer* out = gst_harness_pull(el.harness);
    EXPECT_EQ(GST_BUFFER_PTS(out), pts_of(i));
    expect_result(out, engine.probabilities(frames[i]), i, model.name, "frame " + std::to_string(i));
    gst_buffer_unref(out);
  }
}

// PLAYING -> READY (and PAUSED -> READY) with frames in flight waits for the GPU and drops them;
// the next start classifies from frame 0 again.
TEST(ClassifyInFlight, StateChangesWithFramesInFlight) {
  const TestModel& model = test_model("inflight-state", 74);
  EnginePath engine(model.path);
  Harnessed el("model=\"" + model.path + "\" max-in-flight=3");
  auto frames = distinct_frames(3, 730);
  const std::string caps = caps_string(frames[0]);
  for (int cycle = 0; cycle < 4; ++cycle) {
    if (cycle > 0) {
      GstState low = cycle % 2 ? GST_STATE_READY : GST_STATE_PAUSED;
      if (low == GST_STATE_PAUSED) {
        ASSERT_NE(gst_element_set_state(el.element, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
      }
      ASSERT_EQ(gst_element_set_state(el.element, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS) << "cycle " << cycle;
      gst_harness_play(el.harness);
      ASSERT_TRUE(gst_harness_push_event(el.harness, gst_event_new_stream_start("cycle")));
      gst_harness_set_src_caps_str(el.harness, caps.c_str());
      push_segment(el.harness);
    }
    const guint before = gst_harness_buffers_received(el.harness);
    for (int i = 0; i < 3; ++i) ASSERT_EQ(el.push(frames[i], pts_of(i)), GST_FLOW_OK) << "cycle " << cycle;
    // The last cycle ends with EOS; the others leave two frames in flight for the state change.
    if (cycle < 3) {
      ASSERT_EQ(gst_harness_buffers_received(el.harness), before + 1) << "cycle " << cycle;
    } else {
      ASSERT_TRUE(gst_harness_push_event(el.harness, gst_event_new_eos()));
      ASSERT_EQ(gst_harness_buffers_received(el.harness), before + 3);
    }
    while (GstBuffer* out = gst_harness_try_pull(el.harness)) {
      auto* meta = gst_buffer_get_vkcnn_classification_meta(out);
      ASSERT_TRUE(meta);
      int i = static_cast<int>(meta->frame);
      ASSERT_LT(i, 3);
      EXPECT_EQ(GST_BUFFER_PTS(out), pts_of(i)) << "cycle " << cycle;
      expect_result(out, engine.probabilities(frames[i]), i, model.name, "cycle " + std::to_string(cycle));
      gst_buffer_unref(out);
    }
  }
}

// With interval and smoothing (results carried across frames), 1 and 3 frames in flight report
// exactly the same thing for every buffer; with 1, each buffer is out before its push returns.
TEST(ClassifyInFlight, MaxInFlightOneGivesTheSameResultsAsMore) {
  const TestModel& model = test_model("inflight-same", 75);
  auto frames = distinct_frames(7, 740);
  std::vector<std::vector<std::pair<uint32_t, float>>> results[2];
  std::vector<guint64> numbers[2];
  for (int run = 0; run < 2; ++run) {
    Harnessed el("model=\"" + model.path + "\" interval=2 smoothing=0.5 max-in-flight=" + (run ? "3" : "1"));
    for (int i = 0; i < 7; ++i) {
      ASSERT_EQ(el.push(frames[i], pts_of(i)), GST_FLOW_OK);
      if (run == 0) {
        EXPECT_EQ(gst_harness_buffers_received(el.harness), guint(i + 1)) << "frame " << i;
      }
    }
    ASSERT_TRUE(gst_harness_push_event(el.harness, gst_event_new_eos()));
    for (int i = 0; i < 7; ++i) {
      GstBuffer* out = gst_harness_pull(el.harness);
      auto* meta = gst_buffer_get_vkcnn_classification_meta(out);
      ASSERT_TRUE(meta);
      results[run].push_back(reported(meta));
      numbers[run].push_back(meta->frame);
      gst_buffer_unref(out);
    }
  }
  EXPECT_EQ(numbers[0], (std::vector<guint64>{0, 0, 2, 2, 4, 4, 6})) << "interval=2";
  EXPECT_EQ(numbers[1], numbers[0]);
  EXPECT_EQ(results[1], results[0]);
  EXPECT_NE(results[0][0], results[0][2]) << "the frames must give different results";
}

// A model set while frames are in flight: those frames keep the old model's results, the next
// ones get the new model's; a model that does not load keeps the current one.
TEST(ClassifyInFlight, ModelSwapWhileFramesAreInFlight) {
  const TestModel& a = test_model("inflight-a", 76);
  const TestModel& b = test_model("inflight-b", 77);
  EnginePath engine_a(a.path), engine_b(b.path);
  Harnessed el("model=\"" + a.path + "\" max-in-flight=3");
  auto frames = distinct_frames(6, 750);
  for (int i = 0; i < 2; ++i) ASSERT_EQ(el.push(frames[i], pts_of(i)), GST_FLOW_OK);
  g_object_set(el.element, "model", b.path.c_str(), nullptr);
  for (int i = 2; i < 4; ++i) ASSERT_EQ(el.push(frames[i], pts_of(i)), GST_FLOW_OK);
  const std::string missing = scratch_dir() + "/inflight-missing.vkcnn";
  g_object_set(el.element, "model", missing.c_str(), nullptr);
  GstMessage* warning = el.pop(GST_MESSAGE_WARNING);
  ASSERT_TRUE(warning) << "a model that does not load warns";
  EXPECT_NE(message_text(warning).find(missing), std::string::npos) << message_text(warning);
  gst_message_unref(warning);
  for (int i = 4; i < 6; ++i) ASSERT_EQ(el.push(frames[i], pts_of(i)), GST_FLOW_OK);
  ASSERT_TRUE(gst_harness_push_event(el.harness, gst_event_new_eos()));
  ASSERT_EQ(gst_harness_buffers_received(el.harness), 6u);
  for (int i = 0; i < 6; ++i) {
    GstBuffer* out = gst_harness_pull(el.harness);
    EXPECT_EQ(GST_BUFFER_PTS(out), pts_of(i));
    if (i < 2)
      expect_result(out, engine_a.probabilities(frames[i]), i, a.name, "old model, frame " + std::to_string(i));
    else
      expect_result(out, engine_b.probabilities(frames[i]), i, b.name, "new model, frame " + std::to_string(i));
    gst_buffer_unref(out);
  }
  gchar* path = nullptr;
  g_object_get(el.element, "model", &path, nullptr);
  EXPECT_EQ(std::string(path), b.path);
  g_free(path);
}

// A live upstream's latency plus the buffers held: (max-in-flight - 1) frame durations.
TEST(ClassifyInFlight, LatencyQueryCountsTheHeldBuffers) {
  const TestModel& model = test_model("inflight-latency", 78);
  TestFrame frame = random_frame(GST_VIDEO_FORMAT_BGRA, 40, 32, 760);
  frame.info.fps_n = 30;
  frame.info.fps_d = 1;
  for (guint in_flight : {1u, 3u}) {
    Harnessed el("model=\"" + model.path + "\" max-in-flight=" + std::to_string(in_flight));
    gst_harness_set_upstream_latency(el.harness, 10 * GST_MSECOND);
    ASSERT_EQ(el.push(frame, 0), GST_FLOW_OK);
    GstClockTime held = (in_flight - 1) * gst_util_uint64_scale_int(GST_SECOND, 1, 30);
    EXPECT_EQ(gst_harness_query_latency(el.harness), 10 * GST_MSECOND + held) << "max-in-flight " << in_flight;
  }
}

// Upstream's pool must hold the buffers kept inside on top of what downstream asks for (here
// nothing: the harness proposes no pool).
TEST(ClassifyInFlight, AllocationQueryAsksUpstreamForTheHeldBuffers) {
  const TestModel& model = test_model("inflight-allocation", 79);
  TestFrame frame = random_frame(GST_VIDEO_FORMAT_NV12, 40, 32, 770);
  for (guint in_flight : {1u, 3u}) {
    Harnessed el("model=\"" + model.path + "\" max-in-flight=" + std::to_string(in_flight));
    const std::string caps_text = caps_string(frame);
    gst_harness_set_src_caps_str(el.harness, caps_text.c_str());
    GstCaps* caps = gst_caps_from_string(caps_text.c_str());
    GstQuery* query = gst_query_new_allocation(caps, TRUE);
    ASSERT_TRUE(gst_pad_peer_query(el.harness->srcpad, query));
    guint min = 0, size = 0;
    if (gst_query_get_n_allocation_pools(query) > 0)
      gst_query_parse_nth_allocation_pool(query, 0, nullptr, &size, &min, nullptr);
    EXPECT_EQ(min, in_flight - 1) << "max-in-flight " << in_flight;
    if (in_flight > 1) {
      EXPECT_EQ(size, frame.info.size);
    }
    gst_query_unref(query);
    gst_caps_unref(caps);
  }
}

// A buffer holding the frame at `offset` bytes past memory that starts on `align` bytes.
GstBuffer* buffer_at(const TestFrame& frame, gsize align, gsize offset, GstClockTime pts) {
  GstAllocationParams params;
  gst_allocation_params_init(&params);
  params.align = align - 1;
  GstBuffer* buf = gst_buffer_new_allocate(nullptr, frame.bytes.size() + offset, &params);
  gst_buffer_resize(buf, static_cast<gssize>(offset), static_cast<gssize>(frame.bytes.size()));
  gst_buffer_fill(buf, 0, frame.bytes.data(), frame.bytes.size());
  GST_BUFFER_PTS(buf) = pts;
  GST_BUFFER_DURATION(buf) = GST_SECOND / 30;
  return buf;
}

// Both ways a frame reaches the GPU: a model of its own (FrameQueue), and a shared instance's
// batcher (one element: its frames still go through the batcher).
class InPlaceTest : public ::testing::TestWithParam<const char*> {};

TEST_P(InPlaceTest, AlignedFramesAreReadInPlaceWithTheResultsOfCopiedOnes) {
  const TestModel& model = test_model("inflight-in-place", 81);
  EnginePath engine(model.path);
  const guint align = test::context().info().host_import_alignment;
  Harnessed el("model=\"" + model.path + "\" max-in-flight=2 " + GetParam());
  auto frames = distinct_frames(6, 760);
  el.set_caps(frames[0]);

  // The ALLOCATION query asks upstream for memory the device can import.
  GstCaps* caps = gst_caps_from_string(caps_string(frames[0]).c_str());
  GstQuery* query = gst_query_new_allocation(caps, TRUE);
  ASSERT_TRUE(gst_pad_peer_query(el.harness->srcpad, query));
  GstAllocationParams asked{};
  if (gst_query_get_n_allocation_params(query) > 0) gst_query_parse_nth_allocation_param(query, 0, nullptr, &asked);
  EXPECT_EQ(asked.align, align ? align - 1 : 0);
  gst_query_unref(query);
  gst_caps_unref(caps);

  // Frames on the alignment (read in place where the device imports host memory) and frames 4
  // bytes past it (always copied), alternating, two in flight: each gets its own result.
  const gsize page = align ? align : 4096;
  for (int i = 0; i < 6; ++i)
    ASSERT_EQ(gst_harness_push(el.harness, buffer_at(frames[i], page, i % 2 ? 4 : 0, pts_of(i))), GST_FLOW_OK);
  ASSERT_TRUE(gst_harness_push_event(el.harness, gst_event_new_eos()));
  ASSERT_EQ(gst_harness_buffers_received(el.harness), 6u);
  for (int i = 0; i < 6; ++i) {
    GstBuffer* out = gst_harness_pull(el.harness);
    EXPECT_EQ(GST_BUFFER_PTS(out), pts_of(i));
    expect_result(out, engine.probabilities(frames[i]), i, model.name, "frame " + std::to_string(i));
    gst_buffer_unref(out);
  }
  guint64 in_place = 0;
  g_object_get(el.element, "in-place-frames", &in_place, nullptr);
  EXPECT_EQ(in_place, align ? 3u : 0u);
}

INSTANTIATE_TEST_SUITE_P(OwnOrShared, InPlaceTest, ::testing::Values("", "model-instance-id=in-place batch-size=2"),
                         [](const auto& info) { return std::string(info.index ? "SharedInstance" : "OwnModel"); });

TEST(ClassifyInFlight, InvalidMaxInFlightIsRejectedByThePropertySpec) {
  GstElement* element = gst_element_factory_make("vkcnnclassify", nullptr);
  ASSERT_TRUE(element);
  GParamSpec* spec = g_object_class_find_property(G_OBJECT_GET_CLASS(element), "max-in-flight");
  ASSERT_TRUE(spec);
  GValue value = G_VALUE_INIT;
  g_value_init(&value, G_TYPE_UINT);
  for (guint bad : {0u, 17u, 1000u}) {
    g_value_set_uint(&value, bad);
    EXPECT_TRUE(g_param_value_validate(spec, &value)) << bad << " must be out of range";
  }
  for (guint good : {1u, 2u, 16u}) {
    g_value_set_uint(&value, good);
    EXPECT_FALSE(g_param_value_validate(spec, &value)) << good << " must be accepted";
  }
  guint in_flight = 0;
  g_object_get(element, "max-in-flight", &in_flight, nullptr);
  EXPECT_EQ(in_flight, 2u) << "the default";
  gst_object_unref(element);
}

}  // namespace
}  // namespace vkcnn::plugin_test
