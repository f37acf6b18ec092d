// Regions of a frame preprocessed in one dispatch (Preprocessor::record_regions), each image
// against the double-precision reference of that region alone, on odd crops of padded frames.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include <vkcnn/preprocess.h>

#include "reference/preprocess.h"
#include "support/gpu_test.h"

namespace vkcnn {
namespace {

struct Frame {
  FrameLayout layout;
  std::vector<uint8_t> bytes;
};

// Random bytes with padded rows and planes at odd offsets, so tight-packing assumptions fail.
Frame random_frame(PixelFormat format, uint32_t w, uint32_t h, std::mt19937& rng) {
  FrameLayout l = FrameLayout::packed(format, w, h);
  std::size_t at = 7;
  for (uint32_t i = 0; i < plane_count(format); ++i) {
    const uint32_t rows = i == 0 ? h : (h + 1) / 2;
    l.stride[i] += 3 + 2 * i;
    l.offset[i] = at;
    at += std::size_t(rows) * l.stride[i] + 5;
  }
  l.size = at;
  Frame f{l, std::vector<uint8_t>(l.size)};
  for (auto& b : f.bytes) b = static_cast<uint8_t>(rng());
  return f;
}

InputSpec input_spec(ColorOrder color, uint32_t w, uint32_t h, ResizeMode resize) {
  InputSpec in;
  in.width = w;
  in.height = h;
  in.color = color;
  in.resize = resize;
  in.channels = color == ColorOrder::Gray ? 1 : 3;
  in.mean = color == ColorOrder::Gray ? std::vector<float>{0.3f} : std::vector<float>{0.485f, 0.456f, 0.406f};
  in.std = color == ColorOrder::Gray ? std::vector<float>{0.35f} : std::vector<float>{0.229f, 0.224f, 0.225f};
  return in;
}

// Odd offsets and sizes, a 1x1 and a one-row region, regions touching each edge, the whole
// frame, and two overlapping ones; the frame is 41x29.
const std::vector<FrameRegion> kRegions = {{3, 5, 17, 11}, {0, 0, 1, 1},    {40, 28, 1, 1}, {0, 0, 41, 29},
                                           {1, 27, 39, 1}, {28, 2, 13, 27}, {5, 7, 9, 19},  {6, 8, 9, 19}};

std::vector<float> run_regions(const Frame& f, const InputSpec& in, std::span<const FrameRegion> regions,
                               uint32_t batch) {
  Context& ctx = test::context();
  Preprocessor pre(ctx, in, f.layout);
  std::memcpy(pre.frame_memory(), f.bytes.data(), f.bytes.size());
  Tensor dst(ctx, Shape{batch, in.channels, in.height, in.width});
  const float sentinel = 321.f;
  dst.upload(std::vector<float>(dst.shape().count(), sentinel));
  Buffer params(ctx, Preprocessor::region_params_bytes(regions.size()), MemoryKind::Upload);
  run_once(ctx, [&](Recorder& rec) { pre.record_regions(rec, dst.view(), regions, params); });
  return dst.download();
}

class PreprocessRegionsTest : public ::testing::TestWithParam<PixelFormat> {};

TEST_P(PreprocessRegionsTest, EveryRegionMatchesTheReferenceOfThatRegionAlone) {
  std::mt19937 rng(23 + static_cast<int>(GetParam()));
  Frame f = random_frame(GetParam(), 41, 29, rng);
  for (ResizeMode resize : {ResizeMode::Stretch, ResizeMode::Letterbox, ResizeMode::CenterCrop}) {
    for (ColorOrder color : {ColorOrder::Gray, ColorOrder::RGB, ColorOrder::BGR}) {
      InputSpec in = input_spec(color, 13, 7, resize);
      // One image more than regions: the last must stay untouched.
      const auto batch = static_cast<uint32_t>(kRegions.size() + 1);
      auto all = run_regions(f, in, kRegions, batch);
      const std::size_t per_image = std::size_t(in.channels) * in.height * in.width;
      for (std::size_t i = 0; i < kRegions.size(); ++i) {
        std::span<const float> gpu(all.data() + i * per_image, per_image);
        auto ref = reference::preprocess_region(f.bytes, f.layout, in, kRegions[i]);
        const FrameRegion& r = kRegions[i];
        EXPECT_CLOSE_TO_REFERENCE(gpu, ref, test::kForwardTolerance,
                                  std::string(to_string(GetParam())) + " region " + std::to_string(r.width) + "x" +
                                      std::to_string(r.height) + "+" + std::to_string(r.x) + "+" + std::to_string(r.y) +
                                      " " + to_string(resize) + " " + to_string(color));
      }
      for (std::size_t j = kRegions.size() * per_image; j < all.size(); ++j)
        ASSERT_EQ(all[j], 321.f) << "the image after the last region was written at " << j;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllFormats, PreprocessRegionsTest,
                         ::testing::Values(PixelFormat::RGB, PixelFormat::BGR, PixelFormat::RGBA, PixelFormat::BGRA,
                                           PixelFormat::RGBx, PixelFormat::BGRx, PixelFormat::GRAY8, PixelFormat::NV12,
                                           PixelFormat::I420),
                         [](const auto& info) { return std::string(to_string(info.param)); });

// The whole frame as a region is exactly what record() makes of the frame.
TEST(PreprocessRegions, WholeFrameRegionEqualsFramePreprocessing) {
  std::mt19937 rng(8);
  Frame f = random_frame(PixelFormat::NV12, 37, 23, rng);
  InputSpec in = input_spec(ColorOrder::RGB, 11, 9, ResizeMode::Letterbox);
  const FrameRegion whole{0, 0, 37, 23};
  auto regions = run_regions(f, in, std::span(&whole, 1), 1);
  Context& ctx = test::context();
  Preprocessor pre(ctx, in, f.layout);
  std::memcpy(pre.frame_memory(), f.bytes.data(), f.bytes.size());
  Tensor dst(ctx, Shape{1, 3, 9, 11});
  run_once(ctx, [&](Recorder& rec) { pre.record(rec, dst.view(), 0); });
  EXPECT_EQ(regions, dst.download());
}

std::string region_error(const FrameRegion& r) {
  Context& ctx = test::context();
  Preprocessor pre(ctx, input_spec(ColorOrder::RGB, 4, 4, ResizeMode::Stretch),
                   FrameLayout::packed(PixelFormat::RGB, 20, 10));
  Tensor dst(ctx, Shape{2, 3, 4, 4});
  Buffer params(ctx, Preprocessor::region_params_bytes(2), MemoryKind::Upload);
  const FrameRegion regions[] = {{0, 0, 20, 10}, r};
  Recorder rec(ctx);
  rec.begin();
  try {
    pre.record_regions(rec, dst.view(), regions, params);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(PreprocessRegions, RegionOutsideTheFrameOrEmptyIsRejectedByNumber) {
  EXPECT_EQ(region_error({15, 2, 6, 3}), "region 1 (6x3 at 15,2) is empty or not inside the RGB 20x10 frame");
  EXPECT_EQ(region_error({0, 10, 1, 1}), "region 1 (1x1 at 0,10) is empty or not inside the RGB 20x10 frame");
  EXPECT_EQ(region_error({4, 4, 0, 3}), "region 1 (0x3 at 4,4) is empty or not inside the RGB 20x10 frame");
  // Sizes that wrap around in 32 bits must not pass as inside.
  EXPECT_EQ(region_error({5, 0, 0xFFFFFFFFu, 2}),
            "region 1 (4294967295x2 at 5,0) is empty or not inside the RGB 20x10 frame");
}

TEST(PreprocessRegions, MoreRegionsThanImagesAreRejected) {
  Context& ctx = test::context();
  Preprocessor pre(ctx, input_spec(ColorOrder::RGB, 4, 4, ResizeMode::Stretch),
                   FrameLayout::packed(PixelFormat::RGB, 8, 8));
  Tensor dst(ctx, Shape{1, 3, 4, 4});
  Buffer params(ctx, Preprocessor::region_params_bytes(2), MemoryKind::Upload);
  const FrameRegion regions[] = {{0, 0, 2, 2}, {2, 2, 2, 2}};
  Recorder rec(ctx);
  rec.begin();
  try {
    pre.record_regions(rec, dst.view(), regions, params);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("writes 2 region images of a (N, 3, 4, 4) tensor, got (1, 3, 4, 4)"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace vkcnn
