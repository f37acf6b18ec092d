// Fine-tuning in the training plan: frozen layers (TrainingOptions::frozen) keep their weights
// bit for bit, a frozen batchnorm normalises with its running statistics and leaves them alone,
// the gradients of the layers that still train match finite differences of a double-precision
// model in which the frozen layers are constants; and a short last batch trains on its samples
// alone.
#include <gtest/gtest.h>

#include <map>

#include <vkcnn/model/init.h>
#include <vkcnn/model/spec.h>
#include <vkcnn/train/training_plan.h>

#include "reference/activation.h"
#include "reference/batchnorm2d.h"
#include "reference/conv2d.h"
#include "reference/dense.h"
#include "reference/softmax_cross_entropy.h"
#include "support/gpu_test.h"

namespace vkcnn {
namespace {

// input (N,1,6,6) -> c1 conv 4x3x3 pad 1 -> bn1 -> tanh -> c2 conv 3x3x3 pad 1 -> flatten
// (N,108) -> f1 dense 5 -> softmax
const char* kNet = R"({
  "input": {"channels": 1, "height": 6, "width": 6},
  "layers": [
    {"type": "conv2d", "name": "c1", "out_channels": 4, "kernel": 3, "padding": 1},
    {"type": "batchnorm2d", "name": "bn1", "eps": 0.001},
    {"type": "tanh", "name": "t1"},
    {"type": "conv2d", "name": "c2", "out_channels": 3, "kernel": 3, "padding": 1},
    {"type": "flatten"},
    {"type": "dense", "name": "f1", "out_features": 5},
    {"type": "softmax"}
  ]})";
constexpr double kBnEps = 1e-3;
constexpr uint32_t kClasses = 5;

using Params = std::map<std::string, std::vector<double>>;

// The net in double on n images; batchnorm with the batch's statistics (training) or with its
// running ones (frozen).
double reference_loss(const Params& p, const std::vector<double>& x, const std::vector<uint32_t>& y, bool bn_frozen) {
  const uint32_t n = static_cast<uint32_t>(y.size());
  const Shape in{n, 1, 6, 6}, mid{n, 4, 6, 6};
  const reference::Conv2dConfig c1{4, 3, 3, 1, 1, 1, 1, 1, 1, 1}, c2{3, 3, 3, 1, 1, 1, 1, 1, 1, 1};
  auto h = reference::conv2d_forward(c1, in, x, p.at("c1.weight"), p.at("c1.bias"));
  h = bn_frozen ? reference::batchnorm2d_forward(mid, h, p.at("bn1.running_mean"), p.at("bn1.running_var"),
                                                 p.at("bn1.weight"), p.at("bn1.bias"), kBnEps)
                : reference::batchnorm2d_forward_training(mid, h, p.at("bn1.weight"), p.at("bn1.bias"), kBnEps);
  h = reference::activation_forward("tanh", h, 0);
  h = reference::conv2d_forward(c2, mid, h, p.at("c2.weight"), p.at("c2.bias"));
  auto logits = reference::dense_forward(n, 108, kClasses, h, p.at("f1.weight"), p.at("f1.bias"));
  return reference::mean_cross_entropy(logits, y, kClasses, 0.0);
}

Params to_params(const Weights& w) {
  Params p;
  for (const auto& [name, t] : w) p[name] = test::to_double(t.values);
  return p;
}

// Random weights, batchnorm included (its running statistics away from 0 and 1, so that using
// them or not shows).
Weights random_weights(const ModelSpec& spec, uint32_t seed) {
  Weights w = initialize_weights(Graph(spec), seed);
  std::mt19937 rng(seed);
  w["bn1.weight"].values = test::random_floats(4, rng, 0.5f, 1.5f);
  w["bn1.bias"].values = test::random_floats(4, rng);
  w["bn1.running_mean"].values = test::random_floats(4, rng, -0.3f, 0.3f);
  w["bn1.running_var"].values = test::random_floats(4, rng, 0.5f, 2.f);
  return w;
}

