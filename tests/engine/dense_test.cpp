#include "layers/dense.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <optional>

#include "layers/conv2d.h"
#include "reference/activation.h"
#include "reference/dense.h"
#include "support/gpu_test.h"

namespace vkcnn {
namespace {

using test::HostTensor;

struct DenseCase {
  Shape in;      // (N, C, H, W), read as (N, C*H*W)
  uint32_t out;  // out_features
  bool bias;
  // Forced for this case (else chosen per device and shape): the conv2d GEMM tile of the
  // products above the GEMV's batch, and the GEMV's work split.
  std::optional<conv2d::Tile> tile = std::nullopt;
  std::optional<dense::GemvTiling> gemv = std::nullopt;
  GemmKernel gemm = GemmKernel::Auto;  // the GEMM core above the GEMV's batch
};

std::string describe(const DenseCase& c) {
  std::string s = c.in.str() + " -> " + std::to_string(c.out) + (c.bias ? " with bias" : " without bias");
  if (c.tile)
    s += ", tile " + std::to_string(c.tile->bm) + "x" + std::to_string(c.tile->bn) + "x" + std::to_string(c.tile->bk) +
         " / " + std::to_string(c.tile->tm) + "x" + std::to_string(c.tile->tn);
  if (c.gemv) s += ", GEMV " + std::to_string(c.gemv->features) + " x " + std::to_string(c.gemv->invocations);
  if (c.gemm != GemmKernel::Auto) s += std::string(", ") + gemm_kernel_name(c.gemm) + " gemm";
  return s;
}

void PrintTo(const DenseCase& c, std::ostream* os) { *os << describe(c); }

// A forced tiling is the shared-memory core's, so it forces that core too.
std::unique_ptr<DenseLayer> make_dense(const DenseCase& c) {
  const GemmKernel gemm = c.tile ? GemmKernel::Shared : c.gemm;
  const DenseTuning tuning{gemm, c.tile, c.gemv};
  return std::make_unique<DenseLayer>("fc", c.out, c.bias, tuning);
}

struct DenseData {
  std::vector<float> x, w, b;
  std::vector<std::vector<float>> params() const {
    if (b.empty()) return {w};
    return {w, b};
  }
};

DenseData random_data(const DenseCase& c, std::mt19937& rng) {
  const std::size_t K = c.in.per_image();
  DenseData d{test::random_floats(c.in.count(), rng), test::random_floats(c.out * K, rng), {}};
  if (c.bias) d.b = test::random_floats(c.out, rng);
  return d;
}

constexpr uint32_t kGemv = DenseLayer::kMaxGemvRows;
const dense::GemvTiling kGpuGemv = dense::gemv_tilings()[0], kCpuGemv = dense::gemv_tilings()[1];
// Small enough that 67 x 231 -> 131 spans several tiles in every dimension of all three products
// (forward M 131, N 67, K 231; dx M 231, N 67, K 131; dW M 131, N 231, K 67), with partial tiles.
constexpr conv2d::Tile kSmallCpuTile{32, 16, 8, 8, 8}, kSmallGpuTile{64, 64, 16, 4, 4};

// Batches up to kGemv take the GEMV forward (K % 4 == 0 reads vec4s, else floats; 7, 13 and 129
// features leave the 4-feature split a short last workgroup), with each device kind's split
// forced; kGemv + 1 and up the 1x1 conv2d GEMM, as does every backward pass. 1030 images split
// the weight gradient's K (batch) across workgroups (the 1x1 conv splits from 1024 pixels).
const DenseCase kCases[] = {
    {{1, 5, 3, 3}, 7, true},
    {{1, 5, 3, 3}, 7, true, {}, kGpuGemv},
    {{1, 64, 7, 7}, 128, true},  // refcnn's f1 at batch 1
    {{3, 5, 7, 9}, 13, false},
    {{kGemv, 3, 5, 7}, 129, true, {}, kCpuGemv},
    {{kGemv, 3, 5, 7}, 129, true, {}, kGpuGemv},
    {{kGemv, 4, 5, 7}, 13, true, {}, kCpuGemv},
    {{kGemv, 4, 5, 7}, 13, false, {}, kGpuGemv},
    {{kGemv + 1, 3, 5, 7}, 11, true},
    {{kGemv + 1, 4, 5, 7}, 13, false},
    {{67, 3, 7, 11}, 131, true},
    {{67, 3, 7, 11}, 131, true, kSmallCpuTile},
    {{67, 3, 7, 11}, 131, false, kSmallGpuTile},
    {{67, 3, 7, 11}, 131, true, {}, {}, GemmKernel::Subgroup},
    {{kGemv + 1, 4, 5, 7}, 13, false, {}, {}, GemmKernel::Shared},
    {{9, 3, 23, 29}, 10, true},
    {{1030, 7, 1, 1}, 5, true, {}, {}, GemmKernel::Shared},
    {{1030, 7, 1, 1}, 5, true},
};

class DenseTest : public ::testing::TestWithParam<DenseCase> {};

TEST_P(DenseTest, ForwardMatchesReference) {
  const DenseCase c = GetParam();
  std::mt19937 rng(3);
  auto layer = make_dense(c);
  DenseData d = random_data(c, rng);
  const uint32_t K = static_cast<uint32_t>(c.in.per_image());
  auto y = test::run_forward(*layer, {HostTensor{c.in, d.x}}, d.params());
  auto ref =
      reference::dense_forward(c.in.n, K, c.out, test::to_double(d.x), test::to_double(d.w), test::to_double(d.b));
  EXPECT_CLOSE_TO_REFERENCE(y, ref, test::kForwardTolerance, describe(c));
}

TEST_P(DenseTest, FusedActivationMatchesReference) {
  const DenseCase c = GetParam();
  std::mt19937 rng(5);
  auto layer = make_dense(c);
  EXPECT_FALSE(layer->fuse_activation(Activation::Clamp, 0.2f));  // its two bounds stay in a layer of their own
  EXPECT_TRUE(layer->fuse_activation(Activation::LeakyRelu, 0.2f));
  DenseData d = random_data(c, rng);
  const uint32_t K = static_cast<uint32_t>(c.in.per_image());
  auto y = test::run_forward(*layer, {HostTensor{c.in, d.x}}, d.params());
  auto ref = reference::activation_forward(
      "leaky_relu",
      reference::dense_forward(c.in.n, K, c.out, test::to_double(d.x), test::to_double(d.w), test::to_double(d.b)),
      0.2);
  EXPECT_CLOSE_TO_REFERENCE(y, ref, test::kForwardTolerance, describe(c));
}

TEST_P(DenseTest, BackwardAccumulatesAndMatchesReference) {
  const DenseCase c = GetParam();
  std::mt19937 rng(9);
  auto layer = make_dense(c);
  DenseData d = random_data(c, rng);
  const uint32_t N = c.in.n, K = static_cast<uint32_t>(c.in.per_image()), M = c.out;
  auto dy = test::random_floats(std::size_t(N) * M, rng);
  const float grad_init = 0.25f;
  auto r = test::run_backward(*layer, {HostTensor{c.in, d.x}}, d.params(), dy, 0, grad_init);

  auto g = reference::dense_backward(N, K, M, test::to_double(d.x), test::to_double(d.w), test::to_double(dy));
  for (auto* v : {&g.dx, &g.dw, &g.db})
    for (double& e : *v) e += grad_init;
  ASSERT_EQ(r.grad_params.size(), c.bias ? 2u : 1u);
  EXPECT_CLOSE_TO_REFERENCE(r.grad_inputs[0], g.dx, test::kBackwardTolerance, "dx " + describe(c));
  EXPECT_CLOSE_TO_REFERENCE(r.grad_params[0], g.dw, test::kBackwardTolerance, "dweight " + describe(c));
  if (c.bias) EXPECT_CLOSE_TO_REFERENCE(r.grad_params[1], g.db, test::kBackwardTolerance, "dbias " + describe(c));
}

INSTANTIATE_TEST_SUITE_P(Shapes, DenseTest, ::testing::ValuesIn(kCases));

TEST(Dense, BackwardMatchesFiniteDifferences) {
  const Shape in{3, 5, 3, 3};
  const uint32_t N = 3, K = 45, M = 7;
  std::mt19937 rng(13);
  auto layer = make_layer({{"type", "dense"}, {"out_features", M}}, "fc");
  auto x = test::random_floats(in.count(), rng), w = test::random_floats(M * K, rng), b = test::random_floats(M, rng);
  auto dy = test::random_floats(N * M, rng);
  auto r = test::run_backward(*layer, {HostTensor{in, x}}, {w, b}, dy);

  // L = sum(dy * y) as a function of one operand at a time.
  auto xd = test::to_double(x), wd = test::to_double(w), bd = test::to_double(b);
  auto loss = [&](const std::vector<double>& xv, const std::vector<double>& wv, const std::vector<double>& bv) {
    auto y = reference::dense_forward(N, K, M, xv, wv, bv);
    double s = 0;
    for (std::size_t i = 0; i < y.size(); ++i) s += dy[i] * y[i];
    return s;
  };
  auto dx = test::numeric_gradient([&](const std::vector<double>& v) { return loss(v, wd, bd); }, xd);
  auto dw = test::numeric_gradient([&](const std::vector<double>& v) { return loss(xd, v, bd); }, wd);
  auto db = test::numeric_gradient([&](const std::vector<double>& v) { return loss(xd, wd, v); }, bd);
  EXPECT_CLOSE_TO_REFERENCE(r.grad_inputs[0], dx, test::kBackwardTolerance, "dx");
  EXPECT_CLOSE_TO_REFERENCE(r.grad_params[0], dw, test::kBackwardTolerance, "dweight");
  EXPECT_CLOSE_TO_REFERENCE(r.grad_params[1], db, test::kBackwardTolerance, "dbias");
}

// A frozen layer (fine-tuning): no parameter gradients are asked for, dx still flows and
// accumulates.
TEST(Dense, FrozenBackwardGivesDxOnly) {
  const Shape in{5, 9, 1, 1};
  const uint32_t N = 5, K = 9, M = 4;
  std::mt19937 rng(17);
  auto layer = make_layer({{"type", "dense"}, {"out_features", M}}, "fc");
  auto x = test::random_floats(in.count(), rng), w = test::random_floats(M * K, rng), b = test::random_floats(M, rng);
  auto dy = test::random_floats(N * M, rng);
  const float grad_init = 0.5f;
  auto r = test::run_backward(*layer, {HostTensor{in, x}}, {w, b}, dy, 0, grad_init, /*frozen=*/true);
  EXPECT_TRUE(r.grad_params.empty());
  auto g = reference::dense_backward(N, K, M, test::to_double(x), test::to_double(w), test::to_double(dy));
  for (double& v : g.dx) v += grad_init;
  EXPECT_CLOSE_TO_REFERENCE(r.grad_inputs[0], g.dx, test::kBackwardTolerance, "frozen dx");
  EXPECT_EQ(r.params_after[0], w) << "a frozen layer's weights are not written";
}

// The products run as a 1x1 convolution, whose only scratch is for its weight gradient's split-K
// partial sums: none for inference, what the conv asks for in training.
TEST(Dense, ScratchIsTheOneByOneConvolutions) {
  DenseLayer layer("f1", 128, true);
  auto conv = make_layer({{"type", "conv2d"}, {"name", "f1"}, {"out_channels", 128}, {"kernel", 1}}, "f1");
  for (uint32_t n : {1u, kGemv, 64u, 2048u}) {
    const Shape in[] = {{n, 64, 7, 7}}, as_conv[] = {{n, 64 * 7 * 7, 1, 1}};
    EXPECT_EQ(layer.scratch_floats(in, false), 0u) << n;
    EXPECT_EQ(layer.scratch_floats(in, true), conv->scratch_floats(as_conv, true)) << n;
  }
  // The split-K case of kCases must really split.
  const DenseCase& split = kCases[std::size(kCases) - 1];
  const Shape in[] = {split.in};
  EXPECT_GT(make_dense(split)->scratch_floats(in, true), 0u);
}

TEST(Dense, ShapesAndParamsFollowPyTorch) {
  auto layer = make_layer({{"type", "dense"}, {"name", "f1"}, {"out_features", 10}}, "f1");
  const Shape in[] = {{4, 64, 7, 7}};
  EXPECT_EQ(layer->output_shape(in), (Shape{4, 10, 1, 1}));
  auto p = layer->params(in);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].suffix, "weight");
  EXPECT_EQ(p[0].dims, (std::vector<int64_t>{10, 64 * 7 * 7}));
  EXPECT_EQ(p[0].init, ParamInit::KaimingUniform);
  EXPECT_EQ(p[0].fan_in, 64 * 7 * 7);
  EXPECT_EQ(p[1].suffix, "bias");
  EXPECT_EQ(p[1].dims, (std::vector<int64_t>{10}));
  EXPECT_EQ(p[1].init, ParamInit::FanInUniform);
  EXPECT_EQ(p[1].fan_in, 64 * 7 * 7);
  auto no_bias = make_layer({{"type", "dense"}, {"out_features", 10}, {"bias", false}}, "f1");
  EXPECT_EQ(no_bias->params(in).size(), 1u);
}

void expect_error(const nlohmann::json& spec, const std::string& fragment) {
  try {
    make_layer(spec, "f1");
    FAIL() << "no error for " << spec.dump();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'f1'"), std::string::npos) << e.what();
  }
}

TEST(Dense, BadAttributesAreRejectedWithTheLayerName) {
  expect_error({{"type", "dense"}}, "missing attribute \"out_features\"");
  expect_error({{"type", "dense"}, {"out_features", 0}}, "out_features must be at least 1");
  expect_error({{"type", "dense"}, {"out_features", -3}}, "\"out_features\" must be a non-negative integer");
  expect_error({{"type", "dense"}, {"out_features", 4}, {"bias", "yes"}}, "\"bias\" must be true or false");
}

TEST(Dense, BackwardRefusesAFusedActivation) {
  auto layer = make_dense({{2, 3, 1, 1}, 4, true});
  layer->fuse_activation(Activation::Relu, 0.f);
  try {
    test::run_backward(*layer, {HostTensor{{2, 3, 1, 1}, std::vector<float>(6, 1.f)}},
                       {std::vector<float>(12, 1.f), std::vector<float>(4, 0.f)}, std::vector<float>(8, 1.f));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("dense 'fc': backward pass is not available with a fused activation"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace vkcnn
