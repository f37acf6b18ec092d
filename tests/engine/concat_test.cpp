// concat on channels: forward and every input's gradient against the double reference and finite
// differences, on inputs of odd, different channel counts; and the spec errors.
#include "layers/concat.h"

#include <gtest/gtest.h>

#include <numeric>

#include "reference/concat.h"
#include "support/gpu_test.h"

namespace vkcnn {
namespace {

using test::HostTensor;

std::unique_ptr<Layer> make_concat(std::size_t inputs) {
  nlohmann::json names = nlohmann::json::array();
  for (std::size_t i = 0; i < inputs; ++i) names.push_back("in" + std::to_string(i));
  return make_layer({{"type", "concat"}, {"inputs", names}}, "cat1");
}

// Channel counts per input, for batch 2 and a 5x7 plane.
const std::vector<std::vector<uint32_t>> kCases = {{1, 1}, {3, 5, 2}, {16, 1, 7, 9}};

TEST(Concat, ForwardMatchesReferenceOnOddShapes) {
  std::mt19937 rng(3);
  for (const auto& channels : kCases)
    for (Shape base : {Shape{2, 0, 5, 7}, Shape{1, 0, 1, 1}, Shape{3, 0, 13, 2}}) {
      auto layer = make_concat(channels.size());
      std::vector<HostTensor> inputs;
      std::vector<reference::ShapedValues> ref_inputs;
      for (uint32_t c : channels) {
        Shape s = base;
        s.c = c;
        auto x = test::random_floats(s.count(), rng);
        inputs.push_back(HostTensor{s, x});
        ref_inputs.push_back({s, test::to_double(x)});
      }
      auto y = test::run_forward(*layer, inputs, {});
      EXPECT_CLOSE_TO_REFERENCE(y, reference::concat_forward(ref_inputs), test::kForwardTolerance,
                                std::to_string(channels.size()) + " inputs of " + base.str());
    }
}

TEST(Concat, BackwardAccumulatesIntoEveryInputAndMatchesFiniteDifferences) {
  std::mt19937 rng(5);
  const std::vector<uint32_t> channels = {3, 5, 2};
  auto layer = make_concat(channels.size());
  std::vector<HostTensor> inputs;
  std::vector<Shape> shapes;
  std::vector<std::vector<double>> xs;
  for (uint32_t c : channels) {
    Shape s{2, c, 5, 7};
    auto x = test::random_floats(s.count(), rng);
    inputs.push_back(HostTensor{s, x});
    shapes.push_back(s);
    xs.push_back(test::to_double(x));
  }
  const std::size_t out_count = std::size_t(2) * 10 * 5 * 7;
  auto dy = test::random_floats(out_count, rng);
  const float grad_init = 0.5f;
  auto r = test::run_backward(*layer, inputs, {}, dy, 0, grad_init);
  auto expected = reference::concat_backward(shapes, test::to_double(dy));

  for (std::size_t i = 0; i < channels.size(); ++i) {
    auto loss = [&](const std::vector<double>& v) {
      std::vector<reference::ShapedValues> in;
      for (std::size_t j = 0; j < channels.size(); ++j) in.push_back({shapes[j], j == i ? v : xs[j]});
      auto y = reference::concat_forward(in);
      return std::inner_product(y.begin(), y.end(), dy.begin(), 0.0);
    };
    auto numeric = test::numeric_gradient(loss, xs[i]);
    auto added = r.grad_inputs[i];
    for (float& g : added) g -= grad_init;  // what backward added (an overwrite fails here)
    const std::string what = "input " + std::to_string(i);
    EXPECT_CLOSE_TO_REFERENCE(added, expected[i], test::kBackwardTolerance, what);
    EXPECT_CLOSE_TO_REFERENCE(added, numeric, test::kBackwardTolerance, what + " vs finite differences");
  }
}

TEST(Concat, MismatchedPlanesAndBadSpecsAreRejectedWithTheLayerNamed) {
  auto layer = make_concat(2);
  const Shape shapes[] = {{2, 3, 4, 5}, {2, 6, 5, 4}};
  try {
    layer->output_shape(shapes);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(std::string(e.what()),
                    "concat 'cat1': inputs must agree in batch, height and width, got (2, 3, 4, 5) and (2, 6, 5, 4)");
  }
  const Shape too_many[] = {{1, 1u << 24, 1, 1}, {1, 1, 1, 1}};
  try {
    layer->output_shape(too_many);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "concat 'cat1': more than 16777216 output channels");
  }
  const Shape ok[] = {{2, 3, 4, 5}, {2, 6, 4, 5}};
  EXPECT_EQ(layer->output_shape(ok), (Shape{2, 9, 4, 5}));

  auto expect_spec_error = [](const nlohmann::json& spec, const std::string& part) {
    try {
      make_layer(spec, "cat2");
      ADD_FAILURE() << "no error for " << spec.dump();
    } catch (const Error& e) {
      EXPECT_CONTAINS(std::string(e.what()), part);
    }
  };
  expect_spec_error({{"type", "concat"}}, "layer 'cat2': concat needs \"inputs\"");
  expect_spec_error({{"type", "concat"}, {"inputs", {"a"}}}, "concat needs between 2 and 256 \"inputs\", got 1");
  expect_spec_error({{"type", "concat"}, {"inputs", {"a", "b"}}, {"axis", 2}}, "\"axis\" must be 1 (NCHW), got 2");
}

}  // namespace
}  // namespace vkcnn
