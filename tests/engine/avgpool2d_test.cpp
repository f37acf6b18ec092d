#include "layers/avgpool2d.h"

#include <gtest/gtest.h>

#include <numeric>

#include "reference/avgpool2d.h"
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
  return {{"type", "avgpool2d"},     {"kernel", {c.kh, c.kw}},   {"stride", {c.sh, c.sw}},
          {"padding", {c.ph, c.pw}}, {"ceil_mode", c.ceil_mode}, {"count_include_pad", c.count_include_pad}};
}

// Odd sizes; each line exercises one feature of nn.AvgPool2d. Fields: kh, kw, sh, sw, ph, pw,
// dh, dw (always 1), ceil_mode, count_include_pad.
const Case kCases[] = {
    {"2x2 stride 2", {2, 3, 12, 10}, {2, 2, 2, 2}},
    {"3x3 stride 2 pad 1", {2, 3, 13, 11}, {3, 3, 2, 2, 1, 1}},
    {"3x3 stride 2 pad 1, pad not counted", {2, 3, 13, 11}, {3, 3, 2, 2, 1, 1, 1, 1, false, false}},
    {"3x3 stride 1 pad 1, overlapping", {3, 2, 13, 11}, {3, 3, 1, 1, 1, 1}},
    {"3x2 stride (2,1) pad (1,0)", {2, 3, 13, 11}, {3, 2, 2, 1, 1, 0}},
    // ceil_mode windows that hang past the padding: their divisor stops at the padded edge.
    {"3x3 stride 2 ceil_mode", {2, 3, 12, 10}, {3, 3, 2, 2, 0, 0, 1, 1, true}},
    {"3x3 stride 2 pad 1 ceil_mode", {2, 3, 12, 10}, {3, 3, 2, 2, 1, 1, 1, 1, true}},
    {"4x4 stride 3 pad 2 ceil_mode, pad not counted", {2, 2, 13, 11}, {4, 4, 3, 3, 2, 2, 1, 1, true, false}},
};

TEST(AvgPool2d, ForwardMatchesReferenceOnOddShapes) {
  std::mt19937 rng(3);
  for (const Case& k : kCases) {
    auto layer = make_layer(spec_of(k.c), "a1");
    ASSERT_EQ(layer->output_shape(std::span(&k.in, 1)), reference::pool_output_shape(k.c, k.in)) << k.what;
    auto x = test::random_floats(k.in.count(), rng);
    auto y = test::run_forward(*layer, {HostTensor{k.in, x}}, {});
    auto ref = reference::avgpool2d_forward(k.c, k.in, test::to_double(x));
    EXPECT_CLOSE_TO_REFERENCE(y, ref, test::kForwardTolerance, std::string(k.what) + " " + k.in.str());
  }
}

TEST(AvgPool2d, BackwardAccumulatesAndMatchesReferenceAndFiniteDifferences) {
  std::mt19937 rng(5);
  const float grad_init = -0.25f;
  for (const Case& k : kCases) {
    auto layer = make_layer(spec_of(k.c), "a1");
    Shape out = reference::pool_output_shape(k.c, k.in);
    auto x = test::random_floats(k.in.count(), rng);
    auto dy = test::random_floats(out.count(), rng);
    auto r = test::run_backward(*layer, {HostTensor{k.in, x}}, {}, dy, 0, grad_init);

    auto xd = test::to_double(x), dyd = test::to_double(dy);
    auto expected = reference::avgpool2d_backward(k.c, k.in, dyd);
    auto loss = [&](const std::vector<double>& in) {
      auto y = reference::avgpool2d_forward(k.c, k.in, in);
      return std::inner_product(y.begin(), y.end(), dyd.begin(), 0.0);
    };
    auto numeric = test::numeric_gradient(loss, xd);
    // What backward added on top of grad_init (an overwrite instead of += fails here).
    auto added = r.grad_inputs[0];
    for (float& g : added) g -= grad_init;
    EXPECT_CLOSE_TO_REFERENCE(added, expected, test::kBackwardTolerance, k.what);
    EXPECT_CLOSE_TO_REFERENCE(added, numeric, test::kBackwardTolerance, std::string(k.what) + " vs finite differences");
  }
}

// The message make_layer or output_shape throws for this spec and input ("no error" if none).
std::string error_of(const nlohmann::json& spec, Shape in = {1, 1, 8, 8}) {
  try {
    auto layer = make_layer(spec, "a1");
    layer->output_shape(std::span(&in, 1));
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(AvgPool2d, BadAttributesAreRejectedNamingTheLayer) {
  EXPECT_CONTAINS(error_of({{"type", "avgpool2d"}}), "layer 'a1': missing attribute \"kernel\"");
  EXPECT_CONTAINS(error_of({{"type", "avgpool2d"}, {"kernel", {2, 4}}, {"padding", {1, 3}}}),
                  "layer 'a1': padding 3 is more than half the kernel 4");
  EXPECT_CONTAINS(error_of({{"type", "avgpool2d"}, {"kernel", 2}, {"dilation", 2}}),
                  "layer 'a1': avgpool2d has no \"dilation\"");
  EXPECT_CONTAINS(error_of({{"type", "avgpool2d"}, {"kernel", 2}, {"count_include_pad", 1}}),
                  "\"count_include_pad\" must be true or false");
  EXPECT_CONTAINS(error_of({{"type", "avgpool2d"}, {"kernel", {3, 9}}}, {2, 4, 5, 7}),
                  "avgpool2d 'a1': input (2, 4, 5, 7) is smaller than the window");
  // An input just below 2^31 elements whose output (one row and column more) reaches it.
  EXPECT_CONTAINS(error_of({{"type", "avgpool2d"}, {"kernel", 2}, {"stride", 1}, {"padding", 1}}, {1, 1u << 17, 127, 127}),
                  "avgpool2d 'a1': input (1, 131072, 127, 127) or output (1, 131072, 128, 128) has 2^31 elements or more");
}

}  // namespace
}  // namespace vkcnn
