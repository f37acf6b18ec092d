// The training step as a whole: gradients routed through a graph with a fork (a residual add,
// a channel gate), a pool and a final softmax, checked against a double-precision model built
// from the per-op references; and a resumed run that must match an uninterrupted one bit for bit.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include <vkcnn/model/init.h>
#include <vkcnn/model/model_file.h>
#include <vkcnn/model/spec.h>
#include <vkcnn/train/checkpoint.h>
#include <vkcnn/train/training_plan.h>

#include "reference/activation.h"
#include "reference/add.h"
#include "reference/conv2d.h"
#include "reference/dense.h"
#include "reference/global_avgpool.h"
#include "reference/maxpool2d.h"
#include "reference/mul.h"
#include "reference/softmax_cross_entropy.h"
#include "support/gpu_test.h"

namespace vkcnn {
namespace {

// input (N,1,6,6) -> c1 conv 4x3x3 pad 1 -> relu -> c2 conv 4x3x3 pad 1 -> add(relu, c2)
// -> maxpool 2 -> flatten (N,36) -> f1 dense 5 -> softmax
const char* kResidualNet = R"({
  "input": {"channels": 1, "height": 6, "width": 6},
  "layers": [
    {"type": "conv2d", "name": "c1", "out_channels": 4, "kernel": 3, "padding": 1},
    {"type": "relu", "name": "r1"},
    {"type": "conv2d", "name": "c2", "out_channels": 4, "kernel": 3, "padding": 1},
    {"type": "add", "name": "a1", "inputs": ["r1", "c2"]},
    {"type": "maxpool2d", "kernel": 2, "stride": 2},
    {"type": "flatten"},
    {"type": "dense", "name": "f1", "out_features": 5},
    {"type": "softmax"}
  ]})";

constexpr uint32_t kN = 3;
const Shape kIn{kN, 1, 6, 6};
const char* kParamNames[] = {"c1.weight", "c1.bias", "c2.weight", "c2.bias", "f1.weight", "f1.bias"};

// The whole net in double, parameters in kParamNames order concatenated into one vector.
double reference_loss(const std::vector<double>& flat, const std::vector<double>& x, const std::vector<uint32_t>& y,
                      const std::vector<std::size_t>& sizes) {
  std::vector<std::vector<double>> p;
  std::size_t at = 0;
  for (std::size_t s : sizes) p.emplace_back(flat.begin() + at, flat.begin() + at + s), at += s;
  reference::Conv2dConfig c1{4, 3, 3, 1, 1, 1, 1, 1, 1, 1}, c2 = c1;
  auto h1 = reference::activation_forward("relu", reference::conv2d_forward(c1, kIn, x, p[0], p[1]), 0);
  const Shape mid{kN, 4, 6, 6};
  auto h2 = reference::add_forward(h1, reference::conv2d_forward(c2, mid, h1, p[2], p[3]));
  auto pooled = reference::maxpool2d_forward(reference::Pool2dConfig{}, mid, h2).y;  // (N, 4, 3, 3) = (N, 36)
  auto logits = reference::dense_forward(kN, 36, 5, pooled, p[4], p[5]);
  return reference::mean_cross_entropy(logits, y, 5, 0.0);
}

// The parameters in kParamNames order, concatenated (with each one's size), for the references.
struct FlatParams {
  std::vector<double> values;
  std::vector<std::size_t> sizes;
};
FlatParams flatten_params(const Weights& w) {
  FlatParams f;
  for (const char* name : kParamNames) {
    const auto& v = w.at(name).values;
    f.values.insert(f.values.end(), v.begin(), v.end());
    f.sizes.push_back(v.size());
  }
  return f;
}

