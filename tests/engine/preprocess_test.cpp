#include "reference/preprocess.h"

#include <gtest/gtest.h>

#include <cstring>

#include <vkcnn/preprocess.h>

#include "support/gpu_test.h"

namespace vkcnn {
namespace {

struct Frame {
  FrameLayout layout;
  std::vector<uint8_t> bytes;
};

// A frame of random bytes whose rows are padded and whose planes sit at odd offsets with gaps,
// so a shader that assumes tight packing reads the wrong bytes.
Frame random_frame(PixelFormat format, uint32_t w, uint32_t h, std::mt19937& rng) {
  FrameLayout tight = FrameLayout::packed(format, w, h);
  FrameLayout l = tight;
  const uint32_t pad[3] = {5, 3, 7}, gap = 9;
  std::size_t at = 11;
  for (uint32_t i = 0; i < plane_count(format); ++i) {
    uint32_t rows = i == 0 ? h : (h + 1) / 2;
    l.stride[i] = tight.stride[i] + pad[i];
    l.offset[i] = at;
    at += std::size_t(rows) * l.stride[i] + gap;
  }
  l.size = at;
  Frame f{l, std::vector<uint8_t>(l.size)};
  std::uniform_int_distribution<int> byte(0, 255);
  for (auto& b : f.bytes) b = static_cast<uint8_t>(byte(rng));
  return f;
}

InputSpec input_spec(ColorOrder color, uint32_t w, uint32_t h, ResizeMode resize) {
  InputSpec in;
  in.width = w;
  in.height = h;
  in.color = color;
  in.resize = resize;
  if (color == ColorOrder::Gray) {
    in.channels = 1;
    in.mean = {0.286f};
    in.std = {0.353f};
  } else {
    in.channels = 3;
    in.mean = {0.485f, 0.456f, 0.406f};
    in.std = {0.229f, 0.224f, 0.225f};
  }
  return in;
}

// Preprocesses into image 1 of a batch of 2 and checks image 0 was left alone.
std::vector<float> run_gpu(const Frame& f, const InputSpec& in) {
  Context& ctx = test::context();
  Preprocessor pre(ctx, in, f.layout);
  std::memcpy(pre.frame_memory(), f.bytes.data(), f.bytes.size());
  Tensor dst(ctx, Shape{2, in.channels, in.height, in.width});
  const float sentinel = 123.f;
  dst.upload(std::vector<float>(dst.shape().count(), sentinel));
  run_once(ctx, [&](Recorder& rec) { pre.record(rec, dst.view(), 1); });
  std::vector<float> all = dst.download();
  const std::size_t per_image = dst.shape().per_image();
  for (std::size_t i = 0; i < per_image; ++i) {
    if (all[i] != sentinel) {
      ADD_FAILURE() << "image 0 was written at " << i;
      break;
    }
  }
  return {all.begin() + per_image, all.end()};
}

const char* name(ResizeMode r) { return to_string(r); }
const char* name(ColorOrder c) { return to_string(c); }

class PreprocessTest : public ::testing::TestWithParam<PixelFormat> {};

// Downscale, upscale and a tall frame (letterbox pads the sides, center-crop cuts the top and
// bottom), all odd sizes, into every model color order and resize mode; center-crop also with
// torchvision's crop of 0.875 of the shorter side.
TEST_P(PreprocessTest, MatchesReferenceForEveryResizeModeAndColorOnOddPaddedFrames) {
  std::mt19937 rng(17 + static_cast<int>(GetParam()));
  struct Size {
    uint32_t src_w, src_h, dst_w, dst_h;
  };
  for (Size s : {Size{37, 23, 13, 11}, Size{7, 5, 16, 9}, Size{9, 31, 12, 12}}) {
    Frame f = random_frame(GetParam(), s.src_w, s.src_h, rng);
    for (auto [resize, crop] : {std::pair{ResizeMode::Stretch, 1.f}, std::pair{ResizeMode::Letterbox, 1.f},
                                std::pair{ResizeMode::CenterCrop, 1.f}, std::pair{ResizeMode::CenterCrop, 0.875f}}) {
      for (ColorOrder color : {ColorOrder::Gray, ColorOrder::RGB, ColorOrder::BGR}) {
        InputSpec in = input_spec(color, s.dst_w, s.dst_h, resize);
        in.crop = crop;
        auto gpu = run_gpu(f, in);
        auto ref = reference::preprocess(f.bytes, f.layout, in);
        EXPECT_CLOSE_TO_REFERENCE(gpu, ref, test::kForwardTolerance,
                                  std::string(to_string(GetParam())) + " " + std::to_string(s.src_w) + "x" +
                                      std::to_string(s.src_h) + " -> " + std::to_string(s.dst_w) + "x" +
                                      std::to_string(s.dst_h) + " " + name(resize) + " " + std::to_string(crop) + " " +
                                      name(color));
      }
    }
  }
}

// Independent of the reference: a same-size stretch reads every pixel exactly once.
TEST_P(PreprocessTest, SameSizeStretchIsTheNormalisedFrame) {
  std::mt19937 rng(5);
  Frame f = random_frame(GetParam(), 11, 7, rng);
  InputSpec in = input_spec(ColorOrder::RGB, 11, 7, ResizeMode::Stretch);
  auto gpu = run_gpu(f, in);
  for (uint32_t y = 0; y < 7; ++y)
    for (uint32_t x = 0; x < 11; ++x) {
      auto rgb = reference::frame_rgb(f.bytes, f.layout, x, y);
      for (uint32_t c = 0; c < 3; ++c) {
        double want = (rgb[c] / 255.0 - in.mean[c]) / in.std[c];
        ASSERT_NEAR(gpu[(c * 7 + y) * 11 + x], want, 1e-4) << "pixel " << x << "," << y << " channel " << c;
      }
    }
}

INSTANTIATE_TEST_SUITE_P(AllFormats, PreprocessTest,
                         ::testing::Values(PixelFormat::RGB, PixelFormat::BGR, PixelFormat::RGBA, PixelFormat::BGRA,
                                           PixelFormat::RGBx, PixelFormat::BGRx, PixelFormat::GRAY8, PixelFormat::NV12,
                                           PixelFormat::I420),
                         [](const auto& info) { return std::string(to_string(info.param)); });

// BT.601 limited range: nominal white, black and red land on 255, 0 and (255, 0, 0).
TEST(Preprocess, Nv12NominalColorsConvertAsBt601LimitedRange) {
  struct Yuv {
    uint8_t y, u, v;
    float r, g, b;
  };
  for (Yuv c : {Yuv{235, 128, 128, 1, 1, 1}, Yuv{16, 128, 128, 0, 0, 0}, Yuv{81, 90, 240, 1, 0, 0}}) {
    Frame f{FrameLayout::packed(PixelFormat::NV12, 4, 2), {}};
    f.bytes.assign(f.layout.size, c.y);
    for (std::size_t i = f.layout.offset[1]; i < f.layout.size; i += 2) f.bytes[i] = c.u, f.bytes[i + 1] = c.v;
    InputSpec in = input_spec(ColorOrder::RGB, 2, 2, ResizeMode::Stretch);
    in.mean = {0, 0, 0};
    in.std = {1, 1, 1};
    auto gpu = run_gpu(f, in);
    EXPECT_NEAR(gpu[0], c.r, 2.0 / 255) << int(c.y) << "," << int(c.u) << "," << int(c.v);
    EXPECT_NEAR(gpu[4], c.g, 2.0 / 255) << int(c.y) << "," << int(c.u) << "," << int(c.v);
    EXPECT_NEAR(gpu[8], c.b, 2.0 / 255) << int(c.y) << "," << int(c.u) << "," << int(c.v);
  }
}

// A 16:9 frame letterboxed into a square: rows above and below are black, i.e. -mean/std.
TEST(Preprocess, LetterboxBordersAreBlackAndCentered) {
  std::mt19937 rng(3);
  Frame f = random_frame(PixelFormat::GRAY8, 32, 18, rng);
  for (std::size_t i = 0; i < f.bytes.size(); ++i) f.bytes[i] = 200;
  InputSpec in = input_spec(ColorOrder::Gray, 16, 16, ResizeMode::Letterbox);
  auto gpu = run_gpu(f, in);
  const float black = -in.mean[0] / in.std[0], frame = (200.f / 255 - in.mean[0]) / in.std[0];
  // 18 rows at half scale = 9 rows of frame, centered: rows 3..11, whose centers (y + 0.5) * 2 - 7 lie in [0, 18).
  for (uint32_t y = 0; y < 16; ++y)
    for (uint32_t x = 0; x < 16; ++x)
      ASSERT_NEAR(gpu[y * 16 + x], (y >= 3 && y < 12) ? frame : black, 1e-5) << "row " << y << " column " << x;
}

TEST(Preprocess, PackedLayoutOfOddSizedYuvRoundsChromaUp) {
  FrameLayout nv12 = FrameLayout::packed(PixelFormat::NV12, 7, 5);
  EXPECT_EQ(nv12.stride[1], 8u);
  EXPECT_EQ(nv12.offset[1], 35u);
  EXPECT_EQ(nv12.size, 35u + 8 * 3);
  FrameLayout i420 = FrameLayout::packed(PixelFormat::I420, 7, 5);
  EXPECT_EQ(i420.stride[2], 4u);
  EXPECT_EQ(i420.offset[2], 35u + 12);
  EXPECT_EQ(i420.size, 35u + 24);
}

TEST(Preprocess, FrameThatDoesNotHoldItsPlanesIsRejected) {
  FrameLayout l = FrameLayout::packed(PixelFormat::I420, 8, 8);
  l.size -= 1;
  try {
    Preprocessor pre(test::context(), input_spec(ColorOrder::RGB, 4, 4, ResizeMode::Stretch), l);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("I420 8x8 frame: plane 2 ends at byte 96, past the frame's 95 bytes"),
              std::string::npos)
        << e.what();
  }
}

TEST(Preprocess, DestinationOfTheWrongShapeIsRejected) {
  Preprocessor pre(test::context(), input_spec(ColorOrder::RGB, 4, 4, ResizeMode::Stretch),
                   FrameLayout::packed(PixelFormat::RGB, 8, 8));
  Tensor dst(test::context(), Shape{1, 1, 4, 4});
  Recorder rec(test::context());
  rec.begin();
  try {
    pre.record(rec, dst.view(), 0);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("(N, 3, 4, 4) tensor, got (1, 1, 4, 4)"), std::string::npos) << e.what();
  }
}

TEST(Preprocess, FrameBufferSmallerThanTheLayoutIsRejected) {
  // A frame read from its own buffer (an import) must hold the whole layout: 8x8 RGB is 192 bytes.
  Preprocessor pre(test::context(), input_spec(ColorOrder::RGB, 4, 4, ResizeMode::Stretch),
                   FrameLayout::packed(PixelFormat::RGB, 8, 8));
  Tensor dst(test::context(), Shape{1, 3, 4, 4});
  Buffer small(test::context(), 100, MemoryKind::Upload);
  const Buffer params(test::context(), Preprocessor::region_params_bytes(1), MemoryKind::Upload);
  const std::vector<FrameRegion> regions = {{0, 0, 4, 4}};
  const std::string expected = "RGB 8x8 frame: the frame's buffer holds 100 bytes, the layout needs 192";
  Recorder rec(test::context());
  rec.begin();
  try {
    pre.record(rec, dst.view(), 0, &small);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), expected);
  }
  try {
    pre.record_regions(rec, dst.view(), regions, params, &small);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), expected);
  }
}

}  // namespace
}  // namespace vkcnn
