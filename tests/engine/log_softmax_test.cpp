#include "layers/log_softmax.h"

#include <gtest/gtest.h>

#include "reference/log_softmax.h"
#include "support/gpu_test.h"

namespace vkcnn {
namespace {

using test::HostTensor;

// As softmax's: short rows over many pixels, long classifier rows (64 invocations per row, also
// with H*W > 1), a single channel (log_softmax 0), odd widths.
const Shape kShapes[] = {{3, 5, 7, 9}, {2, 1000, 1, 1}, {3, 70, 3, 5}, {2, 1, 3, 3}, {4, 13, 1, 1}, {1, 1, 1, 1}};

TEST(LogSoftmax, ForwardMatchesReferenceOnOddShapes) {
  std::mt19937 rng(29);
  for (Shape s : kShapes) {
    auto layer = make_layer({{"type", "log_softmax"}}, "ls");
    auto x = test::random_floats(s.count(), rng, -10.f, 10.f);
    auto y = test::run_forward(*layer, {HostTensor{s, x}}, {});
    EXPECT_CLOSE_TO_REFERENCE(y, reference::log_softmax_forward(s, test::to_double(x)), test::kForwardTolerance,
                              s.str());
  }
}

// exp(500) overflows fp32, and a class 100 below the best has a probability of e^-100, which
// log(softmax) would turn into -inf: both stay finite and right. Near 1e4 an fp32 ulp is 1e-3:
// the result must not be rounded at the inputs' scale (ONNX's test_logsoftmax_large_number).
TEST(LogSoftmax, LargeAndFarApartInputsStayFinite) {
  std::mt19937 rng(31);
  struct Case {
    Shape shape;
    float low, spread;
  };
  for (auto [s, low, spread] : {Case{{2, 7, 3, 5}, 400.f, 120.f}, Case{{2, 300, 1, 1}, 400.f, 120.f},
                                Case{{3, 9, 2, 3}, 10000.f, 3.f}, Case{{2, 40, 1, 1}, 10000.f, 3.f}}) {
    auto layer = make_layer({{"type", "log_softmax"}}, "ls");
    auto x = test::random_floats(s.count(), rng, low, low + spread);
    auto y = test::run_forward(*layer, {HostTensor{s, x}}, {});
    for (float v : y) ASSERT_TRUE(std::isfinite(v)) << s.str();
    EXPECT_CLOSE_TO_REFERENCE(y, reference::log_softmax_forward(s, test::to_double(x)), test::kForwardTolerance,
                              s.str());
  }
}

TEST(LogSoftmax, BackwardAccumulatesAndMatchesReferenceAndFiniteDifferences) {
  std::mt19937 rng(37);
  for (Shape s : {Shape{3, 5, 7, 9}, Shape{2, 100, 1, 1}, Shape{2, 70, 2, 3}}) {
    auto layer = make_layer({{"type", "log_softmax"}}, "ls");
    auto x = test::random_floats(s.count(), rng, -3.f, 3.f);
    auto dy = test::random_floats(s.count(), rng);
    const float grad_init = 0.5f;
    auto r = test::run_backward(*layer, {HostTensor{s, x}}, {}, dy, 0, grad_init);

    auto xd = test::to_double(x), dyd = test::to_double(dy);
    auto analytic = reference::log_softmax_backward(s, reference::log_softmax_forward(s, xd), dyd);
    auto numeric = test::numeric_gradient(
        [&](const std::vector<double>& v) {
          auto y = reference::log_softmax_forward(s, v);
          double l = 0;
          for (std::size_t i = 0; i < y.size(); ++i) l += dyd[i] * y[i];
          return l;
        },
        xd);
    for (std::size_t i = 0; i < x.size(); ++i) analytic[i] += grad_init, numeric[i] += grad_init;
    EXPECT_CLOSE_TO_REFERENCE(r.grad_inputs[0], analytic, test::kBackwardTolerance, "reference " + s.str());
    EXPECT_CLOSE_TO_REFERENCE(r.grad_inputs[0], numeric, test::kBackwardTolerance, "finite differences " + s.str());
  }
}

TEST(LogSoftmax, OnlyTheChannelDimensionIsSupported) {
  EXPECT_NO_THROW(make_layer({{"type", "log_softmax"}, {"dim", 1}}, "ls"));
  try {
    make_layer({{"type", "log_softmax"}, {"dim", 3}}, "ls");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("layer 'ls': log_softmax is over the channels"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace vkcnn