// After one plain SGD step with lr 1, every parameter moved by exactly its gradient: checks
// before - after against `expected` (in kParamNames order, concatenated).
void expect_moved_by_gradient(const Weights& before, const Weights& after, const std::vector<double>& expected) {
  std::size_t at = 0;
  for (const char* name : kParamNames) {
    const auto& b = before.at(name).values;
    const auto& a = after.at(name).values;
    ASSERT_EQ(a.size(), b.size()) << name;
    std::vector<float> grad(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) grad[i] = b[i] - a[i];
    const std::vector<double> want(expected.begin() + at, expected.begin() + at + a.size());
    EXPECT_CLOSE_TO_REFERENCE(grad, want, test::kBackwardTolerance, std::string(name) + " gradient");
    at += a.size();
  }
}

TEST(TrainingPlan, OneSgdStepMovesEveryParamByTheReferenceGradient) {
  ModelSpec spec = parse_model_spec(kResidualNet, "residual-net");
  Weights w = initialize_weights(Graph(spec), 5);
  std::mt19937 rng(9);
  auto x = test::random_floats(kIn.count(), rng);
  std::vector<uint32_t> y{1, 4, 0};

  TrainingOptions options;
  options.batch = kN;
  options.optimizer.momentum = 0;  // plain SGD with lr 1: param_after = param - grad
  TrainingPlan plan(test::context(), spec, w, options, "residual-net");
  EXPECT_EQ(plan.classes(), 5u);

  const FlatParams p = flatten_params(w);
  const double ref_loss = reference_loss(p.values, test::to_double(x), y, p.sizes);

  // Inference semantics first (nothing here differs between the modes), then a training step.
  BatchResult before = plan.evaluate(x, y);
  EXPECT_NEAR(before.loss_sum / kN, ref_loss, 1e-4 * std::abs(ref_loss)) << "evaluate() loss";
  BatchResult step = plan.train_step(x, y, 1.0);
  EXPECT_NEAR(step.loss_sum / kN, ref_loss, 1e-4 * std::abs(ref_loss)) << "train_step() loss";
  EXPECT_EQ(step.count, kN);
  EXPECT_EQ(plan.step(), 1u);

  auto numeric = test::numeric_gradient(
      [&](const std::vector<double>& v) { return reference_loss(v, test::to_double(x), y, p.sizes); }, p.values);
  Weights after = plan.weights();
  expect_moved_by_gradient(w, after, numeric);
  EXPECT_EQ(after.at("f1.weight").dims, (std::vector<int64_t>{5, 36}));
}

// A squeeze-and-excitation gate: the gradient reaches the features through both of mul's
// inputs (directly, and through the pooled, gated branch), and through silu and tanh.
// input (N,1,6,6) -> c1 conv 4x3x3 pad 1 -> silu s1 -> global avgpool -> c2 conv 4x1x1
// -> tanh g -> mul(s1, g) -> flatten (N,144) -> f1 dense 5 -> softmax
const char* kGatedNet = R"({
  "input": {"channels": 1, "height": 6, "width": 6},
  "layers": [
    {"type": "conv2d", "name": "c1", "out_channels": 4, "kernel": 3, "padding": 1},
    {"type": "silu", "name": "s1"},
    {"type": "global_avgpool"},
    {"type": "conv2d", "name": "c2", "out_channels": 4, "kernel": 1},
    {"type": "tanh", "name": "g"},
    {"type": "mul", "inputs": ["s1", "g"]},
    {"type": "flatten"},
    {"type": "dense", "name": "f1", "out_features": 5},
    {"type": "softmax"}
  ]})";

double gated_reference_loss(const std::vector<double>& flat, const std::vector<double>& x,
                            const std::vector<uint32_t>& y, const std::vector<std::size_t>& sizes) {
  std::vector<std::vector<double>> p;
  std::size_t at = 0;
  for (std::size_t s : sizes) p.emplace_back(flat.begin() + at, flat.begin() + at + s), at += s;
  const reference::Conv2dConfig c1{4, 3, 3, 1, 1, 1, 1, 1, 1, 1}, c2{4, 1, 1, 1, 1, 0, 0, 1, 1, 1};
  const Shape features{kN, 4, 6, 6}, pooled{kN, 4, 1, 1};
  auto s1 = reference::activation_forward("silu", reference::conv2d_forward(c1, kIn, x, p[0], p[1]), 0);
  auto squeezed = reference::global_avgpool_forward(features, s1);
  auto g = reference::activation_forward("tanh", reference::conv2d_forward(c2, pooled, squeezed, p[2], p[3]), 0);
  auto gated = reference::mul_forward(features, s1, g);
  auto logits = reference::dense_forward(kN, 144, 5, gated, p[4], p[5]);
  return reference::mean_cross_entropy(logits, y, 5, 0.0);
}

