// Soak: one element through everything a long-running pipeline does to it, many times over —
// caps changes (formats and sizes), flushes (what a seek sends), model swaps while playing,
// and NULL <-> PLAYING cycles — checking every frame's result and printing frames/s and the
// process's resident memory before and after. ctest runs it for a few seconds;
// bench/soak.sh sets VKCNN_SOAK_SCALE to run it for 10,000+ frames and 1,000 swaps.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "plugin_test_support.h"

namespace vkcnn::plugin_test {
namespace {

// Resident memory of this process in MiB (/proc/self/statm counts pages).
double resident_mib() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return double(resident) * double(sysconf(_SC_PAGESIZE)) / (1 << 20);
}

int soak_scale() {
  const char* s = std::getenv("VKCNN_SOAK_SCALE");
  return s ? std::max(1, std::atoi(s)) : 1;
}

TEST(ClassifySoak, CapsChangesFlushesSwapsAndStateCyclesKeepEveryResultRight) {
  const int scale = soak_scale();
  const TestModel& a = test_model("soak-a", 61);
  const TestModel& b = test_model("soak-b", 62);
  const std::vector<TestFrame> frames = {
      random_frame(GST_VIDEO_FORMAT_BGRA, 64, 48, 63), random_frame(GST_VIDEO_FORMAT_NV12, 50, 38, 64),
      random_frame(GST_VIDEO_FORMAT_RGB, 33, 21, 65), random_frame(GST_VIDEO_FORMAT_I420, 96, 72, 66)};
  Harnessed el("model=\"" + a.path + "\"");
  const int rounds = 20 * scale, frames_per_round = 25;
  double rss_start = 0;
  int classified = 0, swaps = 0;
  std::string expected = "soak-a";
  auto t0 = std::chrono::steady_clock::now();

  for (int round = 0; round < rounds; ++round) {
    if (round == 1) {  // after the first round: pipelines compiled, pools filled
      rss_start = resident_mib();
      t0 = std::chrono::steady_clock::now();
    }
    if (round % 5 == 4) {  // a state cycle: a new stream
      ASSERT_TRUE(el.restart()) << "round " << round;
    }
    for (int i = 0; i < frames_per_round; ++i) {
      const TestFrame& frame = frames[(round + i / 10) % frames.size()];  // caps change every 10 frames
      if (i == 12) {                                                      // a flush, as a flushing seek sends
        ASSERT_TRUE(gst_harness_push_event(el.harness, gst_event_new_flush_start()));
        ASSERT_TRUE(gst_harness_push_event(el.harness, gst_event_new_flush_stop(TRUE)));
        GstSegment segment;
        gst_segment_init(&segment, GST_FORMAT_TIME);
        ASSERT_TRUE(gst_harness_push_event(el.harness, gst_event_new_segment(&segment)));
      }
      if (i == 20) {  // a model swap while playing: the next frame uses the other model
        expected = expected == "soak-a" ? "soak-b" : "soak-a";
        g_object_set(el.element, "model", (expected == "soak-a" ? a : b).path.c_str(), nullptr);
        ++swaps;
      }
      GstBuffer* out = el.push_pull(frame, GstClockTime(i) * GST_SECOND / 30);
      ASSERT_TRUE(out) << "round " << round << " frame " << i;
      auto* meta = gst_buffer_get_vkcnn_classification_meta(out);
      ASSERT_TRUE(meta) << "round " << round << " frame " << i;
      ASSERT_STREQ(meta->model, expected.c_str()) << "round " << round << " frame " << i;
      ASSERT_EQ(meta->n_top, 5u);
      gst_buffer_unref(out);
      ++classified;
    }
    ASSERT_FALSE(el.pop(GST_MESSAGE_ERROR)) << "round " << round;
    ASSERT_FALSE(el.pop(GST_MESSAGE_WARNING)) << "round " << round;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double rss_end = resident_mib();
  std::printf(
      "soak: %d frames, %d model swaps, %d state cycles, %d caps changes, %d flushes; %.0f frames/s; "
      "resident memory %.0f MiB after the first round, %.0f MiB at the end\n",
      classified, swaps, rounds / 5, rounds * (frames_per_round / 10), rounds, classified / std::max(seconds, 1e-9),
      rss_start, rss_end);
  // Not a timing: a bound far above noise, that a leak per frame or per swap would cross at scale.
  EXPECT_LT(rss_end - rss_start, 256.0) << "resident memory grew by " << rss_end - rss_start << " MiB";
}

}  // namespace
}  // namespace vkcnn::plugin_test
