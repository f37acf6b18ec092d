#include "layers/maxpool2d.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "reference/maxpool2d.h"
#include "support/gpu_test.h"

namespace vkcnn {
namespace {

using test::HostTensor;

struct Case {
  const char* what;
  Shape in;
  reference::Pool2dConfig c;
};

nlohmann::json spec_of(const reference::Pool2dConfig& c) {
  return {{"type", "maxpool2d"},     {"kernel", {c.kh, c.kw}},   {"stride", {c.sh, c.sw}},
          {"padding", {c.ph, c.pw}}, {"dilation", {c.dh, c.dw}}, {"ceil_mode", c.ceil_mode}};
}

// Odd sizes; each line exercises one feature of nn.MaxPool2d.
const Case kCases[] = {
    {"2x2 stride 2 (refcnn)", {2, 3, 12, 10}, {2, 2, 2, 2}},
    {"3x3 stride 2 pad 1 (ResNet stem)", {2, 3, 13, 11}, {3, 3, 2, 2, 1, 1}},
    {"3x3 stride 1 pad 1, overlapping", {3, 2, 13, 11}, {3, 3, 1, 1, 1, 1}},
    {"3x2 stride (2,1) pad (1,0) dilation (2,1)", {2, 3, 13, 11}, {3, 2, 2, 1, 1, 0, 2, 1}},
    {"3x3 stride 2 ceil_mode", {2, 3, 12, 10}, {3, 3, 2, 2, 0, 0, 1, 1, true}},
    {"2x2 stride 2 pad 1 ceil_mode, last window dropped", {1, 3, 13, 11}, {2, 2, 2, 2, 1, 1, 1, 1, true}},
    {"5x3 stride (3,2) pad (2,1) ceil_mode", {2, 2, 13, 11}, {5, 3, 3, 2, 2, 1, 1, 1, true}},
    {"2x3 stride (3,4) pad 1 dilation (2,1), gaps between windows", {2, 3, 13, 11}, {2, 3, 3, 4, 1, 1, 2, 1}},
};

// Whether backward may scatter: no input element in two windows (MaxPool2dLayer's rule, restated).
bool windows_are_disjoint(const reference::Pool2dConfig& c) {
  return c.sh >= c.dh * (c.kh - 1) + 1 && c.sw >= c.dw * (c.kw - 1) + 1;
}

// Distinct values at least 0.01 apart, shuffled: every argmax is unique and stays the argmax
// under a finite-difference step of 1e-5.
std::vector<float> distinct_floats(std::size_t n, std::mt19937& rng) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = 0.01f * (float(i) - float(n) / 2);
  std::shuffle(v.begin(), v.end(), rng);
  return v;
}

TEST(MaxPool2d, OutputShapeFollowsPyTorchFormula) {
  // The engine's closed form against the reference's window-by-window count.
  for (int in = 1; in <= 16; ++in)
    for (int k = 1; k <= 5; ++k)
      for (int s = 1; s <= 3; ++s)
        for (int p = 0; p <= k / 2; ++p)
          for (int d = 1; d <= 2; ++d)
            for (bool ceil : {false, true}) {
              reference::Pool2dConfig c{k, 1, s, 1, p, 0, d, 1, ceil};
              auto layer = make_layer(spec_of(c), "p");
              Shape x{1, 1, uint32_t(in), 1};
              int expected = reference::pool_output_extent(in, k, s, p, d, ceil);
              SCOPED_TRACE("in " + std::to_string(in) + " k " + std::to_string(k) + " s " + std::to_string(s) + " p " +
                           std::to_string(p) + " d " + std::to_string(d) + " ceil " + std::to_string(ceil));
              if (expected <= 0) {
                EXPECT_THROW(layer->output_shape(std::span(&x, 1)), Error);
              } else {
                EXPECT_EQ(layer->output_shape(std::span(&x, 1)).h, uint32_t(expected));
              }
            }
}

TEST(MaxPool2d, ForwardMatchesReferenceOnOddShapes) {
  std::mt19937 rng(3);
  for (const Case& k : kCases) {
    auto layer = make_layer(spec_of(k.c), "p1");
    Shape out = layer->output_shape(std::span(&k.in, 1));
    ASSERT_EQ(out, reference::pool_output_shape(k.c, k.in)) << k.what;
    auto x = test::random_floats(k.in.count(), rng);
    auto ref = reference::maxpool2d_forward(k.c, k.in, test::to_double(x)).y;
    // Inference (no argmax stored) and training (argmax into scratch) take different paths.
    for (bool training : {false, true}) {
      auto y = test::run_forward(*layer, {HostTensor{k.in, x}}, {}, training);
      EXPECT_CLOSE_TO_REFERENCE(y, ref, test::kForwardTolerance,
                                std::string(k.what) + (training ? " training " : " ") + k.in.str());
    }
  }
}

TEST(MaxPool2d, BackwardAccumulatesAndMatchesReferenceAndFiniteDifferences) {
  std::mt19937 rng(5);
  const float grad_init = 0.5f;
  int scattered = 0;
  for (const Case& k : kCases) {
    Shape out = reference::pool_output_shape(k.c, k.in);
    auto x = distinct_floats(k.in.count(), rng);
    auto dy = test::random_floats(out.count(), rng);
    auto xd = test::to_double(x), dyd = test::to_double(dy);
    auto expected = reference::maxpool2d_backward(k.c, k.in, xd, dyd);
    auto loss = [&](const std::vector<double>& in) {
      auto y = reference::maxpool2d_forward(k.c, k.in, in).y;
      return std::inner_product(y.begin(), y.end(), dyd.begin(), 0.0);
    };
    auto numeric = test::numeric_gradient(loss, xd);
    // Each way of routing the gradient that this geometry allows, forced in turn.
    std::vector<const char*> ways{"gather"};
    if (windows_are_disjoint(k.c)) ways.push_back("scatter"), ++scattered;
    for (const char* way : ways) {
      auto spec = spec_of(k.c);
      spec["backward"] = way;
      auto layer = make_layer(spec, "p1");
      auto r = test::run_backward(*layer, {HostTensor{k.in, x}}, {}, dy, 0, grad_init);
      // What backward added on top of grad_init (an overwrite instead of += fails here).
      auto added = r.grad_inputs[0];
      for (float& g : added) g -= grad_init;
      const std::string what = std::string(k.what) + " (" + way + ")";
      EXPECT_CLOSE_TO_REFERENCE(added, expected, test::kBackwardTolerance, what);
      EXPECT_CLOSE_TO_REFERENCE(added, numeric, test::kBackwardTolerance, what + " vs finite differences");
    }
  }
  EXPECT_EQ(scattered, 3) << "the cases should give scatter three geometries";
}

// Few distinct values, so most windows hold ties: the gradient must go to the first maximum
// in window order, as PyTorch sends it.
TEST(MaxPool2d, TiesSendTheGradientToTheFirstMaximum) {
  std::mt19937 rng(9);
  const Case& k = kCases[2];  // overlapping windows
  auto layer = make_layer(spec_of(k.c), "p1");
  std::vector<float> x(k.in.count());
  std::uniform_int_distribution<int> level(0, 2);
  for (float& v : x) v = float(level(rng));
  Shape out = reference::pool_output_shape(k.c, k.in);
  auto dy = test::random_floats(out.count(), rng);
  auto r = test::run_backward(*layer, {HostTensor{k.in, x}}, {}, dy);
  auto expected = reference::maxpool2d_backward(k.c, k.in, test::to_double(x), test::to_double(dy));
  EXPECT_CLOSE_TO_REFERENCE(r.grad_inputs[0], expected, test::kBackwardTolerance, "ties");
}

// The message make_layer or output_shape throws for this spec and input ("no error" if none).
std::string error_of(const nlohmann::json& spec, Shape in = {1, 1, 8, 8}) {
  try {
    auto layer = make_layer(spec, "p1");
    layer->output_shape(std::span(&in, 1));
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(MaxPool2d, BadAttributesAreRejectedNamingTheLayer) {
  EXPECT_CONTAINS(error_of({{"type", "maxpool2d"}}), "layer 'p1': missing attribute \"kernel\"");
  EXPECT_CONTAINS(error_of({{"type", "maxpool2d"}, {"kernel", 3}, {"padding", 2}}),
                  "layer 'p1': padding 2 is more than half the kernel 3");
  EXPECT_CONTAINS(error_of({{"type", "maxpool2d"}, {"kernel", 2}, {"stride", 0}}), "\"stride\" must be positive");
  EXPECT_CONTAINS(error_of({{"type", "maxpool2d"}, {"kernel", {2, 3, 4}}}), "\"kernel\" must be an integer or [h, w]");
  EXPECT_CONTAINS(error_of({{"type", "maxpool2d"}, {"kernel", 3}, {"stride", 2}, {"backward", "scatter"}}),
                  "layer 'p1': backward \"scatter\" needs windows that cannot overlap");
  EXPECT_CONTAINS(error_of({{"type", "maxpool2d"}, {"kernel", 2}, {"backward", "fast"}}),
                  "layer 'p1': attribute \"backward\" must be \"auto\", \"gather\" or \"scatter\", not \"fast\"");
  EXPECT_CONTAINS(error_of({{"type", "maxpool2d"}, {"kernel", 5}}, {1, 1, 3, 9}),
                  "maxpool2d 'p1': input (1, 1, 3, 9) is smaller than the window (kernel [5, 5]");
  EXPECT_CONTAINS(error_of({{"type", "maxpool2d"}, {"kernel", 2}}, {1u << 16, 256, 256, 128}),
                  "maxpool2d 'p1': input (65536, 256, 256, 128) or output (65536, 256, 128, 64) has 2^31 elements or more");
}

}  // namespace
}  // namespace vkcnn
