#include "reference/optimizer.h"

#include <gtest/gtest.h>

#include <iterator>

#include <vkcnn/train/optimizer.h>

#include "support/gpu_test.h"

namespace vkcnn {
namespace {

// Tensors of odd sizes (one past an elementwise group of 256), and one of a multiple of 4 that
// AdamW steps four floats an invocation (past 256 such invocations); five steps with a fresh
// gradient each, a learning rate that changes per step (as a schedule would).
constexpr std::size_t kSizes[] = {13, 301, 1028};
constexpr std::size_t kTensors = std::size(kSizes);
constexpr int kSteps = 5;
double lr_at(int step) { return 0.05 * (1.0 + 0.3 * step); }

struct GpuRun {
  std::vector<std::vector<float>> params;
  std::vector<std::vector<std::vector<float>>> state;
};

GpuRun run_gpu(const OptimizerConfig& config, const std::vector<std::vector<float>>& init,
               const std::vector<std::vector<std::vector<float>>>& grads) {
  Context& ctx = test::context();
  std::vector<Tensor> params, g;
  std::vector<TensorView> pv, gv;
  params.reserve(kTensors), g.reserve(kTensors);
  for (std::size_t i = 0; i < kTensors; ++i) {
    params.emplace_back(ctx, Shape{static_cast<uint32_t>(kSizes[i]), 1, 1, 1}).upload(init[i]);
    g.emplace_back(ctx, Shape{static_cast<uint32_t>(kSizes[i]), 1, 1, 1});
    pv.push_back(params[i].view());
    gv.push_back(g[i].view());
  }
  Optimizer opt(ctx, config, kSizes);
  for (int s = 0; s < kSteps; ++s) {
    for (std::size_t i = 0; i < kTensors; ++i) g[i].upload(grads[s][i]);
    run_once(ctx, [&](Recorder& rec) { opt.record(rec, pv, gv, lr_at(s), s + 1); });
  }
  GpuRun r;
  for (std::size_t i = 0; i < kTensors; ++i) r.params.push_back(params[i].download()), r.state.push_back(opt.state(i));
  return r;
}

struct Data {
  std::vector<std::vector<float>> init;
  std::vector<std::vector<std::vector<float>>> grads;  // [step][tensor]
};

Data make_data() {
  std::mt19937 rng(17);
  Data d;
  for (std::size_t n : kSizes) d.init.push_back(test::random_floats(n, rng));
  for (int s = 0; s < kSteps; ++s) {
    d.grads.emplace_back();
    // Gradients of mixed magnitude, some tiny, so AdamW's eps and sqrt both matter.
    for (std::size_t n : kSizes) {
      auto g = test::random_floats(n, rng, -2.f, 2.f);
      for (std::size_t k = 0; k < n; k += 7) g[k] *= 1e-4f;
      d.grads.back().push_back(g);
    }
  }
  return d;
}

struct SgdCase {
  double momentum, weight_decay;
  bool nesterov;
};

class SgdTest : public ::testing::TestWithParam<SgdCase> {};

TEST_P(SgdTest, FiveStepsMatchPyTorchDefinition) {
  const SgdCase c = GetParam();
  Data d = make_data();
  OptimizerConfig config;
  config.kind = OptimizerKind::Sgd;
  config.momentum = c.momentum;
  config.weight_decay = c.weight_decay;
  config.nesterov = c.nesterov;
  GpuRun gpu = run_gpu(config, d.init, d.grads);
  for (std::size_t i = 0; i < kTensors; ++i) {
    std::vector<double> p = test::to_double(d.init[i]);
    reference::SgdState st;
    for (int s = 0; s < kSteps; ++s)
      reference::sgd_step(p, test::to_double(d.grads[s][i]), st, lr_at(s), c.momentum, c.weight_decay, c.nesterov);
    EXPECT_CLOSE_TO_REFERENCE(gpu.params[i], p, 1e-5, "param " + std::to_string(i));
    if (c.momentum > 0) {
      ASSERT_EQ(gpu.state[i].size(), 1u);
      EXPECT_CLOSE_TO_REFERENCE(gpu.state[i][0], st.momentum_buffer, 1e-5, "momentum_buffer");
    } else {
      EXPECT_TRUE(gpu.state[i].empty()) << "plain SGD keeps no state";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Variants, SgdTest,
                         ::testing::Values(SgdCase{0, 0, false}, SgdCase{0.9, 0, false}, SgdCase{0.9, 5e-3, false},
                                           SgdCase{0.8, 1e-2, true}));

TEST(AdamW, FiveStepsMatchPyTorchDefinitionWithBiasCorrectionAndDecoupledDecay) {
  Data d = make_data();
  for (double wd : {0.0, 0.05}) {
    OptimizerConfig config;
    config.kind = OptimizerKind::AdamW;
    config.weight_decay = wd;
    config.beta1 = 0.85;
    config.beta2 = 0.99;
    config.eps = 1e-6;
    GpuRun gpu = run_gpu(config, d.init, d.grads);
    for (std::size_t i = 0; i < kTensors; ++i) {
      std::vector<double> p = test::to_double(d.init[i]);
      reference::AdamWState st;
      for (int s = 0; s < kSteps; ++s)
        reference::adamw_step(p, test::to_double(d.grads[s][i]), st, lr_at(s), 0.85, 0.99, 1e-6, wd);
      std::string what = "wd " + std::to_string(wd) + " tensor " + std::to_string(i);
      EXPECT_CLOSE_TO_REFERENCE(gpu.params[i], p, 1e-5, what + " param");
      ASSERT_EQ(gpu.state[i].size(), 2u);
      EXPECT_CLOSE_TO_REFERENCE(gpu.state[i][0], st.exp_avg, 1e-5, what + " exp_avg");
      EXPECT_CLOSE_TO_REFERENCE(gpu.state[i][1], st.exp_avg_sq, 1e-5, what + " exp_avg_sq");
    }
  }
}

TEST(Optimizer, RejectsNesterovWithoutMomentumAndUnknownNames) {
  OptimizerConfig config;
  config.momentum = 0;
  config.nesterov = true;
  const std::size_t sizes[] = {4};
  try {
    Optimizer opt(test::context(), config, sizes);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Nesterov momentum needs SGD with momentum > 0"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(optimizer_from_string("AdamW"), OptimizerKind::AdamW);
  try {
    optimizer_from_string("adam");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown optimizer \"adam\""), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace vkcnn
