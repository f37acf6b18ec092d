// pad: forward against the double reference on odd shapes with asymmetric borders and a
// non-zero value; backward against the reference and finite differences; the spec errors.
#include "layers/pad.h"

#include <gtest/gtest.h>

#include <numeric>

#include "reference/pad.h"
#include "support/gpu_test.h"

namespace vkcnn {
namespace {

using test::HostTensor;

std::unique_ptr<Layer> make_pad(const std::array<uint32_t, 4>& p, double value) {
  return make_layer({{"type", "pad"}, {"padding", {p[0], p[1], p[2], p[3]}}, {"value", value}}, "pad1");
}

TEST(Pad, ForwardMatchesReferenceOnOddShapesAndAsymmetricBorders) {
  std::mt19937 rng(3);
  const std::vector<std::array<uint32_t, 4>> pads = {
      {0, 0, 0, 0}, {1, 1, 1, 1}, {0, 1, 0, 1}, {2, 0, 3, 1}, {5, 3, 0, 7}};
  for (const auto& p : pads)
    for (Shape s : {Shape{2, 3, 5, 7}, Shape{1, 1, 1, 1}, Shape{3, 5, 13, 2}}) {
      const double value = p[0] == 2 ? -1.5 : 0.0;
      auto layer = make_pad(p, value);
      auto x = test::random_floats(s.count(), rng);
      const Shape shapes[] = {s};
      EXPECT_EQ(layer->output_shape(shapes), reference::pad_output_shape(s, p));
      auto y = test::run_forward(*layer, {HostTensor{s, x}}, {});
      EXPECT_CLOSE_TO_REFERENCE(y, reference::pad_forward(s, test::to_double(x), p, value), test::kForwardTolerance,
                                s.str() + " padded " + std::to_string(p[0]) + "," + std::to_string(p[1]) + "," +
                                    std::to_string(p[2]) + "," + std::to_string(p[3]));
    }
}

TEST(Pad, BackwardAccumulatesAndMatchesFiniteDifferences) {
  std::mt19937 rng(5);
  const std::array<uint32_t, 4> p = {2, 1, 0, 3};
  const Shape s{2, 3, 5, 4};
  auto layer = make_pad(p, 0.25);
  auto x = test::random_floats(s.count(), rng);
  auto dy = test::random_floats(reference::pad_output_shape(s, p).count(), rng);
  const float grad_init = 0.5f;
  auto r = test::run_backward(*layer, {HostTensor{s, x}}, {}, dy, 0, grad_init);
  auto added = r.grad_inputs[0];
  for (float& g : added) g -= grad_init;  // what backward added (an overwrite fails here)
  auto loss = [&](const std::vector<double>& v) {
    auto y = reference::pad_forward(s, v, p, 0.25);
    return std::inner_product(y.begin(), y.end(), dy.begin(), 0.0);
  };
  EXPECT_CLOSE_TO_REFERENCE(added, reference::pad_backward(s, p, test::to_double(dy)), test::kBackwardTolerance, "dx");
  EXPECT_CLOSE_TO_REFERENCE(added, test::numeric_gradient(loss, test::to_double(x)), test::kBackwardTolerance,
                            "dx vs finite differences");
}

TEST(Pad, BadSpecsAreRejectedWithTheLayerNamed) {
  auto expect_spec_error = [](const nlohmann::json& spec, const std::string& part) {
    try {
      make_layer(spec, "pad2");
      ADD_FAILURE() << "no error for " << spec.dump();
    } catch (const Error& e) {
      EXPECT_CONTAINS(std::string(e.what()), part);
    }
  };
  expect_spec_error({{"type", "pad"}}, "layer 'pad2'");
  expect_spec_error({{"type", "pad"}, {"padding", {1, 2}}},
                    "pad's \"padding\" is one width or [left, right, top, bottom], got 2 values");
  expect_spec_error({{"type", "pad"}, {"padding", 70000}}, "pad's \"padding\" 70000 is wider than 65536");
  auto layer = make_layer({{"type", "pad"}, {"padding", 1}}, "pad3");
  const Shape two[] = {{1, 1, 2, 2}, {1, 1, 2, 2}};
  try {
    layer->output_shape(two);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "pad 'pad3': needs 1 input, got 2");
  }
}

}  // namespace
}  // namespace vkcnn
