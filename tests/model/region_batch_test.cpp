// RegionBatch: the regions of a frame, classified in chunks of batched passes, each get the
// output the model gives that region alone (its reference-preprocessed pixels, batch 1).
#include <gtest/gtest.h>

#include <cstring>
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