// After one plain SGD step with lr 1, every trainable parameter moved by exactly its gradient,
// here the finite differences of the double model (frozen parameters held constant).
void expect_moved_by_numeric_gradient(const Weights& before, const Weights& after, const std::vector<float>& x,
                                      const std::vector<uint32_t>& y, bool bn_frozen,
                                      const std::vector<std::string>& trained) {
  const Params p = to_params(before);
  for (const std::string& name : trained) {
    auto numeric = test::numeric_gradient(
        [&](const std::vector<double>& v) {
          Params q = p;
          q[name] = v;
          return reference_loss(q, test::to_double(x), y, bn_frozen);
        },
        p.at(name));
    const auto &b = before.at(name).values, &a = after.at(name).values;
    std::vector<float> moved(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) moved[i] = b[i] - a[i];
    EXPECT_CLOSE_TO_REFERENCE(moved, numeric, test::kBackwardTolerance, name + " gradient");
  }
}

void expect_unchanged(const Weights& before, const Weights& after, const std::vector<std::string>& names) {
  for (const std::string& name : names)
    EXPECT_EQ(after.at(name).values, before.at(name).values) << name << " changed although frozen";
}

TEST(Freeze, FrozenMiddleLayersStayBitIdenticalWhileTheGradientFlowsThroughThem) {
  ModelSpec spec = parse_model_spec(kNet, "net");
  const Weights w = random_weights(spec, 5);
  std::mt19937 rng(9);
  const std::vector<float> x = test::random_floats(3 * 36, rng);
  const std::vector<uint32_t> y{1, 4, 0};

  TrainingOptions options;
  options.batch = 3;
  options.optimizer.momentum = 0;  // plain SGD with lr 1: param_after = param - grad
  options.frozen = {"bn1", "c2"};  // c1 below them still trains: dx crosses a frozen conv and batchnorm
  TrainingPlan plan(test::context(), spec, w, options, "net");
  const double ref_loss = reference_loss(to_params(w), test::to_double(x), y, true);
  BatchResult step = plan.train_step(x, y, 1.0);
  EXPECT_NEAR(step.loss_sum / 3, ref_loss, 1e-4 * std::abs(ref_loss)) << "a frozen batchnorm uses running statistics";

  const Weights after = plan.weights();
  expect_unchanged(w, after, {"bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "c2.weight", "c2.bias"});
  expect_moved_by_numeric_gradient(w, after, x, y, true, {"c1.weight", "c1.bias", "f1.weight", "f1.bias"});
}

TEST(Freeze, AllButTheHeadLeavesTheBodyAloneOverManyAdamWSteps) {
  ModelSpec spec = parse_model_spec(kNet, "net");
  const Weights w = random_weights(spec, 6);
  TrainingOptions options;
  options.batch = 4;
  options.optimizer.kind = OptimizerKind::AdamW;
  options.optimizer.weight_decay = 0.1;  // decay must not touch frozen weights either
  options.frozen = {"c1", "bn1", "c2"};
  TrainingPlan plan(test::context(), spec, w, options, "net");
  std::mt19937 rng(3);
  for (int s = 0; s < 3; ++s) {
    std::vector<uint32_t> y(4);
    for (auto& l : y) l = rng() % kClasses;
    plan.train_step(test::random_floats(4 * 36, rng), y, 0.05);
  }
  const Weights after = plan.weights();
  expect_unchanged(w, after,
                   {"c1.weight", "c1.bias", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
                    "c2.weight", "c2.bias"});
  EXPECT_NE(after.at("f1.weight").values, w.at("f1.weight").values) << "the head never trained";
  EXPECT_NE(after.at("f1.bias").values, w.at("f1.bias").values);
  // Frozen parameters have no optimizer state (a checkpoint holds none for them).
  const TrainingState state = plan.state();
  EXPECT_EQ(state.optimizer.count("f1.weight.exp_avg"), 1u);
  EXPECT_EQ(state.optimizer.count("c1.weight.exp_avg"), 0u);
  EXPECT_EQ(state.optimizer.count("bn1.weight.exp_avg"), 0u);

  // One plain SGD step of the head alone against finite differences.
  TrainingOptions sgd = options;
  sgd.optimizer = OptimizerConfig{};
  sgd.optimizer.momentum = 0;
  sgd.batch = 2;
  TrainingPlan head(test::context(), spec, w, sgd, "net");
  const std::vector<float> x = test::random_floats(2 * 36, rng);
  const std::vector<uint32_t> y{3, 1};
  head.train_step(x, y, 1.0);
  expect_moved_by_numeric_gradient(w, head.weights(), x, y, true, {"f1.weight", "f1.bias"});
}

TEST(Freeze, ATrainingBatchnormStillMovesItsStatisticsNextToAFrozenConv) {
  ModelSpec spec = parse_model_spec(kNet, "net");
  const Weights w = random_weights(spec, 8);
  TrainingOptions options;
  options.batch = 3;
  options.optimizer.momentum = 0;
  options.frozen = {"c1"};
  TrainingPlan plan(test::context(), spec, w, options, "net");
  std::mt19937 rng(4);
  const std::vector<float> x = test::random_floats(3 * 36, rng);
  const std::vector<uint32_t> y{0, 2, 2};
  plan.train_step(x, y, 1.0);
  const Weights after = plan.weights();
  expect_unchanged(w, after, {"c1.weight", "c1.bias"});
  EXPECT_NE(after.at("bn1.running_mean").values, w.at("bn1.running_mean").values);
  expect_moved_by_numeric_gradient(w, after, x, y, false, {"bn1.weight", "bn1.bias", "c2.weight", "f1.weight"});
}

TEST(Freeze, BadLayerNamesAreErrorsListingTheLayersWithParameters) {
  ModelSpec spec = parse_model_spec(kNet, "net");
  const Weights w = random_weights(spec, 1);
  auto error_for = [&](std::vector<std::string> frozen) {
    TrainingOptions options;
    options.batch = 2;
    options.frozen = std::move(frozen);
    try {
      TrainingPlan plan(test::context(), spec, w, options, "net.vkcnn");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_CONTAINS(error_for({"c3"}),
                  "net.vkcnn: cannot freeze 'c3': no layer of that name (layers with parameters: c1, bn1, c2, f1)");
  EXPECT_CONTAINS(error_for({"c1", "t1"}), "cannot freeze 't1': layer without parameters (layers with parameters:");
  EXPECT_CONTAINS(error_for({"c1", "bn1", "c2", "f1"}), "net.vkcnn: every layer is frozen: nothing to train");
  EXPECT_EQ(layers_with_parameters(Graph(spec)), (std::vector<std::string>{"c1", "bn1", "c2", "f1"}));
}

// A dataset's last, short batch: a plan for 5 images takes a step on 3, whose loss is their mean
// and whose batchnorm statistics are theirs alone.
TEST(PartialBatch, AShortBatchTrainsOnItsSamplesAlone) {
  ModelSpec spec = parse_model_spec(kNet, "net");
  const Weights w = random_weights(spec, 11);
  TrainingOptions options;
  options.batch = 5;
  options.optimizer.momentum = 0;
  TrainingPlan plan(test::context(), spec, w, options, "net");
  std::mt19937 rng(12);
  // A full batch first, so that the short one follows a step that used all five rows.
  plan.train_step(test::random_floats(5 * 36, rng), std::vector<uint32_t>{0, 1, 2, 3, 4}, 0.0);
  const std::vector<float> x = test::random_floats(3 * 36, rng);
  const std::vector<uint32_t> y{4, 0, 3};
  const Weights before = plan.weights();
  BatchResult r = plan.train_step(x, y, 1.0);
  EXPECT_EQ(r.count, 3u);
  const double ref_loss = reference_loss(to_params(before), test::to_double(x), y, false);
  EXPECT_NEAR(r.loss_sum / 3, ref_loss, 1e-4 * std::abs(ref_loss));
  expect_moved_by_numeric_gradient(before, plan.weights(), x, y, false,
                                   {"c1.weight", "c1.bias", "bn1.weight", "bn1.bias", "c2.weight", "f1.weight"});
  // The running statistics moved by the three images' statistics (momentum 0.1).
  const std::vector<double> h =
      reference::conv2d_forward({4, 3, 3, 1, 1, 1, 1, 1, 1, 1}, Shape{3, 1, 6, 6}, test::to_double(x),
                                to_params(before).at("c1.weight"), to_params(before).at("c1.bias"));
  const auto stats = reference::batchnorm2d_batch_stats(Shape{3, 4, 6, 6}, h);
  std::vector<double> expected_mean(4);
  for (int c = 0; c < 4; ++c) expected_mean[c] = 0.9 * before.at("bn1.running_mean").values[c] + 0.1 * stats.mean[c];
  EXPECT_CLOSE_TO_REFERENCE(plan.weights().at("bn1.running_mean").values, expected_mean, test::kForwardTolerance,
                            "running_mean after the short batch");
}

}  // namespace
}  // namespace vkcnn