TEST(TrainingPlan, GradientsFlowThroughBothInputsOfAChannelGate) {
  ModelSpec spec = parse_model_spec(kGatedNet, "gated-net");
  Weights w = initialize_weights(Graph(spec), 7);
  std::mt19937 rng(13);
  auto x = test::random_floats(kIn.count(), rng);
  std::vector<uint32_t> y{2, 0, 3};

  TrainingOptions options;
  options.batch = kN;
  options.optimizer.momentum = 0;  // plain SGD with lr 1: param_after = param - grad
  TrainingPlan plan(test::context(), spec, w, options, "gated-net");
  const FlatParams p = flatten_params(w);
  const double ref_loss = gated_reference_loss(p.values, test::to_double(x), y, p.sizes);
  BatchResult step = plan.train_step(x, y, 1.0);
  EXPECT_NEAR(step.loss_sum / kN, ref_loss, 1e-4 * std::abs(ref_loss)) << "train_step() loss";

  auto numeric = test::numeric_gradient(
      [&](const std::vector<double>& v) { return gated_reference_loss(v, test::to_double(x), y, p.sizes); }, p.values);
  expect_moved_by_gradient(w, plan.weights(), numeric);
}

// Batchnorm (running statistics), dropout (per-step seeds) and AdamW (moments, bias correction
// by step count) all carry state that a checkpoint must restore.
const char* kStatefulNet = R"({
  "input": {"channels": 1, "height": 8, "width": 8},
  "layers": [
    {"type": "conv2d", "name": "c1", "out_channels": 6, "kernel": 3, "padding": 1, "bias": false},
    {"type": "batchnorm2d", "name": "bn1"},
    {"type": "relu"},
    {"type": "maxpool2d", "kernel": 2, "stride": 2},
    {"type": "flatten"},
    {"type": "dropout", "p": 0.3},
    {"type": "dense", "name": "f1", "out_features": 4},
    {"type": "softmax"}
  ]})";

struct Batches {
  std::vector<std::vector<float>> x;
  std::vector<std::vector<uint32_t>> y;
};

Batches make_batches(int count, uint32_t batch) {
  std::mt19937 rng(21);
  Batches b;
  for (int i = 0; i < count; ++i) {
    b.x.push_back(test::random_floats(batch * 64, rng));
    std::vector<uint32_t> y(batch);
    for (auto& l : y) l = rng() % 4;
    b.y.push_back(y);
  }
  return b;
}

