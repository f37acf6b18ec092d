#include "layers/batchnorm2d.h"

#include <gtest/gtest.h>

#include "reference/batchnorm2d.h"
#include "support/gpu_test.h"

namespace vkcnn {
namespace {

using test::HostTensor;

constexpr double kEps = 1e-3, kMomentum = 0.3;  // not the defaults, so that both are seen to be read

std::unique_ptr<Layer> make_bn() {
  return make_layer({{"type", "batchnorm2d"}, {"eps", kEps}, {"momentum", kMomentum}}, "bn");
}

struct BnData {
  std::vector<float> x, weight, bias, running_mean, running_var;
  std::vector<std::vector<float>> params() const { return {weight, bias, running_mean, running_var}; }
};

// x centred on 3 (not 0): a one-pass E[x^2] - E[x]^2 variance would lose digits there.
BnData random_data(Shape s, std::mt19937& rng) {
  return {test::random_floats(s.count(), rng, 2.f, 4.f), test::random_floats(s.c, rng, 0.5f, 1.5f),
          test::random_floats(s.c, rng), test::random_floats(s.c, rng), test::random_floats(s.c, rng, 0.5f, 2.f)};
}

std::vector<double> plus(std::vector<double> v, double a) {
  for (double& e : v) e += a;
  return v;
}

// One batch per channel (2 values), many per invocation (2*40*40 > 256), and odd sizes.
const Shape kShapes[] = {{3, 5, 7, 9}, {2, 3, 1, 1}, {2, 3, 40, 40}, {1, 70, 3, 5}};

TEST(BatchNorm2d, TrainingForwardMatchesReferenceAndMovesRunningStats) {
  std::mt19937 rng(29);
  for (Shape s : kShapes) {
    auto layer = make_bn();
    BnData d = random_data(s, rng);
    auto r = test::run_backward(*layer, {HostTensor{s, d.x}}, d.params(), std::vector<float>(s.count(), 0.f));
    auto xd = test::to_double(d.x);
    auto ref = reference::batchnorm2d_forward_training(s, xd, test::to_double(d.weight), test::to_double(d.bias), kEps);
    EXPECT_CLOSE_TO_REFERENCE(r.output, ref, test::kForwardTolerance, s.str());

    // PyTorch: running = (1 - momentum) running + momentum stat, with the unbiased variance.
    auto st = reference::batchnorm2d_batch_stats(s, xd);
    const double count = double(s.n) * s.h * s.w;
    std::vector<double> mean(s.c), var(s.c);
    for (uint32_t c = 0; c < s.c; ++c) {
      mean[c] = (1 - kMomentum) * d.running_mean[c] + kMomentum * st.mean[c];
      var[c] = (1 - kMomentum) * d.running_var[c] + kMomentum * st.var[c] * count / (count - 1);
    }
    ASSERT_EQ(r.params_after.size(), 4u);
    EXPECT_CLOSE_TO_REFERENCE(r.params_after[2], mean, test::kForwardTolerance, "running_mean " + s.str());
    EXPECT_CLOSE_TO_REFERENCE(r.params_after[3], var, test::kForwardTolerance, "running_var " + s.str());
    EXPECT_EQ(r.params_after[0], d.weight) << "weight must not move in forward";
    EXPECT_EQ(r.params_after[1], d.bias) << "bias must not move in forward";
  }
}

TEST(BatchNorm2d, InferenceUsesRunningStats) {
  std::mt19937 rng(31);
  for (Shape s : kShapes) {
    auto layer = make_bn();
    BnData d = random_data(s, rng);
    auto y = test::run_forward(*layer, {HostTensor{s, d.x}}, d.params(), false);
    auto ref = reference::batchnorm2d_forward(s, test::to_double(d.x), test::to_double(d.running_mean),
                                              test::to_double(d.running_var), test::to_double(d.weight),
                                              test::to_double(d.bias), kEps);
    EXPECT_CLOSE_TO_REFERENCE(y, ref, test::kForwardTolerance, s.str());
  }
}

TEST(BatchNorm2d, BackwardAccumulatesAndMatchesReferenceAndFiniteDifferences) {
  std::mt19937 rng(37);
  for (Shape s : {Shape{3, 5, 7, 9}, Shape{2, 3, 1, 1}, Shape{1, 70, 3, 5}}) {
    auto layer = make_bn();
    BnData d = random_data(s, rng);
    auto dy = test::random_floats(s.count(), rng);
    const float grad_init = 0.25f;
    auto r = test::run_backward(*layer, {HostTensor{s, d.x}}, d.params(), dy, 0, grad_init);
    ASSERT_EQ(r.grad_params.size(), 2u) << "running statistics are not trainable";

    auto xd = test::to_double(d.x), wd = test::to_double(d.weight), bd = test::to_double(d.bias);
    auto dyd = test::to_double(dy);
    auto g = reference::batchnorm2d_backward(s, xd, wd, dyd, kEps);
    EXPECT_CLOSE_TO_REFERENCE(r.grad_inputs[0], plus(g.dx, grad_init), test::kBackwardTolerance, "dx " + s.str());
    EXPECT_CLOSE_TO_REFERENCE(r.grad_params[0], plus(g.dweight, grad_init), test::kBackwardTolerance, "dweight");
    EXPECT_CLOSE_TO_REFERENCE(r.grad_params[1], plus(g.dbias, grad_init), test::kBackwardTolerance, "dbias");

    auto loss = [&](const std::vector<double>& x, const std::vector<double>& w, const std::vector<double>& b) {
      auto y = reference::batchnorm2d_forward_training(s, x, w, b, kEps);
      double l = 0;
      for (std::size_t i = 0; i < y.size(); ++i) l += dyd[i] * y[i];
      return l;
    };
    auto dx = test::numeric_gradient([&](const std::vector<double>& v) { return loss(v, wd, bd); }, xd);
    auto dw = test::numeric_gradient([&](const std::vector<double>& v) { return loss(xd, v, bd); }, wd);
    auto db = test::numeric_gradient([&](const std::vector<double>& v) { return loss(xd, wd, v); }, bd);
    EXPECT_CLOSE_TO_REFERENCE(r.grad_inputs[0], plus(dx, grad_init), test::kBackwardTolerance, "numeric dx " + s.str());
    EXPECT_CLOSE_TO_REFERENCE(r.grad_params[0], plus(dw, grad_init), test::kBackwardTolerance, "numeric dweight");
    EXPECT_CLOSE_TO_REFERENCE(r.grad_params[1], plus(db, grad_init), test::kBackwardTolerance, "numeric dbias");
  }
}

// A frozen batchnorm (fine-tuning) normalises with its running statistics, which stay put, and
// passes dx = weight dy / sqrt(running_var + eps) on; it computes no parameter gradients.
TEST(BatchNorm2d, FrozenUsesRunningStatsAndBackpropagatesThroughThem) {
  std::mt19937 rng(41);
  for (Shape s : {Shape{3, 5, 7, 9}, Shape{1, 3, 1, 1}, Shape{2, 70, 3, 5}}) {
    auto layer = make_bn();
    BnData d = random_data(s, rng);
    auto dy = test::random_floats(s.count(), rng);
    const float grad_init = 0.25f;
    auto r = test::run_backward(*layer, {HostTensor{s, d.x}}, d.params(), dy, 0, grad_init, /*frozen=*/true);
    EXPECT_TRUE(r.grad_params.empty());
    EXPECT_EQ(r.params_after[2], d.running_mean) << "running_mean moved " << s.str();
    EXPECT_EQ(r.params_after[3], d.running_var) << "running_var moved " << s.str();

    auto xd = test::to_double(d.x), dyd = test::to_double(dy);
    auto forward = [&](const std::vector<double>& x) {
      return reference::batchnorm2d_forward(s, x, test::to_double(d.running_mean), test::to_double(d.running_var),
                                            test::to_double(d.weight), test::to_double(d.bias), kEps);
    };
    EXPECT_CLOSE_TO_REFERENCE(r.output, forward(xd), test::kForwardTolerance, "frozen forward " + s.str());
    auto dx = test::numeric_gradient(
        [&](const std::vector<double>& x) {
          auto y = forward(x);
          double l = 0;
          for (std::size_t i = 0; i < y.size(); ++i) l += dyd[i] * y[i];
          return l;
        },
        xd);
    EXPECT_CLOSE_TO_REFERENCE(r.grad_inputs[0], plus(dx, grad_init), test::kBackwardTolerance, "frozen dx " + s.str());
  }
}

TEST(BatchNorm2d, ParamsFollowPyTorch) {
  auto layer = make_layer({{"type", "batchnorm2d"}}, "bn");
  auto* bn = dynamic_cast<BatchNorm2dLayer*>(layer.get());
  ASSERT_NE(bn, nullptr);
  EXPECT_FLOAT_EQ(bn->eps(), 1e-5f);
  EXPECT_FLOAT_EQ(bn->momentum(), 0.1f);
  const Shape in[] = {{2, 6, 5, 5}};
  EXPECT_EQ(layer->output_shape(in), in[0]);
  EXPECT_EQ(layer->scratch_floats(in, true), 12u);
  EXPECT_EQ(layer->scratch_floats(in, false), 0u);
  auto p = layer->params(in);
  ASSERT_EQ(p.size(), 4u);
  const char* names[] = {"weight", "bias", "running_mean", "running_var"};
  const ParamInit inits[] = {ParamInit::Ones, ParamInit::Zeros, ParamInit::Zeros, ParamInit::Ones};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(p[i].suffix, names[i]);
    EXPECT_EQ(p[i].dims, (std::vector<int64_t>{6}));
    EXPECT_EQ(p[i].init, inits[i]) << names[i];
    EXPECT_EQ(p[i].trainable, i < 2) << names[i];
  }
}

void expect_error(const std::function<void()>& fn, const std::string& fragment) {
  try {
    fn();
    FAIL() << "no error, expected " << fragment;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(BatchNorm2d, BadAttributesAndInputsAreRejectedWithTheLayerName) {
  expect_error(
      [] {
        make_layer({{"type", "batchnorm2d"}, {"eps", "small"}}, "bn");
      },
      "layer 'bn': attribute \"eps\" must be a finite number");
  expect_error(
      [] {
        make_layer({{"type", "batchnorm2d"}, {"eps", 0}}, "bn");
      },
      "batchnorm2d 'bn': eps must be positive");
  expect_error(
      [] {
        make_layer({{"type", "batchnorm2d"}, {"momentum", 1.5}}, "bn");
      },
      "batchnorm2d 'bn': momentum must be in [0, 1]");
  // PyTorch refuses too: one value per channel has no variance.
  expect_error(
      [] {
        auto layer = make_bn();
        test::run_forward(*layer, {HostTensor{{1, 2, 1, 1}, {1.f, 2.f}}}, {{1, 1}, {0, 0}, {0, 0}, {1, 1}}, true);
      },
      "batchnorm2d 'bn': training needs more than one value per channel");
}

}  // namespace
}  // namespace vkcnn
