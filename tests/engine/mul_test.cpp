// mul: y = a * b with b of a's shape or one factor per channel plane (squeeze-and-excitation),
// forward and both gradients against the double reference and finite differences.
#include "layers/mul.h"

#include <gtest/gtest.h>

#include <numeric>

#include "reference/mul.h"
#include "support/gpu_test.h"

namespace vkcnn {
namespace {

using test::HostTensor;

std::unique_ptr<Layer> make_mul() { return make_layer({{"type", "mul"}, {"inputs", {"a", "b"}}}, "m1"); }

// b's shape for a's: the same, or one value per (image, channel).
Shape b_shape(const Shape& a, bool per_plane) { return per_plane ? Shape{a.n, a.c, 1, 1} : a; }

class MulTest : public ::testing::TestWithParam<bool> {};  // per_plane

TEST_P(MulTest, ForwardMatchesReferenceOnOddShapes) {
  std::mt19937 rng(3);
  for (Shape a_shape : {Shape{1, 1, 1, 1}, Shape{2, 3, 13, 11}, Shape{3, 7, 5, 9}, Shape{1, 300, 1, 1}}) {
    const Shape bs = b_shape(a_shape, GetParam());
    auto layer = make_mul();
    auto a = test::random_floats(a_shape.count(), rng), b = test::random_floats(bs.count(), rng);
    auto y = test::run_forward(*layer, {HostTensor{a_shape, a}, HostTensor{bs, b}}, {});
    auto ref = reference::mul_forward(a_shape, test::to_double(a), test::to_double(b));
    EXPECT_CLOSE_TO_REFERENCE(y, ref, test::kForwardTolerance, a_shape.str() + " * " + bs.str());
  }
}

TEST_P(MulTest, BackwardAccumulatesIntoBothInputsAndMatchesFiniteDifferences) {
  std::mt19937 rng(5);
  // 300 pixels per plane: more than the plane reduction's 64 invocations, and not a multiple.
  for (Shape a_shape : {Shape{2, 3, 7, 5}, Shape{2, 5, 15, 20}}) {
    const Shape bs = b_shape(a_shape, GetParam());
    auto layer = make_mul();
    auto a = test::random_floats(a_shape.count(), rng), b = test::random_floats(bs.count(), rng);
    auto dy = test::random_floats(a_shape.count(), rng);
    const float grad_init = 0.5f;
    auto r = test::run_backward(*layer, {HostTensor{a_shape, a}, HostTensor{bs, b}}, {}, dy, 0, grad_init);

    auto ad = test::to_double(a), bd = test::to_double(b), dyd = test::to_double(dy);
    auto expected = reference::mul_backward(a_shape, ad, bd, dyd);
    auto loss = [&](const std::vector<double>& x, const std::vector<double>& s) {
      auto out = reference::mul_forward(a_shape, x, s);
      return std::inner_product(out.begin(), out.end(), dyd.begin(), 0.0);
    };
    auto numeric_a = test::numeric_gradient([&](const std::vector<double>& v) { return loss(v, bd); }, ad);
    auto numeric_b = test::numeric_gradient([&](const std::vector<double>& v) { return loss(ad, v); }, bd);
    for (int input = 0; input < 2; ++input) {
      auto added = r.grad_inputs[input];
      for (float& g : added) g -= grad_init;  // what backward added (an overwrite fails here)
      const std::string what = a_shape.str() + " * " + bs.str() + " d" + "ab"[input];
      EXPECT_CLOSE_TO_REFERENCE(added, input == 0 ? expected.da : expected.db, test::kBackwardTolerance, what);
      EXPECT_CLOSE_TO_REFERENCE(added, input == 0 ? numeric_a : numeric_b, test::kBackwardTolerance,
                                what + " vs finite differences");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Broadcast, MulTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "PerPlane" : "SameShape"; });

// Gradient views that run_backward does not make: only one of the two, or both the same buffer
// (mul(x, x), whose gradient is 2 x dy).
TEST(Mul, BackwardWritesOnlyTheGradientsAskedForAndSumsASharedOne) {
  Context& ctx = test::context();
  std::mt19937 rng(7);
  const Shape shape{2, 3, 5, 7};
  auto values = [&] { return test::random_floats(shape.count(), rng); };
  auto a_host = values(), b_host = values(), dy_host = values(), init = values();
  Tensor a(ctx, shape), b(ctx, shape), y(ctx, shape), dy(ctx, shape), grad(ctx, shape);
  a.upload(a_host);
  b.upload(b_host);
  dy.upload(dy_host);
  auto layer = make_mul();

  enum class Case { OnlyA, OnlyB, Shared };
  for (Case c : {Case::OnlyA, Case::OnlyB, Case::Shared}) {
    LayerIO io;
    io.inputs = {a.view(), c == Case::Shared ? a.view() : b.view()};
    io.output = y.view();
    io.training = true;
    grad.upload(init);
    LayerGrads grads{
        dy.view(), {c == Case::OnlyB ? TensorView{} : grad.view(), c == Case::OnlyA ? TensorView{} : grad.view()}, {}};
    run_once(ctx, [&](Recorder& rec) {
      layer->forward(rec, io);
      layer->backward(rec, io, grads);
    });
    auto got = grad.download();
    std::vector<double> expected(got.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      const double d = c == Case::OnlyA ? b_host[i] : (c == Case::OnlyB ? a_host[i] : 2.0 * a_host[i]);
      expected[i] = init[i] + d * dy_host[i];
    }
    EXPECT_CLOSE_TO_REFERENCE(got, expected, test::kBackwardTolerance,
                              c == Case::OnlyA ? "only da" : (c == Case::OnlyB ? "only db" : "shared"));
  }
}

TEST(Mul, ShapeMismatchNamesTheLayerAndTheShapesItAccepts) {
  auto layer = make_mul();
  const Shape shapes[] = {{2, 3, 4, 5}, {2, 3, 4, 1}};
  try {
    layer->output_shape(shapes);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(std::string(e.what()),
                    "mul 'm1': the second input must have the first's shape (2, 3, 4, 5) or "
                    "one value per channel (2, 3, 1, 1), got (2, 3, 4, 1)");
  }
  EXPECT_EQ(layer->input_count(), 2u);
}

}  // namespace
}  // namespace vkcnn
