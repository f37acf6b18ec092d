#include "layers/global_avgpool.h"

#include <gtest/gtest.h>

#include <numeric>

#include "reference/global_avgpool.h"
#include "support/gpu_test.h"

namespace vkcnn {
namespace {

using test::HostTensor;

// Plane sizes below, at and above one workgroup (32..256 threads), and more planes than one
// row of workgroups would matter for on a GPU (N*C = 3*700).
const Shape kShapes[] = {{2, 3, 13, 11}, {2, 5, 7, 7}, {1, 3, 1, 1}, {1, 2, 64, 61}, {3, 700, 3, 5}};

TEST(GlobalAvgPool, ForwardMatchesReferenceOnOddShapes) {
  std::mt19937 rng(3);
  for (Shape in : kShapes) {
    auto layer = make_layer({{"type", "global_avgpool"}}, "g");
    ASSERT_EQ(layer->output_shape(std::span(&in, 1)), (Shape{in.n, in.c, 1, 1}));
    // Offset values: a mean near zero would make the relative error meaningless.
    auto x = test::random_floats(in.count(), rng, -0.5f, 1.5f);
    auto y = test::run_forward(*layer, {HostTensor{in, x}}, {});
    auto ref = reference::global_avgpool_forward(in, test::to_double(x));
    EXPECT_CLOSE_TO_REFERENCE(y, ref, test::kForwardTolerance, in.str());
  }
}

TEST(GlobalAvgPool, BackwardAccumulatesAndMatchesReferenceAndFiniteDifferences) {
  std::mt19937 rng(5);
  const float grad_init = 0.5f;
  for (Shape in : {kShapes[0], kShapes[1], kShapes[2]}) {
    auto layer = make_layer({{"type", "global_avgpool"}}, "g");
    auto x = test::random_floats(in.count(), rng);
    auto dy = test::random_floats(std::size_t(in.n) * in.c, rng);
    auto r = test::run_backward(*layer, {HostTensor{in, x}}, {}, dy, 0, grad_init);

    auto xd = test::to_double(x), dyd = test::to_double(dy);
    auto expected = reference::global_avgpool_backward(in, dyd);
    auto loss = [&](const std::vector<double>& v) {
      auto y = reference::global_avgpool_forward(in, v);
      return std::inner_product(y.begin(), y.end(), dyd.begin(), 0.0);
    };
    auto numeric = test::numeric_gradient(loss, xd);
    // What backward added on top of grad_init (an overwrite instead of += fails here).
    auto added = r.grad_inputs[0];
    for (float& g : added) g -= grad_init;
    EXPECT_CLOSE_TO_REFERENCE(added, expected, test::kBackwardTolerance, in.str());
    EXPECT_CLOSE_TO_REFERENCE(added, numeric, test::kBackwardTolerance, in.str() + " vs finite differences");
  }
}

}  // namespace
}  // namespace vkcnn
