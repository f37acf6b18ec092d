// RegionBatch: the regions of a frame, classified in chunks of batched passes, each get the
// output the model gives that region alone (its reference-preprocessed pixels, batch 1).
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>

#include <vkcnn/model/init.h>
#include <vkcnn/model/region_batch.h>

#include "reference/preprocess.h"
#include "support/gpu_test.h"
#include "support/tiny_model.h"

namespace vkcnn {
namespace {

struct TinyModel {
  ModelSpec spec = parse_model_spec(test::kTinyRgbArch, "tiny-rgb");
  Graph graph{spec, spec.name};
  Model model{test::context(), spec, initialize_weights(graph, 9), spec.name};
};

TEST(RegionBatch, EachRegionGetsTheOutputOfThatRegionAloneAcrossChunks) {
  TinyModel m;
  const FrameLayout layout = FrameLayout::packed(PixelFormat::BGRx, 53, 31);
  std::mt19937 rng(4);
  std::vector<uint8_t> frame(layout.size);
  for (auto& b : frame) b = static_cast<uint8_t>(rng());
  const std::vector<FrameRegion> regions = {
      {0, 0, 53, 31}, {3, 1, 9, 13}, {40, 20, 13, 11}, {7, 7, 1, 3}, {20, 4, 17, 5}};
  ForwardPlan single(m.model, 1);
  std::vector<std::vector<float>> alone;
  for (const FrameRegion& r : regions) {
    auto ref = reference::preprocess_region(frame, layout, m.spec.input, r);
    alone.push_back(single.run(std::vector<float>(ref.begin(), ref.end())));
  }
  ASSERT_NE(alone[0], alone[1]) << "the regions must give different outputs";
  const std::size_t classes = m.model.classes();
  for (uint32_t max_batch : {1u, 2u, 3u, 8u}) {
    RegionBatch rb(m.model, layout, max_batch);
    std::memcpy(rb.frame_memory(), frame.data(), frame.size());
    auto out = rb.run(regions);
    ASSERT_EQ(out.size(), regions.size() * classes);
    for (std::size_t i = 0; i < regions.size(); ++i)
      EXPECT_CLOSE_TO_REFERENCE(std::span<const float>(out.data() + i * classes, classes), test::to_double(alone[i]),
                                test::kForwardTolerance,
                                "region " + std::to_string(i) + " with max batch " + std::to_string(max_batch));
    EXPECT_EQ(rb.passes(), (regions.size() + max_batch - 1) / max_batch);
    // The same batch again (plans are reused) gives the same outputs.
    EXPECT_EQ(rb.run(regions), out);
    EXPECT_TRUE(rb.run({}).empty());
  }
}

TEST(RegionBatch, FramesInFlightEachGetTheirOwnRegionsOutputs) {
  // Three slots, each holding its own frame and a different number of regions (one frame more
  // than a chunk), submitted before any is waited for, and waited for out of order.
  TinyModel m;
  const FrameLayout layout = FrameLayout::packed(PixelFormat::RGB, 29, 23);
  const std::vector<std::vector<FrameRegion>> regions = {
      {{0, 0, 29, 23}, {2, 3, 11, 7}},
      {{5, 5, 9, 9}},
      {{1, 1, 27, 21}, {20, 10, 9, 13}, {0, 19, 6, 4}, {11, 2, 3, 3}, {6, 6, 17, 1}}};
  std::vector<std::vector<uint8_t>> frames;
  std::vector<std::vector<float>> alone;  // per frame, its regions' outputs one at a time
  RegionBatch one_at_a_time(m.model, layout, 4);
  for (std::size_t f = 0; f < regions.size(); ++f) {
    std::mt19937 rng(40 + f);
    frames.emplace_back(layout.size);
    for (auto& b : frames.back()) b = static_cast<uint8_t>(rng());
    std::memcpy(one_at_a_time.frame_memory(), frames.back().data(), layout.size);
    alone.push_back(one_at_a_time.run(regions[f]));
  }
  ASSERT_NE(alone[0], std::vector<float>(alone[2].begin(), alone[2].begin() + alone[0].size()));

  RegionBatch rb(m.model, layout, 4, Precision::Fp32, 3);
  std::vector<RegionBatch::Ticket> tickets;
  for (std::size_t f = 0; f < regions.size(); ++f) {
    std::memcpy(rb.frame_memory(), frames[f].data(), layout.size);
    tickets.push_back(rb.submit(regions[f]));
  }
  EXPECT_TRUE(rb.full());
  EXPECT_EQ(rb.passes(), 4u) << "one pass per chunk of at most 4 regions";
  try {
    rb.frame_memory();
    FAIL() << "no error with every slot in flight";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "tiny-rgb: all 3 region frame slots are in flight; wait for one before submitting another frame");
  }
  for (std::size_t f : {2u, 0u, 1u}) EXPECT_EQ(rb.wait(tickets[f]), alone[f]) << "frame " << f;
  EXPECT_EQ(rb.in_flight(), 0u);
  try {
    rb.wait(tickets[0]);
    FAIL() << "a ticket is waited for once";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "tiny-rgb: region frame ticket " + std::to_string(tickets[0]) + " is not in flight");
  }

