#include "layers/add.h"

#include <gtest/gtest.h>

#include <numeric>

#include "reference/add.h"
#include "support/gpu_test.h"

namespace vkcnn {
namespace {

using test::HostTensor;

std::unique_ptr<Layer> make_add(const char* activation) {
  auto layer = make_layer({{"type", "add"}, {"inputs", {"a", "b"}}}, "r1");
  if (std::string_view(activation) == "relu") {
    EXPECT_TRUE(layer->fuse_activation(Activation::Relu, 0.01f));
  }
  return layer;
}

class AddTest : public ::testing::TestWithParam<const char*> {};  // the fused activation

TEST_P(AddTest, ForwardMatchesReferenceOnOddShapes) {
  std::mt19937 rng(3);
  // The last shape's count is a multiple of 4: four elements an invocation.
  for (Shape shape : {Shape{1, 1, 1, 1}, Shape{2, 3, 13, 11}, Shape{3, 7, 5, 9}, Shape{2, 4, 7, 5}}) {
    auto layer = make_add(GetParam());
    auto a = test::random_floats(shape.count(), rng), b = test::random_floats(shape.count(), rng);
    auto y = test::run_forward(*layer, {HostTensor{shape, a}, HostTensor{shape, b}}, {});
    auto ref = reference::add_forward(test::to_double(a), test::to_double(b), GetParam());
    EXPECT_CLOSE_TO_REFERENCE(y, ref, test::kForwardTolerance, std::string(GetParam()) + " " + shape.str());
  }
}

TEST_P(AddTest, BackwardAccumulatesIntoBothInputsAndMatchesFiniteDifferences) {
  std::mt19937 rng(5);
  Shape shape{2, 3, 7, 5};
  auto layer = make_add(GetParam());
  auto a = test::random_floats(shape.count(), rng), b = test::random_floats(shape.count(), rng);
  for (std::size_t i = 0; i < a.size(); ++i)  // away from relu's kink, where differences mean nothing
    if (std::abs(a[i] + b[i]) < 0.05f) b[i] += 0.1f;
  auto dy = test::random_floats(shape.count(), rng);
  const float grad_init = 0.5f;
  auto r = test::run_backward(*layer, {HostTensor{shape, a}, HostTensor{shape, b}}, {}, dy, 0, grad_init);

  auto ad = test::to_double(a), bd = test::to_double(b), dyd = test::to_double(dy);
  auto expected = reference::add_backward(ad, bd, dyd, GetParam());
  auto loss = [&](const std::vector<double>& x, const std::vector<double>& y) {
    auto out = reference::add_forward(x, y, GetParam());
    return std::inner_product(out.begin(), out.end(), dyd.begin(), 0.0);
  };
  auto numeric_a = test::numeric_gradient([&](const std::vector<double>& v) { return loss(v, bd); }, ad);
  auto numeric_b = test::numeric_gradient([&](const std::vector<double>& v) { return loss(ad, v); }, bd);
  for (int input = 0; input < 2; ++input) {
    auto added = r.grad_inputs[input];
    for (float& g : added) g -= grad_init;  // what backward added (an overwrite fails here)
    const std::string what = std::string(GetParam()) + " d" + "ab"[input];
    EXPECT_CLOSE_TO_REFERENCE(added, expected, test::kBackwardTolerance, what);
    EXPECT_CLOSE_TO_REFERENCE(added, input == 0 ? numeric_a : numeric_b, test::kBackwardTolerance,
                              what + " vs finite differences");
  }
}

INSTANTIATE_TEST_SUITE_P(Activations, AddTest, ::testing::Values("identity", "relu"));

// Gradient views that run_backward does not make: one empty, or both the same buffer (add(x, x)).
TEST(Add, BackwardSkipsAnEmptyGradientAndDoublesASharedOne) {
  Context& ctx = test::context();
  std::mt19937 rng(7);
  Shape shape{2, 3, 5, 7};
  auto values = [&] { return test::random_floats(shape.count(), rng); };
  auto a_host = values(), dy_host = values(), init = values();
  Tensor a(ctx, shape), y(ctx, shape), dy(ctx, shape), grad(ctx, shape);
  a.upload(a_host);
  dy.upload(dy_host);
  auto layer = make_add("identity");

  LayerIO io;
  io.inputs = {a.view(), a.view()};
  io.output = y.view();
  io.training = true;
  for (bool shared : {false, true}) {
    grad.upload(init);
    LayerGrads grads{dy.view(), {shared ? grad.view() : TensorView{}, grad.view()}, {}};
    run_once(ctx, [&](Recorder& rec) {
      layer->forward(rec, io);
      layer->backward(rec, io, grads);
    });
    auto got = grad.download();
    std::vector<double> expected(got.size());
    for (std::size_t i = 0; i < got.size(); ++i) expected[i] = init[i] + (shared ? 2.0 : 1.0) * dy_host[i];
    EXPECT_CLOSE_TO_REFERENCE(got, expected, test::kBackwardTolerance, shared ? "shared" : "one empty");
  }
}

TEST(Add, FusesOneActivationOnly) {
  auto layer = make_add("relu");
  EXPECT_FALSE(layer->fuse_activation(Activation::Sigmoid, 0.01f));
}

TEST(Add, ShapeMismatchNamesTheLayerAndBothShapes) {
  auto layer = make_add("identity");
  const Shape shapes[] = {{2, 3, 4, 5}, {2, 3, 5, 4}};
  try {
    layer->output_shape(shapes);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(std::string(e.what()),
                    "add 'r1': inputs must have the same shape, got (2, 3, 4, 5) and (2, 3, 5, 4)");
  }
  EXPECT_EQ(layer->input_count(), 2u);
}

TEST(Add, ActivationAttributeIsRejectedRatherThanIgnored) {
  try {
    make_layer({{"type", "add"}, {"activation", "relu"}}, "r1");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "layer 'r1': attribute \"activation\"");
  }
}

}  // namespace
}  // namespace vkcnn