TEST(TrainingPlan, ResumeFromCheckpointContinuesBitExactly) {
  ModelSpec spec = parse_model_spec(kStatefulNet, "stateful-net");
  Weights w = initialize_weights(Graph(spec), 3);
  TrainingOptions options;
  options.batch = 5;
  options.seed = 77;
  options.optimizer.kind = OptimizerKind::AdamW;
  options.optimizer.weight_decay = 0.01;
  Batches data = make_batches(6, options.batch);
  auto lr = [](int s) { return 0.01 / (1 + s); };

  TrainingPlan straight(test::context(), spec, w, options);
  std::vector<double> losses;
  for (int s = 0; s < 6; ++s) losses.push_back(straight.train_step(data.x[s], data.y[s], lr(s)).loss_sum);

  const std::string path = (std::filesystem::temp_directory_path() / "vkcnn_resume_test.ckpt").string();
  {
    TrainingPlan first(test::context(), spec, w, options);
    for (int s = 0; s < 3; ++s) first.train_step(data.x[s], data.y[s], lr(s));
    write_checkpoint(path, spec, first.state(), {{"epoch", 1}});
  }
  Checkpoint ckpt = read_checkpoint(path);
  std::filesystem::remove(path);
  EXPECT_EQ(ckpt.state.step, 3u);
  EXPECT_EQ(ckpt.info.at("epoch"), 1);
  EXPECT_EQ(ckpt.state.optimizer.count("c1.weight.exp_avg_sq"), 1u);
  EXPECT_EQ(ckpt.state.weights.count("bn1.running_var"), 1u);

  // A fresh plan from different initial weights: everything must come from the checkpoint.
  TrainingPlan resumed(test::context(), ckpt.spec, initialize_weights(Graph(spec), 99), options);
  resumed.restore(ckpt.state);
  for (int s = 3; s < 6; ++s)
    EXPECT_EQ(resumed.train_step(data.x[s], data.y[s], lr(s)).loss_sum, losses[s]) << "step " << s;
  Weights a = straight.weights(), b = resumed.weights();
  for (const auto& [name, p] : a) EXPECT_EQ(p.values, b.at(name).values) << name << " differs after resuming";
  EXPECT_NE(a.at("bn1.running_mean").values, w.at("bn1.running_mean").values) << "running statistics never moved";
}

TEST(TrainingPlan, RejectsBadBatchesWithMessages) {
  ModelSpec spec = parse_model_spec(kStatefulNet, "stateful-net");
  TrainingOptions options;
  options.batch = 4;
  TrainingPlan plan(test::context(), spec, initialize_weights(Graph(spec), 1), options, "net.json");
  std::vector<float> x(4 * 64);
  auto expect_error = [](auto fn, const std::string& text) {
    try {
      fn();
      ADD_FAILURE() << "no error, expected: " << text;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
  };
  expect_error([&] { plan.train_step(std::span(x).first(0), std::vector<uint32_t>{}, 0.1); },
               "net.json: 0 labels for a batch of 4 (a training step takes 1 to 4 samples)");
  std::vector<float> five(5 * 64);
  expect_error(
      [&] {
        plan.train_step(five, std::vector<uint32_t>{0, 1, 2, 3, 0}, 0.1);
      },
      "net.json: 5 labels for a batch of 4 (a training step takes 1 to 4 samples)");
  expect_error(
      [&] {
        plan.train_step(x, std::vector<uint32_t>{0, 1, 2, 4}, 0.1);
      },
      "label 4 of sample 3 is out of range for 4 classes");
  expect_error(
      [&] {
        plan.evaluate(std::span(x).first(64), std::vector<uint32_t>{0, 1});
      },
      "64 input values for 2 images");
  Weights missing = initialize_weights(Graph(spec), 1);
  missing.erase("f1.bias");
  expect_error([&] { TrainingPlan p(test::context(), spec, missing, options, "net.json"); },
               "net.json: missing tensor \"f1.bias\"");
}

TEST(Checkpoint, ModelFilesAndMissingStateAreRejectedWithThePathNamed) {
  ModelSpec spec = parse_model_spec(kStatefulNet, "stateful-net");
  Weights w = initialize_weights(Graph(spec), 1);
  const std::string path = (std::filesystem::temp_directory_path() / "vkcnn_not_a_checkpoint.vkcnn").string();
  write_model_file(path, spec, w);
  try {
    read_checkpoint(path);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path + ": not a vkcnn checkpoint"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);

  // A checkpoint of an SGD run cannot restore an AdamW plan: its moments are missing.
  TrainingOptions sgd;
  sgd.batch = 2;
  TrainingPlan sgd_plan(test::context(), spec, w, sgd, "net");
  TrainingOptions adamw = sgd;
  adamw.optimizer.kind = OptimizerKind::AdamW;
  TrainingPlan adamw_plan(test::context(), spec, w, adamw, "net");
  try {
    adamw_plan.restore(sgd_plan.state());
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("net: checkpoint lacks optimizer state \"c1.weight.exp_avg\" (adamw)"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace vkcnn
