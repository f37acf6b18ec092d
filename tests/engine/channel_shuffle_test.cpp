// channel_shuffle: forward against the double reference (ONNX's reshape-transpose-reshape) on
// odd shapes and group counts; backward against the reference and finite differences; errors.
#include "layers/channel_shuffle.h"

#include <gtest/gtest.h>

#include <numeric>

#include "reference/channel_shuffle.h"
#include "support/gpu_test.h"

namespace vkcnn {
namespace {

using test::HostTensor;

std::unique_ptr<Layer> make_shuffle(uint32_t groups) {
  return make_layer({{"type", "channel_shuffle"}, {"groups", groups}}, "shuffle1");
}

TEST(ChannelShuffle, ForwardMatchesReferenceOnOddShapes) {
  std::mt19937 rng(3);
  const std::vector<std::pair<Shape, uint32_t>> cases = {{{2, 6, 5, 7}, 2}, {{1, 6, 1, 1}, 3}, {{3, 15, 3, 2}, 5},
                                                         {{2, 7, 3, 3}, 1}, {{1, 7, 2, 3}, 7}, {{2, 24, 4, 5}, 4}};
  for (const auto& [s, g] : cases) {
    auto layer = make_shuffle(g);
    auto x = test::random_floats(s.count(), rng);
    auto y = test::run_forward(*layer, {HostTensor{s, x}}, {});
    EXPECT_CLOSE_TO_REFERENCE(y, reference::channel_shuffle_forward(s, test::to_double(x), g), test::kForwardTolerance,
                              s.str() + " in " + std::to_string(g) + " groups");
  }
}

TEST(ChannelShuffle, BackwardAccumulatesAndMatchesFiniteDifferences) {
  std::mt19937 rng(5);
  const Shape s{2, 12, 3, 5};
  for (uint32_t g : {2u, 3u}) {
    auto layer = make_shuffle(g);
    auto x = test::random_floats(s.count(), rng);
    auto dy = test::random_floats(s.count(), rng);
    const float grad_init = 0.5f;
    auto r = test::run_backward(*layer, {HostTensor{s, x}}, {}, dy, 0, grad_init);
    auto added = r.grad_inputs[0];
    for (float& v : added) v -= grad_init;  // what backward added (an overwrite fails here)
    auto loss = [&](const std::vector<double>& v) {
      auto y = reference::channel_shuffle_forward(s, v, g);
      return std::inner_product(y.begin(), y.end(), dy.begin(), 0.0);
    };
    const std::string what = std::to_string(g) + " groups";
    EXPECT_CLOSE_TO_REFERENCE(added, reference::channel_shuffle_backward(s, test::to_double(dy), g),
                              test::kBackwardTolerance, what);
    EXPECT_CLOSE_TO_REFERENCE(added, test::numeric_gradient(loss, test::to_double(x)), test::kBackwardTolerance,
                              what + " vs finite differences");
  }
}

TEST(ChannelShuffle, ChannelsThatDoNotSplitIntoTheGroupsAreRejected) {
  auto layer = make_shuffle(4);
  const Shape bad[] = {{2, 6, 3, 3}};
  try {
    layer->output_shape(bad);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(std::string(e.what()),
                    "channel_shuffle 'shuffle1': input (2, 6, 3, 3) has 6 channels, not a multiple of groups 4");
  }
  try {
    make_layer({{"type", "channel_shuffle"}, {"groups", 0}}, "shuffle2");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "layer 'shuffle2': channel_shuffle needs \"groups\" >= 1");
  }
}

}  // namespace
}  // namespace vkcnn
