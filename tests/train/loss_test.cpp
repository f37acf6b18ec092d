#include "train/loss.h"

#include <gtest/gtest.h>

#include <cstring>

#include "reference/softmax_cross_entropy.h"
#include "support/gpu_test.h"

namespace vkcnn {
namespace {

struct LossRun {
  std::vector<float> loss, grad;
  std::vector<uint32_t> predicted;
};

// Runs the loss shader on (rows, K) logits of which the first `count` rows are real.
LossRun run_loss(const std::vector<float>& logits, const std::vector<uint32_t>& labels, uint32_t rows, uint32_t K,
                 uint32_t count, float smoothing, float grad_init, bool with_grad = true) {
  Context& ctx = test::context();
  Tensor x(ctx, Shape{rows, K, 1, 1});
  x.upload(logits);
  Buffer lab(ctx, rows * 4, MemoryKind::Device);
  lab.write(std::as_bytes(std::span(labels)));
  Tensor grad(ctx, Shape{rows, K, 1, 1});
  grad.upload(std::vector<float>(rows * K, grad_init));
  Buffer loss(ctx, rows * 4, MemoryKind::Device), pred(ctx, rows * 4, MemoryKind::Device);
  run_once(ctx, [&](Recorder& rec) {
    record_softmax_cross_entropy(rec, {x.view(), &lab, with_grad ? grad.view() : TensorView{}, &loss, &pred}, count,
                                 smoothing);
  });
  LossRun r{std::vector<float>(rows), grad.download(), std::vector<uint32_t>(rows)};
  loss.read(std::as_writable_bytes(std::span(r.loss)));
  pred.read(std::as_writable_bytes(std::span(r.predicted)));
  return r;
}

class SoftmaxCrossEntropyTest : public ::testing::TestWithParam<float> {};

// 13 rows of which 11 are samples (a short last batch), 7 classes, logits spread wide enough
// that the max-subtraction matters.
TEST_P(SoftmaxCrossEntropyTest, MatchesReferenceAndFiniteDifferences) {
  const float smoothing = GetParam();
  const uint32_t rows = 13, count = 11, K = 7;
  std::mt19937 rng(3);
  auto logits = test::random_floats(rows * K, rng, -6.f, 6.f);
  std::vector<uint32_t> labels(rows);
  for (auto& l : labels) l = rng() % K;
  const float grad_init = 0.25f;
  LossRun r = run_loss(logits, labels, rows, K, count, smoothing, grad_init);

  std::vector<double> x(logits.begin(), logits.begin() + count * K);
  std::vector<uint32_t> y(labels.begin(), labels.begin() + count);
  auto ref = reference::softmax_cross_entropy(x, y, K, smoothing);
  std::vector<float> gpu_loss(r.loss.begin(), r.loss.begin() + count);
  EXPECT_CLOSE_TO_REFERENCE(gpu_loss, ref.loss, test::kForwardTolerance, "per-sample loss");
  for (uint32_t i = 0; i < count; ++i) EXPECT_EQ(r.predicted[i], ref.predicted[i]) << "sample " << i;
  for (uint32_t i = count; i < rows; ++i) EXPECT_EQ(r.loss[i], 0.f) << "padding row " << i << " has a loss";

  // The gradient accumulates onto grad_init; padding rows keep it unchanged.
  std::vector<float> gpu_grad(r.grad.begin(), r.grad.begin() + count * K);
  for (float& g : gpu_grad) g -= grad_init;
  EXPECT_CLOSE_TO_REFERENCE(gpu_grad, ref.grad, test::kBackwardTolerance, "dlogits vs analytic");
  auto numeric = test::numeric_gradient(
      [&](const std::vector<double>& v) { return reference::mean_cross_entropy(v, y, K, smoothing); }, x);
  EXPECT_CLOSE_TO_REFERENCE(gpu_grad, numeric, test::kBackwardTolerance, "dlogits vs finite differences");
  for (uint32_t i = count * K; i < rows * K; ++i) EXPECT_EQ(r.grad[i], grad_init) << "padding gradient " << i;
}

INSTANTIATE_TEST_SUITE_P(Smoothing, SoftmaxCrossEntropyTest, ::testing::Values(0.f, 0.1f));

TEST(SoftmaxCrossEntropy, ManyClassesAndLargeLogitsStayFinite) {
  const uint32_t rows = 5, K = 1000;
  std::mt19937 rng(5);
  auto logits = test::random_floats(rows * K, rng, -80.f, 80.f);
  std::vector<uint32_t> labels{0, 999, 500, 3, 77};
  LossRun r = run_loss(logits, labels, rows, K, rows, 0.f, 0.f);
  auto ref = reference::softmax_cross_entropy(test::to_double(logits), labels, K, 0.0);
  EXPECT_CLOSE_TO_REFERENCE(r.loss, ref.loss, test::kForwardTolerance, "loss");
  EXPECT_CLOSE_TO_REFERENCE(r.grad, ref.grad, test::kBackwardTolerance, "dlogits");
}

TEST(SoftmaxCrossEntropy, EvaluationLeavesGradientsAlone) {
  const uint32_t rows = 3, K = 4;
  std::vector<float> logits{1, 2, 3, 4, 4, 3, 2, 1, 0, 0, 5, 0};
  std::vector<uint32_t> labels{3, 1, 2};
  LossRun r = run_loss(logits, labels, rows, K, rows, 0.f, 0.5f, false);
  for (float g : r.grad) EXPECT_EQ(g, 0.5f);
  auto ref = reference::softmax_cross_entropy(test::to_double(logits), labels, K, 0.0);
  EXPECT_CLOSE_TO_REFERENCE(r.loss, ref.loss, test::kForwardTolerance, "loss");
  EXPECT_EQ(r.predicted, (std::vector<uint32_t>{3, 0, 2}));
}

TEST(SoftmaxCrossEntropy, RejectsBadSmoothingAndCounts) {
  Context& ctx = test::context();
  Tensor x(ctx, Shape{2, 3, 1, 1});
  Buffer b(ctx, 8, MemoryKind::Device);
  Recorder rec(ctx);
  rec.begin();
  try {
    record_softmax_cross_entropy(rec, {x.view(), &b, TensorView{}, &b, &b}, 2, 1.0f);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("label smoothing must be in [0, 1)"), std::string::npos) << e.what();
  }
  try {
    record_softmax_cross_entropy(rec, {x.view(), &b, TensorView{}, &b, &b}, 3, 0.f);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("3 samples for logits (2, 3, 1, 1)"), std::string::npos) << e.what();
  }
  rec.end();
}

}  // namespace
}  // namespace vkcnn
