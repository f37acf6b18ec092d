// The fp32 <-> fp16 conversion plans insert between layers, against binary16 rounding in double.
#include "layers/cast.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "reference/fp16.h"
#include "support/gpu_test.h"

namespace vkcnn {
namespace {

// x through fp16 and back on the device.
std::vector<float> round_trip(const std::vector<float>& x) {
  const Shape shape{1, 1, 1, static_cast<uint32_t>(x.size())};
  Tensor in(test::context(), shape), out(test::context(), shape);
  in.upload(x);
  Buffer half(test::context(), x.size() * 2, MemoryKind::Device);
  const TensorView half_view{shape, &half, true};
  run_once(test::context(), [&](Recorder& rec) {
    record_cast(rec, in.view(), half_view);
    record_cast(rec, half_view, out.view());
  });
  return out.download();
}

TEST(Cast, RoundTripRoundsToNearestEvenAcrossTheRange) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> exponent(-30.0, 17.0), mantissa(1.0, 2.0);
  std::vector<float> x;
  for (int i = 0; i < 4099; ++i)  // odd count: a partial last workgroup
    x.push_back(static_cast<float>((i % 2 ? -1 : 1) * mantissa(rng) * std::exp2(std::floor(exponent(rng)))));
  // Exact ties (round to even), the largest finite value, the overflow boundary, subnormals.
  for (float v : {1.0f + 1.0f / 2048, 1.0f + 3.0f / 2048, 65504.f, 65519.f, 65520.f, -70000.f, 0x1p-24f, 0x1p-25f,
                  0x1.8p-25f, 3e-6f, 0.f, -0.f})
    x.push_back(v);
  const std::vector<float> got = round_trip(x);
  ASSERT_EQ(got.size(), x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double want = reference::round_to_fp16(x[i]);
    EXPECT_EQ(static_cast<double>(got[i]), want) << "x = " << x[i] << " (index " << i << ")";
  }
}

TEST(Cast, RefusesViewsOfTheSamePrecisionOrSize) {
  Tensor a(test::context(), Shape{1, 1, 1, 4}), b(test::context(), Shape{1, 1, 1, 5});
  try {
    run_once(test::context(), [&](Recorder& rec) { record_cast(rec, a.view(), b.view()); });
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(e.what(), "cast: from (1, 1, 1, 4) fp32 to (1, 1, 1, 5) fp32");
  }
}

}  // namespace
}  // namespace vkcnn
