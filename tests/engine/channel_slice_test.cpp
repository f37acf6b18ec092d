// channel_slice: forward against the double reference on odd shapes and ranges; backward of
// both halves of a Split (each adds into its channels only) against the reference and finite
// differences; the errors.
#include "layers/channel_slice.h"

#include <gtest/gtest.h>

#include <numeric>

#include "reference/channel_slice.h"
#include "support/gpu_test.h"

namespace vkcnn {
namespace {

using test::HostTensor;

std::unique_ptr<Layer> make_slice(uint32_t start, uint32_t end) {
  return make_layer({{"type", "channel_slice"}, {"start", start}, {"end", end}}, "slice1");
}

TEST(ChannelSlice, ForwardMatchesReferenceOnOddShapes) {
  std::mt19937 rng(3);
  const std::vector<std::pair<uint32_t, uint32_t>> ranges = {{0, 1}, {0, 3}, {2, 5}, {4, 7}, {6, 7}, {0, 7}};
  for (const auto& [start, end] : ranges)
    for (Shape s : {Shape{2, 7, 5, 3}, Shape{1, 7, 1, 1}, Shape{3, 7, 13, 2}}) {
      auto layer = make_slice(start, end);
      auto x = test::random_floats(s.count(), rng);
      auto y = test::run_forward(*layer, {HostTensor{s, x}}, {});
      EXPECT_CLOSE_TO_REFERENCE(y, reference::channel_slice_forward(s, test::to_double(x), start, end),
                                test::kForwardTolerance,
                                s.str() + " [" + std::to_string(start) + ", " + std::to_string(end) + ")");
    }
}

TEST(ChannelSlice, BackwardOfEachHalfAccumulatesAndMatchesFiniteDifferences) {
  std::mt19937 rng(5);
  const Shape s{2, 9, 3, 5};
  auto x = test::random_floats(s.count(), rng);
  const float grad_init = 0.5f;
  for (auto [start, end] : {std::pair{0u, 4u}, std::pair{4u, 9u}}) {
    auto layer = make_slice(start, end);
    auto dy = test::random_floats(std::size_t(s.n) * (end - start) * s.h * s.w, rng);
    auto r = test::run_backward(*layer, {HostTensor{s, x}}, {}, dy, 0, grad_init);
    auto added = r.grad_inputs[0];
    for (float& v : added) v -= grad_init;  // what backward added (an overwrite fails here)
    auto loss = [&](const std::vector<double>& v) {
      auto y = reference::channel_slice_forward(s, v, start, end);
      return std::inner_product(y.begin(), y.end(), dy.begin(), 0.0);
    };
    const std::string what = "[" + std::to_string(start) + ", " + std::to_string(end) + ")";
    EXPECT_CLOSE_TO_REFERENCE(added, reference::channel_slice_backward(s, test::to_double(dy), start, end),
                              test::kBackwardTolerance, what);
    EXPECT_CLOSE_TO_REFERENCE(added, test::numeric_gradient(loss, test::to_double(x)), test::kBackwardTolerance,
                              what + " vs finite differences");
  }
}

TEST(ChannelSlice, RangesOutsideTheInputAreRejected) {
  auto layer = make_slice(3, 8);
  const Shape small[] = {{2, 7, 3, 3}};
  try {
    layer->output_shape(small);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "channel_slice 'slice1': channels [3, 8) run past the input (2, 7, 3, 3)");
  }
  try {
    make_layer({{"type", "channel_slice"}, {"start", 4}, {"end", 4}}, "slice2");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "layer 'slice2': channel_slice needs \"start\" < \"end\", got 4 and 4");
  }
}

}  // namespace
}  // namespace vkcnn
