// inference-region=roi-list: regions cut from a mosaic of Fashion-MNIST test images, classified
// with the shipped model, each get the label the model gives that image alone (and, as far as
// the model is right, the data set's label); filtering, no-region passthrough, reuse by tracking
// id, JSON lines and the full top-k in the standard ROI meta.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <nlohmann/json.hpp>

#include "idx.h"
#include "plugin_test_support.h"
#include "support/gpu_test.h"
#include "vkcnn-meta.h"

namespace vkcnn::plugin_test {
namespace {

const std::string kModel = std::string(VKCNN_SOURCE_DIR) + "/models/fashion-mnist.vkcnn";
const std::string kDataDir = "/usr/share/datasets/fashion-mnist";
const std::vector<std::string> kLabels = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                          "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

const trainer::Dataset& test_set() {
  static const trainer::Dataset data = [] {
    // scripts/setup.sh installs the data set: its absence is a broken setup, not a reason to skip.
    EXPECT_TRUE(std::filesystem::exists(kDataDir)) << "Debian's dataset-fashion-mnist is not installed";
    return *trainer::load_idx_split(kDataDir, "t10k", kLabels, true);
  }();
  return data;
}

struct Tile {
  uint32_t image, x, y;
};

using Mosaic = TestFrame;  // gray pixels only: its rgb twin stays empty

// A GRAY8 frame (odd width, so rows are padded to 4 bytes) with test images at the tiles'
// places on a mid-grey background, so a crop that reads outside its tile changes the input.
Mosaic mosaic(const std::vector<Tile>& tiles, uint32_t width = 211, uint32_t height = 127) {
  Mosaic m;
  gst_video_info_set_format(&m.info, GST_VIDEO_FORMAT_GRAY8, width, height);
  m.bytes.assign(GST_VIDEO_INFO_SIZE(&m.info), 128);
  const uint32_t stride = GST_VIDEO_INFO_PLANE_STRIDE(&m.info, 0);
  for (const Tile& t : tiles) {
    auto img = test_set().image(t.image);
    for (uint32_t y = 0; y < 28; ++y) std::memcpy(&m.bytes[(t.y + y) * stride + t.x], &img[y * 28], 28);
  }
  return m;
}

GstVideoRegionOfInterestMeta* add_region(GstBuffer* b, const char* type, uint32_t x, uint32_t y, uint32_t w, uint32_t h,
                                         int object_id = -1) {
  auto* roi = gst_buffer_add_video_region_of_interest_meta(b, type, x, y, w, h);
  if (object_id >= 0)
    gst_video_region_of_interest_meta_add_param(roi, gst_structure_new("object_id", "id", G_TYPE_INT, object_id, NULL));
  return roi;
}

// The ROI metas of a buffer, in the order they were added.
std::vector<GstVideoRegionOfInterestMeta*> regions_of(GstBuffer* b) {
  std::vector<GstVideoRegionOfInterestMeta*> out;
  gpointer state = nullptr;
  while (GstMeta* m = gst_buffer_iterate_meta_filtered(b, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))
    out.push_back(reinterpret_cast<GstVideoRegionOfInterestMeta*>(m));
  return out;
}

struct Label {
  std::string label;
  double confidence;
};

// The label the model gives one image alone: the image as a 28x28 frame, classified whole.
Label alone(uint32_t image) {
  Harnessed h("model=\"" + kModel + "\"");
  Mosaic m = mosaic({{image, 0, 0}}, 28, 28);
  gst_harness_set_src_caps_str(h.harness, caps_string(m).c_str());
  GstBuffer* out = gst_harness_push_and_pull(h.harness, to_buffer(m, 0));
  auto* meta = gst_buffer_get_vkcnn_classification_meta(out);
  Label l{meta && meta->n_top ? meta->top[0].label : "", meta && meta->n_top ? meta->top[0].score : 0.0};
  gst_buffer_unref(out);
  return l;
}

uint64_t forward_passes(GstElement* e) {
  guint64 n = 0;
  g_object_get(e, "roi-forward-passes", &n, nullptr);
  return n;
}

// 18 tiles (more than one batch of 16) at odd places with gaps between them.
std::vector<Tile> grid() {
  std::vector<Tile> tiles;
  for (uint32_t i = 0; i < 18; ++i) tiles.push_back({i, 3 + (i % 6) * 34, 5 + (i / 6) * 39});
  return tiles;
}

TEST(ClassifyRegions, EveryMosaicRegionGetsTheLabelOfItsImageAlone) {
  const auto tiles = grid();
  Mosaic m = mosaic(tiles);
  Harnessed h("model=\"" + kModel + "\" inference-region=roi-list top-k=3");
  gst_harness_set_src_caps_str(h.harness, caps_string(m).c_str());
  GstBuffer* in = to_buffer(m, 0);
  for (const Tile& t : tiles) add_region(in, "item", t.x, t.y, 28, 28);
  GstBuffer* out = gst_harness_push_and_pull(h.harness, in);
  ASSERT_NE(out, nullptr);
  auto rois = regions_of(out);
  ASSERT_EQ(rois.size(), tiles.size()) << "no region may be added or lost";
  auto* meta = gst_buffer_get_vkcnn_classification_meta(out);
  ASSERT_NE(meta, nullptr);
  EXPECT_EQ(meta->n_top, 0u) << "roi-list reports no whole-frame classes";
  ASSERT_EQ(meta->n_regions, tiles.size());
  int right = 0;
  for (std::size_t i = 0; i < tiles.size(); ++i) {
    SCOPED_TRACE("tile " + std::to_string(i));
    const Label want = alone(tiles[i].image);
    GstStructure* param = gst_video_region_of_interest_meta_get_param(rois[i], "classification");
    ASSERT_NE(param, nullptr);
    EXPECT_EQ(std::string(gst_structure_get_string(param, "label")), want.label);
    double confidence = 0;
    ASSERT_TRUE(gst_structure_get_double(param, "confidence", &confidence));
    EXPECT_NEAR(confidence, want.confidence, 1e-4);
    const GValue* labels = gst_structure_get_value(param, "labels");
    const GValue* scores = gst_structure_get_value(param, "scores");
    ASSERT_TRUE(labels && scores);
    ASSERT_EQ(gst_value_array_get_size(labels), 3u);
    EXPECT_EQ(std::string(g_value_get_string(gst_value_array_get_value(labels, 0))), want.label);
    EXPECT_GE(g_value_get_double(gst_value_array_get_value(scores, 0)),
              g_value_get_double(gst_value_array_get_value(scores, 1)));
    const VkcnnRegionClassification& r = meta->regions[i];
    EXPECT_EQ(r.x, tiles[i].x);
    EXPECT_EQ(r.y, tiles[i].y);
    EXPECT_EQ(r.w, 28u);
    EXPECT_EQ(r.n_top, 3u);
    EXPECT_EQ(std::string(r.top[0].label), want.label);
    EXPECT_EQ(std::string(r.roi_type), "item");
    right += want.label == kLabels[test_set().labels[tiles[i].image]];
  }
  // The shipped model is about 90% right on the test set.
  EXPECT_GE(right, 15) << "regions labelled as the data set does";
  EXPECT_EQ(forward_passes(h.element), 2u) << "18 regions: one batch of 16 and one of 2";
  gst_buffer_unref(out);
}

TEST(ClassifyRegions, OnlyRegionsOfTheListedClassesAndLargeEnoughAreClassified) {
  Mosaic m = mosaic({{0, 3, 5}, {1, 40, 5}, {2, 80, 5}, {3, 120, 5}});
  Harnessed h("model=\"" + kModel + "\" inference-region=roi-list object-class=\" shoe, bag\" min-roi-size=20");
  gst_harness_set_src_caps_str(h.harness, caps_string(m).c_str());
  GstBuffer* in = to_buffer(m, 0);
  add_region(in, "shoe", 3, 5, 28, 28);       // listed, large enough
  add_region(in, "person", 40, 5, 28, 28);    // not listed
  add_region(in, "bag", 80, 5, 28, 19);       // too low
  add_region(in, "bag", 120, 5, 28, 28);      // listed, large enough
  add_region(in, "bag", 200, 120, 100, 100);  // clipped to the frame: 11x7
  GstBuffer* out = gst_harness_push_and_pull(h.harness, in);
  auto rois = regions_of(out);
  ASSERT_EQ(rois.size(), 5u);
  const bool classified[] = {true, false, false, true, false};
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(gst_video_region_of_interest_meta_get_param(rois[i], "classification") != nullptr, classified[i])
        << "region " << i;
  auto* meta = gst_buffer_get_vkcnn_classification_meta(out);
  ASSERT_EQ(meta->n_regions, 2u);
  EXPECT_EQ(meta->regions[1].x, 120u);
  EXPECT_EQ(std::string(meta->regions[1].top[0].label), alone(3).label);
  EXPECT_EQ(forward_passes(h.element), 1u) << "all regions of a frame in one pass";
  gst_buffer_unref(out);
}

TEST(ClassifyRegions, BufferWithoutRegionsPassesThroughWithoutInference) {
  Mosaic m = mosaic({{0, 3, 5}});
  Harnessed h("model=\"" + kModel + "\" inference-region=roi-list object-class=bag");
  gst_harness_set_src_caps_str(h.harness, caps_string(m).c_str());
  GstBuffer* in = to_buffer(m, 0);
  add_region(in, "shoe", 3, 5, 28, 28);  // filtered out: the same as no region
  for (GstBuffer* b : {to_buffer(m, 1), in}) {
    GstBuffer* out = gst_harness_push_and_pull(h.harness, b);
    ASSERT_NE(out, nullptr);
    auto* meta = gst_buffer_get_vkcnn_classification_meta(out);
    ASSERT_NE(meta, nullptr);
    EXPECT_EQ(meta->n_regions, 0u);
    EXPECT_EQ(meta->n_top, 0u);
    for (auto* roi : regions_of(out))
      EXPECT_EQ(gst_video_region_of_interest_meta_get_param(roi, "classification"), nullptr);
    GstMapInfo map;
    ASSERT_TRUE(gst_buffer_map(out, &map, GST_MAP_READ));
    EXPECT_EQ(0, std::memcmp(map.data, m.bytes.data(), m.bytes.size())) << "the pixels pass untouched";
    gst_buffer_unmap(out, &map);
    gst_buffer_unref(out);
  }
  EXPECT_EQ(forward_passes(h.element), 0u);
}

TEST(ClassifyRegions, TrackedRegionsReuseTheirResultForTheReclassifyInterval) {
  // Tracked object 7 shows image 0, then image 1 at the same place: with reclassify-interval=3
  // frames 1 and 2 still report image 0's result (computed on frame 0); frame 3 reclassifies.
  // The untracked region is classified on every frame.
  Harnessed h("model=\"" + kModel + "\" inference-region=roi-list reclassify-interval=3");
  Mosaic first = mosaic({{0, 3, 5}, {2, 60, 5}}), second = mosaic({{1, 3, 5}, {2, 60, 5}});
  ASSERT_NE(alone(0).label, alone(1).label) << "the test needs two images of different labels";
  gst_harness_set_src_caps_str(h.harness, caps_string(first).c_str());
  for (uint64_t frame = 0; frame < 5; ++frame) {
    SCOPED_TRACE("frame " + std::to_string(frame));
    GstBuffer* in = to_buffer(frame == 0 ? first : second, frame);
    add_region(in, "item", 3, 5, 28, 28, 7);
    add_region(in, "item", 60, 5, 28, 28);
    GstBuffer* out = gst_harness_push_and_pull(h.harness, in);
    auto* meta = gst_buffer_get_vkcnn_classification_meta(out);
    ASSERT_EQ(meta->n_regions, 2u);
    const uint64_t computed = frame < 3 ? 0 : 3;
    EXPECT_EQ(meta->regions[0].object_id, 7);
    EXPECT_EQ(meta->regions[0].frame, computed);
    EXPECT_EQ(std::string(meta->regions[0].top[0].label), alone(frame < 3 ? 0 : 1).label);
    EXPECT_EQ(meta->regions[1].object_id, -1);
    EXPECT_EQ(meta->regions[1].frame, frame);
    gst_buffer_unref(out);
  }
  EXPECT_EQ(forward_passes(h.element), 5u);
}

// A region's result as the tests compare it across max-in-flight settings.
struct RegionOutcome {
  int object_id;
  uint64_t computed;
  std::string label;
  double score;
  bool operator==(const RegionOutcome&) const = default;
};

// The tracked object's image on each frame of tracked_run.
const uint32_t kTrackedImage[] = {0, 1, 1, 0, 0};

// Five frames with a tracked object (kTrackedImage) and an untracked one (image 2, then 4) at
// fixed places, through roi-list with reclassify-interval=2 and `max_in_flight`; frames are
// pushed without waiting for their results, and EOS drains the rest. Per frame: its regions'
// outcomes.
std::vector<std::vector<RegionOutcome>> tracked_run(unsigned max_in_flight, uint64_t* passes) {
  Harnessed h("model=\"" + kModel + "\" inference-region=roi-list reclassify-interval=2 max-in-flight=" +
              std::to_string(max_in_flight));
  const int frames = 5;
  for (int frame = 0; frame < frames; ++frame) {
    Mosaic m = mosaic({{kTrackedImage[frame], 3, 5}, {frame < 2 ? 2u : 4u, 60, 5}});
    if (frame == 0) gst_harness_set_src_caps_str(h.harness, caps_string(m).c_str());
    GstBuffer* in = to_buffer(m, frame);
    add_region(in, "item", 3, 5, 28, 28, 7);
    add_region(in, "item", 60, 5, 28, 28);
    EXPECT_EQ(gst_harness_push(h.harness, in), GST_FLOW_OK);
    // max-in-flight - 1 frames stay inside while more come.
    EXPECT_EQ(gst_harness_buffers_received(h.harness), guint(std::max(0, frame + 2 - int(max_in_flight))))
        << "frame " << frame;
  }
  EXPECT_TRUE(gst_harness_push_event(h.harness, gst_event_new_eos()));
  EXPECT_EQ(gst_harness_buffers_received(h.harness), guint(frames)) << "EOS drains every frame";
  std::vector<std::vector<RegionOutcome>> out;
  for (int frame = 0; frame < frames; ++frame) {
    GstBuffer* b = gst_harness_pull(h.harness);
    EXPECT_EQ(GST_BUFFER_PTS(b), GstClockTime(frame)) << "buffers leave in order";
    auto* meta = gst_buffer_get_vkcnn_classification_meta(b);
    std::vector<RegionOutcome> regions;
    for (guint i = 0; meta && i < meta->n_regions; ++i)
      regions.push_back({meta->regions[i].object_id, meta->regions[i].frame, meta->regions[i].top[0].label,
                         meta->regions[i].top[0].score});
    out.push_back(regions);
    gst_buffer_unref(b);
  }
  *passes = forward_passes(h.element);
  return out;
}

TEST(ClassifyRegions, FramesInFlightGiveTheResultsOfOneFrameAtATime) {
  ASSERT_NE(alone(0).label, alone(1).label) << "the test needs two images of different labels";
  uint64_t passes_one = 0;
  const auto one = tracked_run(1, &passes_one);
  ASSERT_EQ(one.size(), 5u);
  // Reuse decisions are made as frames come in, so they are the same with frames in flight:
  // object 7 is classified on frames 0, 2 and 4 and reuses the result on 1 and 3, where it
  // shows another image.
  for (uint64_t frame = 0; frame < 5; ++frame) {
    ASSERT_EQ(one[frame].size(), 2u) << "frame " << frame;
    const uint64_t computed = frame - frame % 2;
    EXPECT_EQ(one[frame][0].computed, computed) << "frame " << frame;
    EXPECT_EQ(one[frame][0].label, alone(kTrackedImage[computed]).label) << "frame " << frame;
    EXPECT_EQ(one[frame][1].computed, frame) << "frame " << frame;
    EXPECT_EQ(one[frame][1].label, alone(frame < 2 ? 2 : 4).label) << "frame " << frame;
  }
  EXPECT_EQ(passes_one, 5u);
  for (unsigned max_in_flight : {2u, 3u}) {
    uint64_t passes = 0;
    EXPECT_EQ(tracked_run(max_in_flight, &passes), one) << "max-in-flight=" << max_in_flight;
    EXPECT_EQ(passes, passes_one) << "max-in-flight=" << max_in_flight;
  }
}

TEST(ClassifyRegions, FlushDropsRegionsInFlightAndTrackedObjectsAreClassifiedAfresh) {
  Harnessed h("model=\"" + kModel + "\" inference-region=roi-list reclassify-interval=0 max-in-flight=3");
  Mosaic m = mosaic({{0, 3, 5}});
  gst_harness_set_src_caps_str(h.harness, caps_string(m).c_str());
  auto push = [&](uint64_t frame) {
    GstBuffer* in = to_buffer(m, frame);
    add_region(in, "item", 3, 5, 28, 28, 7);
    ASSERT_EQ(gst_harness_push(h.harness, in), GST_FLOW_OK) << "frame " << frame;
  };
  for (uint64_t frame = 0; frame < 2; ++frame) push(frame);
  EXPECT_EQ(gst_harness_buffers_received(h.harness), 0u) << "both frames are in flight";
  ASSERT_TRUE(gst_harness_push_event(h.harness, gst_event_new_flush_start()));
  ASSERT_TRUE(gst_harness_push_event(h.harness, gst_event_new_flush_stop(TRUE)));
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  ASSERT_TRUE(gst_harness_push_event(h.harness, gst_event_new_segment(&segment)));
  for (uint64_t frame = 2; frame < 4; ++frame) push(frame);
  ASSERT_TRUE(gst_harness_push_event(h.harness, gst_event_new_eos()));
  ASSERT_EQ(gst_harness_buffers_received(h.harness), 2u) << "the frames in flight at the flush are dropped";
  for (uint64_t frame = 2; frame < 4; ++frame) {
    GstBuffer* out = gst_harness_pull(h.harness);
    auto* meta = gst_buffer_get_vkcnn_classification_meta(out);
    ASSERT_TRUE(meta && meta->n_regions == 1) << "frame " << frame;
    // Object 7's classification on frame 0 was dropped with it: frame 2 classifies it again,
    // and frame 3 (reclassify-interval=0: never again) reuses that.
    EXPECT_EQ(meta->regions[0].frame, 2u) << "frame " << frame;
    EXPECT_EQ(std::string(meta->regions[0].top[0].label), alone(0).label) << "frame " << frame;
    gst_buffer_unref(out);
  }
}

TEST(ClassifyRegions, RegionsOfAlignedFramesAreReadInPlaceWithTheSameLabels) {
  // The mosaic in memory on the device's import alignment (as the ALLOCATION query asks for)
  // and 4 bytes past it (copied): every region gets its image's label either way.
  const guint align = test::context().info().host_import_alignment;
  Harnessed h("model=\"" + kModel + "\" inference-region=roi-list max-in-flight=2");
  const std::vector<Tile> tiles = {{3, 3, 5}, {5, 60, 5}, {7, 120, 40}};
  Mosaic m = mosaic(tiles);
  gst_harness_set_src_caps_str(h.harness, caps_string(m).c_str());
  for (int frame = 0; frame < 4; ++frame) {
    GstAllocationParams params;
    gst_allocation_params_init(&params);
    params.align = (align ? align : 4096) - 1;
    const gsize offset = frame % 2 ? 4 : 0;
    GstBuffer* in = gst_buffer_new_allocate(nullptr, m.bytes.size() + offset, &params);
    gst_buffer_resize(in, static_cast<gssize>(offset), static_cast<gssize>(m.bytes.size()));
    gst_buffer_fill(in, 0, m.bytes.data(), m.bytes.size());
    GST_BUFFER_PTS(in) = frame;
    for (const Tile& t : tiles) add_region(in, "item", t.x, t.y, 28, 28);
    ASSERT_EQ(gst_harness_push(h.harness, in), GST_FLOW_OK);
  }
  ASSERT_TRUE(gst_harness_push_event(h.harness, gst_event_new_eos()));
  ASSERT_EQ(gst_harness_buffers_received(h.harness), 4u);
  for (int frame = 0; frame < 4; ++frame) {
    GstBuffer* out = gst_harness_pull(h.harness);
    auto* meta = gst_buffer_get_vkcnn_classification_meta(out);
    ASSERT_TRUE(meta && meta->n_regions == tiles.size()) << "frame " << frame;
    for (std::size_t i = 0; i < tiles.size(); ++i)
      EXPECT_EQ(std::string(meta->regions[i].top[0].label), alone(tiles[i].image).label)
          << "frame " << frame << ", region " << i;
    gst_buffer_unref(out);
  }
  guint64 in_place = 0;
  g_object_get(h.element, "in-place-frames", &in_place, nullptr);
  EXPECT_EQ(in_place, align ? 2u : 0u);
}

std::vector<nlohmann::json> json_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> out;
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST(ClassifyRegions, JsonLinesAndMessagesCarryTheRegionsWithBoxesAndScores) {
  const std::string path = scratch_dir() + "/regions.jsonl";
  {
    Harnessed h("name=cls7 model=\"" + kModel +
                "\" inference-region=roi-list output-scores=true post-messages=true results-file=\"" + path + "\"");
    Mosaic m = mosaic({{4, 10, 20}, {5, 100, 50}});
    gst_harness_set_src_caps_str(h.harness, caps_string(m).c_str());
    GstBuffer* in = to_buffer(m, 0);
    add_region(in, "item", 10, 20, 28, 28, 3);
    add_region(in, "item", 100, 50, 28, 28);
    gst_buffer_unref(gst_harness_push_and_pull(h.harness, in));
    GstMessage* msg = h.pop(GST_MESSAGE_ELEMENT);
    ASSERT_NE(msg, nullptr);
    const GstStructure* s = gst_message_get_structure(msg);
    const GValue* regions = gst_structure_get_value(s, "regions");
    ASSERT_TRUE(regions && GST_VALUE_HOLDS_LIST(regions));
    ASSERT_EQ(gst_value_list_get_size(regions), 2u);
    const GstStructure* r1 = gst_value_get_structure(gst_value_list_get_value(regions, 1));
    guint x = 0;
    EXPECT_TRUE(gst_structure_get_uint(r1, "x", &x));
    EXPECT_EQ(x, 100u);
    EXPECT_EQ(std::string(gst_structure_get_string(r1, "label")), alone(5).label);
    EXPECT_EQ(std::string(gst_structure_get_string(s, "source")), "cls7");
    gst_message_unref(msg);
  }
  auto lines = json_lines(path);
  ASSERT_EQ(lines.size(), 1u);
  const auto& j = lines[0];
  EXPECT_EQ(j.at("source"), "cls7") << "stream-id defaults to the element's name";
  EXPECT_EQ(j.at("width"), 211);
  EXPECT_EQ(j.at("height"), 127);
  EXPECT_TRUE(j.at("time").is_string());
  EXPECT_TRUE(j.at("top").empty());
  ASSERT_EQ(j.at("regions").size(), 2u);
  const auto& r0 = j.at("regions")[0];
  EXPECT_EQ(r0.at("object_id"), 3);
  EXPECT_EQ(r0.at("x"), 10);
  EXPECT_EQ(r0.at("y"), 20);
  EXPECT_EQ(r0.at("w"), 28);
  EXPECT_EQ(r0.at("h"), 28);
  EXPECT_EQ(r0.at("top")[0].at("label"), alone(4).label);
  ASSERT_EQ(r0.at("class_scores").size(), 10u);
  double sum = 0;
  for (const auto& v : r0.at("class_scores")) sum += v.get<double>();
  EXPECT_NEAR(sum, 1.0, 1e-4) << "probabilities";
  const uint32_t best = r0.at("top")[0].at("id");
  EXPECT_EQ(r0.at("class_scores")[best], r0.at("top")[0].at("score"));
  EXPECT_TRUE(j.at("regions")[1].at("object_id").is_null());
}

TEST(ClassifyRegions, WholeFrameResultCarriesFullTopKAndScoresInTheRoiMeta) {
  const std::string path = scratch_dir() + "/whole.jsonl";
  Harnessed h("model=\"" + kModel + "\" top-k=4 output-scores=true stream-id=cam-1 results-file=\"" + path + "\"");
  Mosaic m = mosaic({{6, 0, 0}}, 28, 28);
  gst_harness_set_src_caps_str(h.harness, caps_string(m).c_str());
  GstBuffer* out = gst_harness_push_and_pull(h.harness, to_buffer(m, 0));
  auto rois = regions_of(out);
  ASSERT_EQ(rois.size(), 1u);
  GstStructure* param = gst_video_region_of_interest_meta_get_param(rois[0], "classification");
  ASSERT_NE(param, nullptr);
  auto* meta = gst_buffer_get_vkcnn_classification_meta(out);
  ASSERT_EQ(meta->n_top, 4u);
  ASSERT_EQ(meta->n_classes, 10u);
  const GValue* ids = gst_structure_get_value(param, "label_ids");
  const GValue* all = gst_structure_get_value(param, "class_scores");
  ASSERT_TRUE(ids && all);
  ASSERT_EQ(gst_value_array_get_size(ids), 4u);
  ASSERT_EQ(gst_value_array_get_size(all), 10u);
  for (guint k = 0; k < 4; ++k) {
    EXPECT_EQ(g_value_get_int(gst_value_array_get_value(ids, k)), int(meta->top[k].class_id));
    EXPECT_FLOAT_EQ(g_value_get_double(gst_value_array_get_value(all, meta->top[k].class_id)), meta->top[k].score);
  }
  EXPECT_EQ(std::string(meta->source), "cam-1");
  gst_buffer_unref(out);
  auto lines = json_lines(path);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].at("source"), "cam-1");
  EXPECT_EQ(lines[0].at("class_scores").size(), 10u);
  EXPECT_TRUE(lines[0].at("regions").empty());
}

