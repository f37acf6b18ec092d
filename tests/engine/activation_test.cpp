#include "layers/activation.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "reference/activation.h"
#include "support/gpu_test.h"

namespace vkcnn {
namespace {

using test::HostTensor;

class ActivationTest : public ::testing::TestWithParam<const char*> {};

// clamp's bounds, inside [-8, 8] and off the other functions' kinks, and hard_sigmoid's alpha and
// beta other than PyTorch's (kinks at -1.6 and 2.4); the other functions ignore them.
constexpr float kMin = -2.5f, kMax = 4.25f, kAlpha = 0.25f, kBeta = 0.4f;
nlohmann::json attributes(const char* type) {
  return {{"type", type}, {"negative_slope", 0.2}, {"min", kMin}, {"max", kMax}, {"alpha", kAlpha}, {"beta", kBeta}};
}
// The reference's two parameters for this function (reference/activation.h).
std::pair<double, double> params(std::string_view type) {
  return type == "hard_sigmoid" ? std::pair<double, double>{kAlpha, kBeta} : std::pair<double, double>{kMin, kMax};
}
std::vector<double> reference_forward(const char* type, const std::vector<double>& x) {
  return reference::activation_forward(type, x, 0.2, params(type).first, params(type).second);
}

// Values spread over [-8, 8] so relu6's upper clamp, the hard functions' clamps at -3 and 3 and
// the tails of sigmoid, tanh and silu are exercised. Counts that are multiples of 4 run the
// shader four elements an invocation (vec4s), the others one.
TEST_P(ActivationTest, ForwardMatchesReferenceOnOddShapes) {
  std::mt19937 rng(7);
  for (Shape shape : {Shape{1, 1, 1, 1}, Shape{3, 5, 7, 11}, Shape{2, 13, 9, 17}, Shape{2, 4, 9, 7}}) {
    auto layer = make_layer(attributes(GetParam()), "act");
    auto x = test::random_floats(shape.count(), rng, -8.f, 8.f);
    auto y = test::run_forward(*layer, {HostTensor{shape, x}}, {});
    auto ref = reference_forward(GetParam(), test::to_double(x));
    EXPECT_CLOSE_TO_REFERENCE(y, ref, test::kForwardTolerance, std::string(GetParam()) + " " + shape.str());
  }
}

// Inputs far outside [-8, 8], where exp overflows: every function stays finite and right
// (a naive tanh, (e^x - e^-x) / (e^x + e^-x), gives inf / inf there).
TEST_P(ActivationTest, ExtremeInputsGiveFiniteReferenceValues) {
  const std::vector<float> x = {-1e30f, -1e4f, -200.f, -89.f, -30.f, 30.f, 89.f, 200.f, 1e4f, 1e30f, 0.f, -0.5f};
  auto layer = make_layer(attributes(GetParam()), "act");
  const Shape shape{1, 1, 1, static_cast<uint32_t>(x.size())};
  auto y = test::run_forward(*layer, {HostTensor{shape, x}}, {});
  auto ref = reference_forward(GetParam(), test::to_double(x));
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_TRUE(std::isfinite(y[i])) << GetParam() << "(" << x[i] << ")";
  EXPECT_CLOSE_TO_REFERENCE(y, ref, test::kForwardTolerance, GetParam());
}

TEST_P(ActivationTest, BackwardAccumulatesAndMatchesFiniteDifferences) {
  std::mt19937 rng(11);
  for (Shape shape : {Shape{2, 3, 5, 7}, Shape{2, 4, 5, 7}}) {  // one element an invocation, then four
    SCOPED_TRACE(shape.str());
    auto layer = make_layer(attributes(GetParam()), "act");
    // Keep inputs away from the kinks (0, 6, -3, 3, clamp's bounds, hard_sigmoid's) where finite differences
    // are meaningless (ClampGradientAtItsBoundsIsPyTorchs checks the bounds themselves).
    auto x = test::random_floats(shape.count(), rng, -8.f, 8.f);
    for (float& v : x)
      for (float kink : {0.f, 6.f, -3.f, 3.f, kMin, kMax, -1.6f, 2.4f})
        if (std::abs(v - kink) < 0.05f) v += 0.1f;
    auto dy = test::random_floats(shape.count(), rng);
    const float grad_init = 0.5f;
    auto r = test::run_backward(*layer, {HostTensor{shape, x}}, {}, dy, 0, grad_init);

    // L = sum(dy * act(x)), so dL/dx is what backward must add to the 0.5 already there.
    auto xd = test::to_double(x);
    auto loss = [&](const std::vector<double>& in) {
      auto y = reference_forward(GetParam(), in);
      double s = 0;
      for (std::size_t i = 0; i < y.size(); ++i) s += dy[i] * y[i];
      return s;
    };
    auto numeric = test::numeric_gradient(loss, xd);
    std::vector<double> analytic(x.size());
    for (std::size_t i = 0; i < x.size(); ++i)
      analytic[i] =
          grad_init + dy[i] * reference::activation_derivative(GetParam(), xd[i], 0.2, params(GetParam()).first,
                                                               params(GetParam()).second);
    for (std::size_t i = 0; i < x.size(); ++i) numeric[i] += grad_init;
    EXPECT_CLOSE_TO_REFERENCE(r.grad_inputs[0], analytic, test::kBackwardTolerance, "analytic gradient");
    EXPECT_CLOSE_TO_REFERENCE(r.grad_inputs[0], numeric, test::kBackwardTolerance, "finite differences");
  }
}

// Every function of activations.def.
std::vector<const char*> all_types() {
  std::vector<const char*> types;
  for (Activation a : activation_kinds()) types.push_back(activation_type(a).data());
  return types;
}
INSTANTIATE_TEST_SUITE_P(AllKinds, ActivationTest, ::testing::ValuesIn(all_types()));

// Without alpha and beta, hard_sigmoid is PyTorch's, clamp(x / 6 + 1/2, 0, 1), as fused
// epilogues compute it; ONNX's default alpha 0.2 is another function (its kinks at -2.5 and 2.5).
TEST(Activation, HardSigmoidDefaultsToPyTorchsAndTakesOnnxsAlphaAndBeta) {
  std::mt19937 rng(13);
  const Shape shape{2, 3, 5, 7};
  auto x = test::random_floats(shape.count(), rng, -5.f, 5.f);
  auto pytorch = make_layer({{"type", "hard_sigmoid"}}, "hs");
  EXPECT_CLOSE_TO_REFERENCE(test::run_forward(*pytorch, {HostTensor{shape, x}}, {}),
                            reference::activation_forward("hard_sigmoid", test::to_double(x), 0.01),
                            test::kForwardTolerance, "PyTorch's");
  std::vector<double> torch_formula(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) torch_formula[i] = std::clamp(x[i] / 6.0 + 0.5, 0.0, 1.0);
  EXPECT_CLOSE_TO_REFERENCE(test::run_forward(*pytorch, {HostTensor{shape, x}}, {}), torch_formula,
                            test::kForwardTolerance, "x / 6 + 1/2");
  auto onnx = make_layer({{"type", "hard_sigmoid"}, {"alpha", 0.2}, {"beta", 0.5}}, "hs");
  EXPECT_CLOSE_TO_REFERENCE(test::run_forward(*onnx, {HostTensor{shape, x}}, {}),
                            reference::activation_forward("hard_sigmoid", test::to_double(x), 0.01, 0.2, 0.5),
                            test::kForwardTolerance, "ONNX's default");
}

// A bound left out is unbounded (torch.clamp(x, min=...) or (x, max=...)); none at all is the identity.
TEST(Activation, ClampWithOneOrNoBoundMatchesReference) {
  std::mt19937 rng(5);
  const Shape shape{2, 3, 7, 5};
  auto x = test::random_floats(shape.count(), rng, -8.f, 8.f);
  for (auto [lo, hi] : {std::pair{-1.5, HUGE_VAL}, {-HUGE_VAL, 0.75}, {-HUGE_VAL, HUGE_VAL}, {2.0, 2.0}}) {
    nlohmann::json spec = {{"type", "clamp"}};
    if (!std::isinf(lo)) spec["min"] = lo;
    if (!std::isinf(hi)) spec["max"] = hi;
    auto layer = make_layer(spec, "clamp");
    auto y = test::run_forward(*layer, {HostTensor{shape, x}}, {});
    auto ref = reference::activation_forward("clamp", test::to_double(x), 0.01, lo, hi);
    EXPECT_CLOSE_TO_REFERENCE(y, ref, test::kForwardTolerance, spec.dump());
  }
}

// At x == min or x == max the gradient passes, as PyTorch's clamp has it (relu6, PyTorch's
// hardtanh, stops it there instead). That is the one-sided difference from inside the range.
TEST(Activation, ClampGradientAtItsBoundsIsPyTorchs) {
  const float lo = -1.25f, hi = 2.5f;
  const std::vector<float> x = {lo, hi, lo, hi, lo - 1.f, hi + 1.f, 0.5f, lo, hi};
  const Shape shape{1, 1, 1, static_cast<uint32_t>(x.size())};
  auto layer = make_layer({{"type", "clamp"}, {"min", lo}, {"max", hi}}, "clamp");
  std::mt19937 rng(3);
  auto dy = test::random_floats(x.size(), rng);
  auto r = test::run_backward(*layer, {HostTensor{shape, x}}, {}, dy, 0, 0.f);
  const double h = 1e-3;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double xi = x[i];
    // inward: up from min, down from max, centred elsewhere
    const double a = xi == hi ? xi - h : (xi == lo ? xi : xi - h), b = xi == lo ? xi + h : (xi == hi ? xi : xi + h);
    const double numeric =
        dy[i] * (reference::activate("clamp", b, 0.01, lo, hi) - reference::activate("clamp", a, 0.01, lo, hi)) /
        (b - a);
    EXPECT_NEAR(r.grad_inputs[0][i], numeric, 1e-4) << "x = " << xi;
    EXPECT_NEAR(r.grad_inputs[0][i], dy[i] * reference::activation_derivative("clamp", xi, 0.01, lo, hi), 1e-6);
  }
}

TEST(Activation, ClampWithMinAboveMaxIsRejected) {
  try {
    make_layer({{"type", "clamp"}, {"min", 3}, {"max", 1}}, "c1");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'c1'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("\"min\" 3.000000 is above \"max\" 1.000000"), std::string::npos) << e.what();
  }
}

TEST(Activation, HardSigmoidWithAnAlphaThatIsNotAFiniteNumberIsRejected) {
  for (nlohmann::json alpha : {nlohmann::json(1e39), nlohmann::json("0.2")}) {
    try {
      make_layer({{"type", "hard_sigmoid"}, {"alpha", alpha}}, "hs1");
      FAIL() << "no error for " << alpha;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("'hs1'"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("attribute \"alpha\" must be a finite number"), std::string::npos)
          << e.what();
    }
  }
}

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
