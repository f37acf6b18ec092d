#include "layers/flatten.h"

#include <gtest/gtest.h>

#include <numeric>

#include "reference/flatten.h"
#include "support/gpu_test.h"

namespace vkcnn {
namespace {

using test::HostTensor;

// Flatten aliases its input, which is right only because (N, C, H, W) -> (N, CHW, 1, 1) keeps
// every element at its memory position: the reference (explicit 4-D indices) must map x onto
// itself exactly, and a forward pass on the shared buffer must leave it as it was.
TEST(Flatten, AliasedOutputIsTheInputInMemoryOrder) {
  std::mt19937 rng(3);
  for (Shape in : {Shape{2, 3, 13, 11}, Shape{1, 1, 1, 1}, Shape{3, 64, 7, 7}}) {
    auto layer = make_layer({{"type", "flatten"}}, "f");
    EXPECT_EQ(layer->output_shape(std::span(&in, 1)), (Shape{in.n, in.c * in.h * in.w, 1, 1}));
    EXPECT_TRUE(layer->aliases_input(false));
    EXPECT_TRUE(layer->aliases_input(true));
    auto x = test::random_floats(in.count(), rng);
    EXPECT_EQ(reference::flatten_forward(in, test::to_double(x)), test::to_double(x)) << in.str();
    auto y = test::run_forward(*layer, {HostTensor{in, x}}, {});  // y is read from x's buffer
    EXPECT_EQ(y, x) << in.str();
  }
}

// c*h*w used to be computed in 32 bits: 65536 x 256 x 256 wrapped to 0 features, and a dense
// layer after it then asked for a zero-size weight.
TEST(Flatten, FeatureCountsBeyondTheLimitAreAnError) {
  auto layer = make_layer({{"type", "flatten"}}, "f");
  Shape huge{1, 65536, 256, 256};
  try {
    layer->output_shape(std::span(&huge, 1));
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("flattens to 4294967296 features"), std::string::npos) << e.what();
  }
}

TEST(Flatten, ForwardCopiesWhenGivenItsOwnOutputBuffer) {
  Context& ctx = test::context();
  std::mt19937 rng(4);
  Shape in{2, 3, 5, 7}, out{2, 105, 1, 1};
  auto x_host = test::random_floats(in.count(), rng);
  Tensor x(ctx, in), y(ctx, out);
  x.upload(x_host);
  auto layer = make_layer({{"type", "flatten"}}, "f");
  LayerIO io;
  io.inputs = {x.view()};
  io.output = y.view();
  run_once(ctx, [&](Recorder& rec) { layer->forward(rec, io); });
  EXPECT_CLOSE_TO_REFERENCE(y.download(), reference::flatten_forward(in, test::to_double(x_host)),
                            test::kForwardTolerance, "copy");
}

TEST(Flatten, BackwardAccumulatesAndMatchesFiniteDifferences) {
  std::mt19937 rng(5);
  Shape in{2, 3, 13, 11};
  auto layer = make_layer({{"type", "flatten"}}, "f");
  auto x = test::random_floats(in.count(), rng), dy = test::random_floats(in.count(), rng);
  const float grad_init = 0.5f;
  auto r = test::run_backward(*layer, {HostTensor{in, x}}, {}, dy, 0, grad_init);

  auto dyd = test::to_double(dy);
  auto loss = [&](const std::vector<double>& v) {
    auto y = reference::flatten_forward(in, v);
    return std::inner_product(y.begin(), y.end(), dyd.begin(), 0.0);
  };
  auto numeric = test::numeric_gradient(loss, test::to_double(x));
  auto added = r.grad_inputs[0];
  for (float& g : added) g -= grad_init;  // what backward added (an overwrite fails here)
  EXPECT_CLOSE_TO_REFERENCE(added, reference::flatten_backward(in, dyd), test::kBackwardTolerance, "reference");
  EXPECT_CLOSE_TO_REFERENCE(added, numeric, test::kBackwardTolerance, "finite differences");
}

// Views run_backward does not make: no gradient wanted, or dx and dy in one buffer (the
// gradient aliased like the value), where dy is already in place.
TEST(Flatten, BackwardRecordsNothingForAnEmptyOrAliasedGradient) {
  Context& ctx = test::context();
  Shape in{2, 3, 5, 7}, out{2, 105, 1, 1};
  Tensor x(ctx, in), grad(ctx, in);
  std::vector<float> values(in.count(), 1.5f);
  grad.upload(values);
  auto layer = make_layer({{"type", "flatten"}}, "f");
  LayerIO io;
  io.inputs = {x.view()};
  io.output = x.view(out);
  for (TensorView dx : {TensorView{}, grad.view()}) {
    run_once(ctx, [&](Recorder& rec) { layer->backward(rec, io, LayerGrads{grad.view(out), {dx}, {}}); });
    EXPECT_EQ(grad.download(), values) << (dx.empty() ? "empty" : "aliased");
  }
}

}  // namespace
}  // namespace vkcnn
