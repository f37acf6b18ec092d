#include "layers/activation.h"

#include <gtest/gtest.h>

#include "reference/activation.h"
#include "support/gpu_test.h"

namespace vkcnn {
namespace {

using test::HostTensor;

class ActivationTest : public ::testing::TestWithParam<const char*> {};

// Values spread over [-8, 8] so relu6's upper clamp, the hard functions' clamps at -3 and 3 and
// the tails of sigmoid, tanh and silu are exercised.
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

// Inputs far outside [-8, 8], where exp overflows: every function stays finite and right
// (a naive tanh, (e^x - e^-x) / (e^x + e^-x), gives inf / inf there).
TEST_P(ActivationTest, ExtremeInputsGiveFiniteReferenceValues) {
  const std::vector<float> x = {-1e30f, -1e4f, -200.f, -89.f, -30.f, 30.f, 89.f, 200.f, 1e4f, 1e30f, 0.f, -0.5f};
  auto layer = make_layer({{"type", GetParam()}, {"negative_slope", 0.2}}, "act");
  const Shape shape{1, 1, 1, static_cast<uint32_t>(x.size())};
  auto y = test::run_forward(*layer, {HostTensor{shape, x}}, {});
  auto ref = reference::activation_forward(GetParam(), test::to_double(x), 0.2);
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_TRUE(std::isfinite(y[i])) << GetParam() << "(" << x[i] << ")";
  EXPECT_CLOSE_TO_REFERENCE(y, ref, test::kForwardTolerance, GetParam());
}

TEST_P(ActivationTest, BackwardAccumulatesAndMatchesFiniteDifferences) {
  std::mt19937 rng(11);
  Shape shape{2, 3, 5, 7};
  auto layer = make_layer({{"type", GetParam()}, {"negative_slope", 0.2}}, "act");
  // Keep inputs away from the kinks (0, 6, -3 and 3) where finite differences are meaningless.
  auto x = test::random_floats(shape.count(), rng, -8.f, 8.f);
  for (float& v : x)
    for (float kink : {0.f, 6.f, -3.f, 3.f})
      if (std::abs(v - kink) < 0.05f) v += 0.1f;
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

// Every function of activations.def.
std::vector<const char*> all_types() {
  std::vector<const char*> types;
  for (Activation a : activation_kinds()) types.push_back(activation_type(a).data());
  return types;
}
INSTANTIATE_TEST_SUITE_P(AllKinds, ActivationTest, ::testing::ValuesIn(all_types()));

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
