#include <gtest/gtest.h>

#include "layers/activation.h"
#include "reference/activation.h"
#include "support/gpu_test.h"

namespace vkcnn {
namespace {

using test::HostTensor;

class ActivationTest : public ::testing::TestWithParam<const char*> {};

// Values spread over [-8, 8] so relu6's upper clamp and sigmoid's tails are exercised.
TEST_P(ActivationTest, ForwardMatchesReferenceOnOddShapes) {
  std::mt19937 rng(7);
  for (Shape shape : {Shape{1, 1, 1, 1}, Shape{3, 5, 7, 11}, Shape{2, 13, 9, 17}}) {
    auto layer = make_layer({{"type", GetParam()}, {"negative_slope", 0.2}}, "act");
    auto x = test::random_floats(shape.count(), rng, -8.f, 8.f);
    auto y = test::run_forward(*layer, {HostTensor{shape, x}}, {});
    auto ref = reference::activation_forward(GetParam(), test::to_double(x), 0.2);
    EXPECT_CLOSE_TO_REFERENCE(y, ref, test::kForwardTolerance, std::string(GetParam()) + " " + shape.str());
  }
}

TEST_P(ActivationTest, BackwardAccumulatesAndMatchesFiniteDifferences) {
  std::mt19937 rng(11);
  Shape shape{2, 3, 5, 7};
  auto layer = make_layer({{"type", GetParam()}, {"negative_slope", 0.2}}, "act");
  // Keep inputs away from the kinks (0 and 6) where finite differences are meaningless.
  auto x = test::random_floats(shape.count(), rng, -8.f, 8.f);
  for (float& v : x)
    if (std::abs(v) < 0.05f || std::abs(v - 6.f) < 0.05f) v += 0.1f;
  auto dy = test::random_floats(shape.count(), rng);
  const float grad_init = 0.5f;
  auto r = test::run_backward(*layer, {HostTensor{shape, x}}, {}, dy, 0, grad_init);

  // L = sum(dy * act(x)), so dL/dx is what backward must add to the 0.5 already there.
  auto xd = test::to_double(x);
  auto loss = [&](const std::vector<double>& in) {
    auto y = reference::activation_forward(GetParam(), in, 0.2);
    double s = 0;
    for (std::size_t i = 0; i < y.size(); ++i) s += dy[i] * y[i];
    return s;
  };
  auto numeric = test::numeric_gradient(loss, xd);
  std::vector<double> analytic(x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    analytic[i] = grad_init + dy[i] * reference::activation_derivative(GetParam(), xd[i], 0.2);
  for (std::size_t i = 0; i < x.size(); ++i) numeric[i] += grad_init;
  EXPECT_CLOSE_TO_REFERENCE(r.grad_inputs[0], analytic, test::kBackwardTolerance, "analytic gradient");
  EXPECT_CLOSE_TO_REFERENCE(r.grad_inputs[0], numeric, test::kBackwardTolerance, "finite differences");
}

INSTANTIATE_TEST_SUITE_P(AllKinds, ActivationTest, ::testing::Values("relu", "relu6", "leaky_relu", "sigmoid"));

TEST(Activation, UnknownTypeIsRejectedWithItsName) {
  try {
    make_layer({{"type", "swish"}}, "s1");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown layer type \"swish\""), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'s1'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace vkcnn