TEST(ClassifyRegions, ObjectClassWithAnEmptyNameIsRefusedWithAWarning) {
  Harnessed h("model=\"" + kModel + "\" object-class=car");
  g_object_set(h.element, "object-class", "car,,bus", nullptr);
  GstMessage* msg = h.pop(GST_MESSAGE_WARNING);
  ASSERT_NE(msg, nullptr);
  EXPECT_EQ(message_text(msg),
            "object-class \"car,,bus\": class 2 of 3 is empty (expected names separated by commas, e.g. "
            "\"car,truck\")");
  gst_message_unref(msg);
  gchar* kept = nullptr;
  g_object_get(h.element, "object-class", &kept, nullptr);
  EXPECT_STREQ(kept, "car");
  g_free(kept);
}

TEST(ClassifyRegions, StreamIdThatIsNotUtf8IsRefusedWithAWarning) {
  Harnessed h("model=\"" + kModel + "\" stream-id=cam-2");
  g_object_set(h.element, "stream-id", "cam\xff", nullptr);
  GstMessage* msg = h.pop(GST_MESSAGE_WARNING);
  ASSERT_NE(msg, nullptr);
  EXPECT_EQ(message_text(msg),
            "stream-id is not UTF-8 text (it goes into JSON lines and metas); keeping the previous one");
  gst_message_unref(msg);
  gchar* kept = nullptr;
  g_object_get(h.element, "stream-id", &kept, nullptr);
  EXPECT_STREQ(kept, "cam-2");
  g_free(kept);
}

TEST(ClassifyRegions, UnknownInferenceRegionIsAnErrorNamingTheValue) {
  GError* error = nullptr;
  GstElement* e = gst_parse_launch("vkcnnclassify inference-region=boxes", &error);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(std::string(error->message).find("boxes"), std::string::npos) << error->message;
  g_clear_error(&error);
  if (e) gst_object_unref(e);
}

}  // namespace
}  // namespace vkcnn::plugin_test
