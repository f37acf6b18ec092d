#include "layers/conv2d.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <functional>

#include "engine/conv2d_cases.h"
#include "reference/activation.h"
#include "reference/conv2d.h"
#include "reference/maxpool2d.h"
#include "support/gpu_test.h"

namespace vkcnn {
namespace {

using test::HostTensor;

using Case = test::Conv2dCase;
using Data = test::Conv2dData;
using test::expect_error;
nlohmann::json spec_of(const Case& k, const std::string& gemm = "") { return test::conv2d_spec(k, "", gemm); }
// Each GEMM core in turn (the "gemm" attribute): the device's auto pick reaches only one.
const std::vector<std::string> kGemmKernels = test::gemm_kernels();
Data random_data(const Case& k, std::mt19937& rng) { return test::random_conv2d_data(k, rng); }

// Odd sizes everywhere; each line exercises one feature of nn.Conv2d or one shader path.
// Config order: {out_channels, kh, kw, sh, sw, ph, pw, dh, dw, groups}.
const Case kCases[] = {
    {"3x3 pad 1", {2, 3, 13, 11}, {5, 3, 3, 1, 1, 1, 1}},
    {"stride 2, 3x5 kernel", {3, 4, 13, 11}, {6, 3, 5, 2, 2, 1, 2}},
    {"dilation 2", {1, 3, 13, 11}, {4, 3, 3, 1, 1, 2, 2, 2, 2}},
    {"groups 2, stride (1,2)", {2, 4, 9, 7}, {6, 3, 3, 1, 2, 1, 1, 1, 1, 2}},
    {"groups 3, no bias", {3, 6, 7, 9}, {9, 3, 1, 1, 1, 0, 0, 1, 1, 3}, false},
    {"depthwise stride 2", {2, 5, 13, 11}, {5, 3, 3, 2, 2, 1, 1, 1, 1, 5}},
    {"depthwise x2 5x5", {1, 3, 7, 7}, {6, 5, 5, 1, 1, 2, 2, 1, 1, 3}},
    {"depthwise dilation 2", {2, 4, 11, 13}, {4, 3, 3, 1, 1, 2, 2, 2, 2, 4}},
    {"depthwise 1x9 (wider than the row window)", {1, 2, 5, 17}, {2, 1, 9, 1, 1, 0, 4, 1, 1, 2}},
    {"one input channel", {2, 1, 13, 11}, {7, 3, 3, 1, 1, 1, 1}},
    {"1x1", {3, 7, 5, 9}, {11, 1, 1}},
    {"1x1 stride 2, no bias", {2, 6, 9, 7}, {5, 1, 1, 2, 2}, false},
    // Image planes of 20 pixels and 8 taps: the subgroup core reads x and w as vec4s.
    {"1x1, vec4 pixels and taps", {2, 8, 4, 5}, {19, 1, 1}},
    {"kernel wider than input", {1, 2, 3, 4}, {3, 5, 5, 1, 1, 2, 2}},
    // More than one tile in every GEMM dimension: M = 70, K = 12*9 = 108, N = 2*11*13 = 286.
    {"several tiles", {2, 12, 11, 13}, {70, 3, 3, 1, 1, 1, 1}},
};

TEST(Conv2d, ForwardMatchesReferenceOnOddShapes) {
  std::mt19937 rng(3);
  for (const std::string& gemm : kGemmKernels)
    for (const Case& k : kCases) {
      auto layer = make_layer(spec_of(k, gemm), "c1");
      Data d = random_data(k, rng);
      auto y = test::run_forward(*layer, {HostTensor{k.in, d.x}}, d.params());
      auto ref = reference::conv2d_forward(k.c, k.in, test::to_double(d.x), test::to_double(d.w), test::to_double(d.b));
      EXPECT_CLOSE_TO_REFERENCE(y, ref, test::kForwardTolerance,
                                std::string(k.what) + " " + k.in.str() + " on the " + gemm + " gemm");
    }
}

TEST(Conv2d, ForwardAppliesFusedActivation) {
  std::mt19937 rng(5);
  for (const std::string& gemm : kGemmKernels)
    for (const Case& k : {kCases[0], kCases[5]}) {  // the GEMM and the depthwise epilogue
      for (Activation kind : activation_kinds()) {
        const std::string name(activation_type(kind));
        auto layer = make_layer(spec_of(k, gemm), "c1");
        if (kind == Activation::Clamp) {  // its two bounds stay in a layer of their own
          EXPECT_FALSE(layer->fuse_activation(kind, 0.2f));
          continue;
        }
        ASSERT_TRUE(layer->fuse_activation(kind, 0.2f));
        Data d = random_data(k, rng);
        for (float& v : d.x) v *= 4;  // reach relu6's upper clamp
        auto y = test::run_forward(*layer, {HostTensor{k.in, d.x}}, d.params());
        auto ref =
            reference::conv2d_forward(k.c, k.in, test::to_double(d.x), test::to_double(d.w), test::to_double(d.b));
        for (double& v : ref) v = reference::activate(name, v, 0.2);
        EXPECT_CLOSE_TO_REFERENCE(y, ref, test::kForwardTolerance,
                                  std::string(k.what) + " + " + name + " on the " + gemm + " gemm");
      }
    }
}

// Backward on every case, against the analytic reference gradients; every gradient starts at
// 0.5 to prove the shaders accumulate. "split-K" has enough pixels (3*20*20) that the weight
// gradient is split across workgroups and reduced.
TEST(Conv2d, BackwardAccumulatesAndMatchesReferenceOnOddShapes) {
  std::mt19937 rng(13);
  std::vector<Case> cases(std::begin(kCases), std::end(kCases));
  cases.push_back({"split-K", {3, 4, 20, 20}, {6, 3, 3, 1, 1, 1, 1}});
  // Many pixels and a 14x14 map (quads of dy as vec4s), split over workgroups.
  cases.push_back({"split-K, 14x14", {5, 6, 14, 14}, {21, 3, 3, 1, 1, 1, 1}});
  const float grad_init = 0.5f;
  for (const std::string& gemm : kGemmKernels)
    for (const Case& k : cases) {
      auto layer = make_layer(spec_of(k, gemm), "c1");
      Data d = random_data(k, rng);
      Shape out = reference::conv2d_output_shape(k.c, k.in);
      auto dy = test::random_floats(out.count(), rng);
      auto r = test::run_backward(*layer, {HostTensor{k.in, d.x}}, d.params(), dy, 0, grad_init);
      auto ref = reference::conv2d_backward(k.c, k.in, test::to_double(d.x), test::to_double(d.w), test::to_double(dy));
      for (auto* v : {&ref.dx, &ref.dw, &ref.db})
        for (double& e : *v) e += grad_init;
      const std::string what = std::string(k.what) + " " + k.in.str() + " on the " + gemm + " gemm";
      EXPECT_CLOSE_TO_REFERENCE(r.grad_inputs[0], ref.dx, test::kBackwardTolerance, what + " dx");
      ASSERT_EQ(r.grad_params.size(), k.bias ? 2u : 1u) << what;
      EXPECT_CLOSE_TO_REFERENCE(r.grad_params[0], ref.dw, test::kBackwardTolerance, what + " dw");
      if (k.bias) EXPECT_CLOSE_TO_REFERENCE(r.grad_params[1], ref.db, test::kBackwardTolerance, what + " db");
    }
}

// The reference's own gradients against central differences of its forward pass, and the
// device against both, on small shapes: stride + padding + dilation, groups, depthwise.
TEST(Conv2d, BackwardMatchesFiniteDifferences) {
  std::mt19937 rng(17);
  const Case cases[] = {
      {"stride 2, dilation 2, groups 2", {2, 4, 7, 6}, {4, 3, 2, 2, 1, 2, 1, 2, 1, 2}},
      {"depthwise", {2, 3, 5, 5}, {3, 3, 3, 1, 1, 1, 1, 1, 1, 3}},
  };
  const float grad_init = -0.25f;
  for (const Case& k : cases) {
    auto layer = make_layer(spec_of(k), "c1");
    Data d = random_data(k, rng);
    Shape out = reference::conv2d_output_shape(k.c, k.in);
    auto dy = test::random_floats(out.count(), rng);
    auto r = test::run_backward(*layer, {HostTensor{k.in, d.x}}, d.params(), dy, 0, grad_init);

    // L = sum(dy * conv(x, w, b)): numeric gradient in each of x, w, b with the others fixed.
    auto xd = test::to_double(d.x), wd = test::to_double(d.w), bd = test::to_double(d.b);
    auto loss = [&](const std::vector<double>& x, const std::vector<double>& w, const std::vector<double>& b) {
      auto y = reference::conv2d_forward(k.c, k.in, x, w, b);
      double s = 0;
      for (std::size_t i = 0; i < y.size(); ++i) s += dy[i] * y[i];
      return s;
    };
    auto num_dx = test::numeric_gradient([&](const std::vector<double>& v) { return loss(v, wd, bd); }, xd);
    auto num_dw = test::numeric_gradient([&](const std::vector<double>& v) { return loss(xd, v, bd); }, wd);
    auto num_db = test::numeric_gradient([&](const std::vector<double>& v) { return loss(xd, wd, v); }, bd);
    auto ref = reference::conv2d_backward(k.c, k.in, xd, wd, test::to_double(dy));
    EXPECT_LT(test::relative_error(std::vector<float>(ref.dx.begin(), ref.dx.end()), num_dx), 1e-6) << k.what;
    EXPECT_LT(test::relative_error(std::vector<float>(ref.dw.begin(), ref.dw.end()), num_dw), 1e-6) << k.what;
    for (auto* v : {&num_dx, &num_dw, &num_db})
      for (double& e : *v) e += grad_init;
    EXPECT_CLOSE_TO_REFERENCE(r.grad_inputs[0], num_dx, test::kBackwardTolerance, std::string(k.what) + " dx");
    EXPECT_CLOSE_TO_REFERENCE(r.grad_params[0], num_dw, test::kBackwardTolerance, std::string(k.what) + " dw");
    EXPECT_CLOSE_TO_REFERENCE(r.grad_params[1], num_db, test::kBackwardTolerance, std::string(k.what) + " db");
  }
}

// The subgroup core's two ways round for the weight gradient: the tests above reach both (each
// fails them when its result is scaled by 1.01); these are the rule's fixed points.
TEST(Conv2d, WeightGradientWayRoundFollowsTheFetchCount) {
  EXPECT_TRUE(conv2d::weight_gradient_taps_as_columns(32 * 9, 64, 14 * 14)) << "refcnn's c2";
  EXPECT_TRUE(conv2d::weight_gradient_taps_as_columns(64 * 9, 64, 56 * 56)) << "ResNet-18's layer1";
  EXPECT_FALSE(conv2d::weight_gradient_taps_as_columns(1 * 9, 32, 28 * 28)) << "refcnn's c1: few taps";
  EXPECT_FALSE(conv2d::weight_gradient_taps_as_columns(512 * 9, 512, 7 * 7)) << "7x7: quads would span images";
}

// The shared-memory core's tilings are picked per device (GPU or CPU list) and shape, so one
// device's run of the tests above reaches only some of them: force each in turn, forward and
// backward, on a shape that leaves partial tiles in M, N and K (both groups, split-K reduction
// included).
TEST(Conv2d, EveryTilingMatchesReference) {
  std::mt19937 rng(29);
  const Case k{"groups 2, M 35, K 45", {2, 10, 9, 11}, {70, 3, 3, 1, 1, 1, 1, 1, 1, 2}, false};
  Data d = random_data(k, rng);
  Shape out = reference::conv2d_output_shape(k.c, k.in);
  auto dy = test::random_floats(out.count(), rng);
  auto y_ref = reference::conv2d_forward(k.c, k.in, test::to_double(d.x), test::to_double(d.w), {});
  auto g_ref = reference::conv2d_backward(k.c, k.in, test::to_double(d.x), test::to_double(d.w), test::to_double(dy));
  std::vector<conv2d::Tile> tiles(conv2d::gpu_tiles().begin(), conv2d::gpu_tiles().end());
  tiles.insert(tiles.end(), conv2d::cpu_tiles().begin(), conv2d::cpu_tiles().end());
  for (const conv2d::Tile& t : tiles) {
    nlohmann::json spec = spec_of(k, "shared");
    spec["tile"] = {t.bm, t.bn, t.bk, t.tm, t.tn};
    auto layer = make_layer(spec, "c1");
    auto r = test::run_backward(*layer, {HostTensor{k.in, d.x}}, d.params(), dy);
    const std::string what = "tile " + std::to_string(t.bm) + "x" + std::to_string(t.bn) + "x" + std::to_string(t.bk) +
                             " / " + std::to_string(t.tm) + "x" + std::to_string(t.tn);
    EXPECT_CLOSE_TO_REFERENCE(r.output, y_ref, test::kForwardTolerance, what + " y");
    EXPECT_CLOSE_TO_REFERENCE(r.grad_inputs[0], g_ref.dx, test::kBackwardTolerance, what + " dx");
    EXPECT_CLOSE_TO_REFERENCE(r.grad_params[0], g_ref.dw, test::kBackwardTolerance, what + " dw");
  }
}

TEST(Conv2d, BackwardWithFusedActivationThrows) {
  Case k = kCases[0];
  auto layer = make_layer(spec_of(k), "c1");
  layer->fuse_activation(Activation::Relu, 0);
  std::mt19937 rng(1);
  Data d = random_data(k, rng);
  auto dy = std::vector<float>(reference::conv2d_output_shape(k.c, k.in).count(), 1.f);
  expect_error([&] { test::run_backward(*layer, {HostTensor{k.in, d.x}}, d.params(), dy); }, {"'c1'", "fused"});
}

// A 2x2 stride-2 max pool in the conv (max_pool_2x2, which the inference rewrite sets): on the
// subgroup core the epilogue pools; on the shared-memory core the conv writes its output to
// scratch and a max pool reads it from there. Odd outputs drop their last row or column, as
// the pool does; 1x1 convs whose pixels the subgroup core would read as vec4s read floats.
TEST(Conv2d, FusedMaxPoolMatchesConvActivationThenPool) {
  std::mt19937 rng(9);
  const reference::Pool2dConfig two;  // kernel 2, stride 2
  for (const std::string& gemm : kGemmKernels)
    for (const Case& k : {kCases[0], kCases[1], kCases[3], kCases[12], kCases[14]})
      for (Activation kind : {Activation::None, Activation::LeakyRelu}) {
        nlohmann::json spec = spec_of(k, gemm);
        spec["max_pool_2x2"] = true;
        auto layer = make_layer(spec, "c1");
        if (kind != Activation::None) ASSERT_TRUE(layer->fuse_activation(kind, 0.2f));
        Data d = random_data(k, rng);
        auto y = test::run_forward(*layer, {HostTensor{k.in, d.x}}, d.params());
        auto conv =
            reference::conv2d_forward(k.c, k.in, test::to_double(d.x), test::to_double(d.w), test::to_double(d.b));
        if (kind != Activation::None)
          for (double& v : conv) v = reference::activate(std::string(activation_type(kind)), v, 0.2);
        auto ref = reference::maxpool2d_forward(two, reference::conv2d_output_shape(k.c, k.in), conv).y;
        const Shape pooled = layer->output_shape(std::span(&k.in, 1));
        EXPECT_EQ(pooled.count(), ref.size()) << k.what;
        EXPECT_CLOSE_TO_REFERENCE(y, ref, test::kForwardTolerance,
                                  std::string(k.what) + " " + k.in.str() + " pooled, " + activation_type(kind).data() +
                                      ", on the " + gemm + " gemm");
      }
}

// The rewrite asks fuse_max_pool_2x2, which takes the pool only where every batch's forward
// runs the GEMM; a file that sets the attribute elsewhere gets an error naming the layer.
TEST(Conv2d, FusedMaxPoolOnlyWhereTheGemmRuns) {
  auto conv = [](uint32_t out, uint32_t kernel, uint32_t groups = 1) {
    return nlohmann::json{{"type", "conv2d"}, {"out_channels", out}, {"kernel", kernel}, {"groups", groups}};
  };
  EXPECT_TRUE(make_layer(conv(64, 3), "c")->fuse_max_pool_2x2(32));
  EXPECT_TRUE(make_layer(conv(64, 1), "c")->fuse_max_pool_2x2(64));    // a 1x1 conv is never Winograd
  EXPECT_FALSE(make_layer(conv(64, 3), "c")->fuse_max_pool_2x2(64));   // auto may pick Winograd
  EXPECT_FALSE(make_layer(conv(6, 3, 6), "c")->fuse_max_pool_2x2(6));  // depthwise
  auto fused = make_layer(conv(8, 3), "c");
  ASSERT_TRUE(fused->fuse_max_pool_2x2(3));
  EXPECT_FALSE(fused->fuse_max_pool_2x2(3)) << "one pool only";

  nlohmann::json winograd = conv(8, 3);
  winograd.update({{"algorithm", "winograd"}, {"max_pool_2x2", true}});
  expect_error([&] { make_layer(winograd, "c13"); }, {"'c13'", "max_pool_2x2 needs the gemm algorithm, got winograd"});
  nlohmann::json wide = conv(64, 3);
  wide["max_pool_2x2"] = true;
  auto wide_layer = make_layer(wide, "c14");
  expect_error(
      [&] {
        wide_layer->output_shape(std::vector<Shape>{{1, 64, 8, 8}});
      },
      {"'c14'", "max_pool_2x2 needs a conv that always runs the gemm algorithm", "64 -> 64"});
  nlohmann::json thin = conv(4, 3);
  thin["max_pool_2x2"] = true;
  auto thin_layer = make_layer(thin, "c15");
  expect_error(
      [&] {
        thin_layer->output_shape(std::vector<Shape>{{1, 3, 3, 9}});
      },
      {"'c15'", "output (1, 4, 1, 7) is smaller than the fused max pool's 2x2 window"});

  Case k = kCases[0];
  nlohmann::json spec = spec_of(k);
  spec["max_pool_2x2"] = true;
  auto layer = make_layer(spec, "c16");
  std::mt19937 rng(1);
  Data d = random_data(k, rng);
  auto dy = std::vector<float>(layer->output_shape(std::span(&k.in, 1)).count(), 1.f);
  expect_error(
      [&] {
        test::run_backward(*layer, {HostTensor{k.in, d.x}}, d.params(), dy);
      },
      {"'c16'", "backward through a fused max pool"});
}

// Without the scratch Layer::scratch_floats asks for, a fused pool on the shared-memory core has
// nowhere to put the unpooled output: an error naming the layer, not a write out of bounds.
TEST(Conv2d, FusedMaxPoolWithoutScratchIsAnError) {
  const Case k = kCases[0];  // (2, 3, 13, 11) -> conv (2, 5, 13, 11): 1430 floats
  nlohmann::json spec = spec_of(k, "shared");
  spec["max_pool_2x2"] = true;
  auto layer = make_layer(spec, "c17");
  Context& ctx = test::context();
  Tensor x(ctx, k.in), y(ctx, layer->output_shape(std::span(&k.in, 1))), w(ctx, Shape{5, 3, 3, 3}),
      b(ctx, Shape{5, 1, 1, 1});
  LayerIO io;
  io.inputs = {x.view()};
  io.output = y.view();
  io.params = {w.view(), b.view()};
  Recorder rec(ctx);
  rec.begin();
  expect_error([&] { layer->forward(rec, io); },
               {"'c17'", "the fused max pool needs 1430 floats of scratch (Layer::scratch_floats), got 0"});
}

TEST(Conv2d, ParamsFollowPyTorch) {
  auto layer = make_layer({{"type", "conv2d"}, {"out_channels", 6}, {"kernel", {3, 5}}, {"groups", 2}}, "c1");
  auto p = layer->params(std::vector<Shape>{{1, 4, 9, 9}});
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].suffix, "weight");
  EXPECT_EQ(p[0].dims, (std::vector<int64_t>{6, 2, 3, 5}));
  EXPECT_EQ(p[0].init, ParamInit::KaimingUniform);
  EXPECT_EQ(p[0].fan_in, 30);
  EXPECT_EQ(p[1].suffix, "bias");
  EXPECT_EQ(p[1].dims, (std::vector<int64_t>{6}));
  EXPECT_EQ(p[1].init, ParamInit::FanInUniform);
  EXPECT_EQ(p[1].fan_in, 30);
  EXPECT_EQ(layer->output_shape(std::vector<Shape>{{3, 4, 9, 9}}), (Shape{3, 6, 7, 5}));
}