  // A flush: frames in flight are dropped, their slots free again.
  for (std::size_t f = 0; f < 2; ++f) {
    std::memcpy(rb.frame_memory(), frames[f].data(), layout.size);
    rb.submit(regions[f]);
  }
  rb.discard();
  EXPECT_EQ(rb.in_flight(), 0u);
  std::memcpy(rb.frame_memory(), frames[2].data(), layout.size);
  EXPECT_EQ(rb.run(regions[2]), alone[2]);
}

TEST(RegionBatch, FramesReadInPlaceGetTheOutputsOfCopiedOnes) {
  TinyModel m;
  const FrameLayout layout = FrameLayout::packed(PixelFormat::BGRx, 37, 21);
  const std::vector<FrameRegion> regions = {{0, 0, 37, 21}, {4, 2, 13, 11}, {30, 15, 7, 6}};
  std::vector<std::vector<uint8_t>> frames;
  std::vector<std::vector<float>> copied;
  RegionBatch one(m.model, layout, 2);
  for (uint32_t f = 0; f < 3; ++f) {
    std::mt19937 rng(70 + f);
    frames.emplace_back(layout.size);
    for (auto& b : frames.back()) b = static_cast<uint8_t>(rng());
    std::memcpy(one.frame_memory(), frames.back().data(), layout.size);
    copied.push_back(one.run(regions));
  }
  RegionBatch rb(m.model, layout, 2, Precision::Fp32, 2);
  const std::size_t align = test::context().info().host_import_alignment;
  if (align == 0) {
    // A device without VK_EXT_external_memory_host: nothing is submitted, the caller copies.
    EXPECT_EQ(rb.submit_in_place(frames[0].data(), regions), 0u);
    EXPECT_EQ(rb.in_flight(), 0u);
    return;
  }
  const std::size_t stride = (layout.size + align - 1) / align * align;
  std::unique_ptr<void, decltype(&std::free)> memory(std::aligned_alloc(align, stride * 3), &std::free);
  ASSERT_TRUE(memory);
  auto* base = static_cast<uint8_t*>(memory.get());
  for (uint32_t f = 0; f < 3; ++f) std::memcpy(base + f * stride, frames[f].data(), layout.size);
  // Frame 1 copied, 0 and 2 in place; two in flight at a time.
  const RegionBatch::Ticket t0 = rb.submit_in_place(base, regions);
  std::memcpy(rb.frame_memory(), frames[1].data(), layout.size);
  const RegionBatch::Ticket t1 = rb.submit(regions);
  ASSERT_NE(t0, 0u);
  EXPECT_EQ(rb.wait(t0), copied[0]);
  const RegionBatch::Ticket t2 = rb.submit_in_place(base + 2 * stride, regions);
  ASSERT_NE(t2, 0u);
  EXPECT_EQ(rb.wait(t1), copied[1]);
  EXPECT_EQ(rb.wait(t2), copied[2]);
  EXPECT_EQ(rb.submit_in_place(base + 4, regions), 0u) << "memory off the alignment is copied";
  EXPECT_EQ(rb.in_flight(), 0u);
}

TEST(RegionBatch, ARegionOutsideTheFrameIsRejectedAndTakesNoSlot) {
  TinyModel m;
  const FrameLayout layout = FrameLayout::packed(PixelFormat::RGB, 8, 8);
  RegionBatch rb(m.model, layout, 2);
  const std::vector<FrameRegion> outside = {{0, 0, 4, 4}, {6, 6, 4, 4}};
  EXPECT_THROW(rb.submit(outside), Error);
  EXPECT_EQ(rb.in_flight(), 0u);
  EXPECT_EQ(rb.run(std::vector<FrameRegion>{{0, 0, 4, 4}}).size(), m.model.classes());
}

TEST(RegionBatch, ZeroSlotsAreRejected) {
  TinyModel m;
  try {
    RegionBatch rb(m.model, FrameLayout::packed(PixelFormat::RGB, 8, 8), 2, Precision::Fp32, 0);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "tiny-rgb: frames in flight need at least one slot");
  }
}

TEST(RegionBatch, ZeroMaximumBatchIsRejected) {
  TinyModel m;
  try {
    RegionBatch rb(m.model, FrameLayout::packed(PixelFormat::RGB, 8, 8), 0);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "tiny-rgb: region batches need a maximum batch of at least 1");
  }
}

}  // namespace
}  // namespace vkcnn