TEST(Conv2d, BadGroupsAndSmallInputsAreErrorsNamingTheLayer) {
  expect_error(
      [] {
        make_layer({{"type", "conv2d"}, {"out_channels", 5}, {"kernel", 3}, {"groups", 2}}, "c7");
      },
      {"'c7'", "out_channels 5", "groups 2"});
  auto layer = make_layer({{"type", "conv2d"}, {"out_channels", 4}, {"kernel", 3}, {"groups", 2}}, "c8");
  expect_error([&] { layer->output_shape(std::vector<Shape>{{1, 3, 8, 8}}); }, {"'c8'", "in_channels 3", "groups 2"});
  auto big = make_layer({{"type", "conv2d"}, {"out_channels", 4}, {"kernel", 5}, {"dilation", 2}}, "c9");
  expect_error([&] { big->output_shape(std::vector<Shape>{{1, 3, 8, 9}}); }, {"'c9'", "(1, 3, 8, 9)", "too small"});
  expect_error([] { make_layer({{"type", "conv2d"}, {"kernel", 3}}, "c10"); }, {"'c10'", "out_channels"});
  // A file asking for 16M rows of zeros around a 3x3 kernel (gigabytes of output) is refused.
  expect_error(
      [] {
        make_layer({{"type", "conv2d"}, {"out_channels", 4}, {"kernel", 3}, {"padding", 1 << 24}}, "c11");
      },
      {"'c11'", "padding 16777216 is wider than the kernel's extent 3"});
  EXPECT_NO_THROW(make_layer({{"type", "conv2d"}, {"out_channels", 4}, {"kernel", 3}, {"padding", 3}}, "c12"));
}

}  // namespace
}  // namespace vkcnn
