// conv2d's algorithms forced one at a time (the "algorithm" attribute), Winograd's forward and
// input gradient against the double reference, auto's choices, and the errors for forcing an
// algorithm on a shape it cannot run.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "engine/conv2d_cases.h"
#include "layers/conv2d.h"
#include "reference/activation.h"
#include "reference/conv2d.h"
#include "support/gpu_test.h"

namespace vkcnn {
namespace {

using test::Conv2dCase;
using test::HostTensor;

// "" (none) and every function of activations.def that conv2d fuses.
const std::vector<std::string> kActivations = [] {
  std::vector<std::string> names{""};
  for (Activation a : activation_kinds())
    if (a != Activation::Clamp) names.emplace_back(activation_type(a));  // clamp is never fused
  return names;
}();

// y for a case on the device, with algorithm forced (or auto for "") and activation fused
// (none for ""), and the reference's.
void check_forward(const Conv2dCase& k, const std::string& algorithm, const char* act, std::mt19937& rng,
                   const std::string& gemm = "") {
  auto layer = make_layer(test::conv2d_spec(k, algorithm, gemm), "c1");
  if (*act) {
    ASSERT_TRUE(layer->fuse_activation(*activation_from_type(act), 0.2f));
  }
  test::Conv2dData d = test::random_conv2d_data(k, rng);
  for (float& v : d.x) v *= 4;  // reach relu6's upper clamp
  auto y = test::run_forward(*layer, {HostTensor{k.in, d.x}}, d.params());
  auto ref = reference::conv2d_forward(k.c, k.in, test::to_double(d.x), test::to_double(d.w), test::to_double(d.b));
  if (*act)
    for (double& v : ref) v = reference::activate(act, v, 0.2);
  EXPECT_CLOSE_TO_REFERENCE(y, ref, test::kForwardTolerance,
                            "algorithm " + (algorithm.empty() ? std::string("auto") : algorithm) +
                                (gemm.empty() ? "" : " on the " + gemm + " gemm") + ", " + k.what + " " + k.in.str() +
                                " -> " + std::to_string(k.c.out_channels) + " pad " + std::to_string(k.c.ph) +
                                (k.bias ? " bias" : "") + (*act ? " + " : "") + act);
}

// 3x3 stride-1 shapes both GEMM and Winograd run: cin 3/5/17 x cout 7/33 x padding 0/1/2,
// on 13x11 (odd tile counts both ways), batches 1 and 3 alternating, bias every other case,
// and the activations in turn.
std::vector<Conv2dCase> dense_3x3_cases() {
  std::vector<Conv2dCase> cases;
  int i = 0;
  for (uint32_t cin : {3u, 5u, 17u})
    for (uint32_t cout : {7u, 33u})
      for (uint32_t pad : {0u, 1u, 2u}) {
        Conv2dCase k{"3x3", {i % 2 ? 3u : 1u, cin, 13, 11}, {cout, 3, 3, 1, 1, pad, pad}, (i / 2) % 2 == 0};
        cases.push_back(k);
        ++i;
      }
  return cases;
}

TEST(Conv2dAlgorithm, ForcedGemmAndWinogradMatchReference) {
  std::mt19937 rng(41);
  const auto cases = dense_3x3_cases();
  for (const char* algorithm : {"gemm", "winograd", "winograd_f2"})
    for (std::size_t i = 0; i < cases.size(); ++i)
      check_forward(cases[i], algorithm, kActivations[i % kActivations.size()].c_str(), rng);
}

// Winograd's GEMMs forced onto each core in turn (the "gemm" attribute): odd channel counts
// exercise the subgroup core's tail (K not a multiple of 4) and its partial row groups.
TEST(Conv2dAlgorithm, WinogradOnEachGemmKernelMatchesReference) {
  std::mt19937 rng(83);
  const auto cases = dense_3x3_cases();
  for (const std::string& gemm : test::gemm_kernels())
    for (const char* algorithm : {"winograd", "winograd_f2"})
      for (std::size_t i = 0; i < cases.size(); ++i)
        check_forward(cases[i], algorithm, kActivations[i % kActivations.size()].c_str(), rng, gemm);
  // Wide and many-tiled: full 16-row groups, several 64-column workgroups, and chunks.
  for (const std::string& gemm : test::gemm_kernels())
    check_forward({"wide", {9, 48, 17, 19}, {40, 3, 3, 1, 1, 1, 1}}, "winograd", "relu", rng, gemm);
}

TEST(Conv2dAlgorithm, InvalidTileIsAnError) {
  for (const nlohmann::json& tile : {nlohmann::json{64, 64, 16, 4}, nlohmann::json{64, 64, 16, 3, 4},
                                     nlohmann::json{0, 64, 16, 4, 4}, nlohmann::json("big")}) {
    nlohmann::json spec = test::conv2d_spec({"3x3", {1, 4, 8, 8}, {4, 3, 3, 1, 1, 1, 1}}, "gemm", "shared");
    spec["tile"] = tile;
    try {
      make_layer(spec, "c1");
      FAIL() << "no error for tile " << tile.dump();
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("\"tile\""), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("c1"), std::string::npos) << e.what();
    }
  }
}

TEST(Conv2dAlgorithm, UnknownGemmKernelIsAnError) {
  nlohmann::json spec = test::conv2d_spec({"3x3", {1, 4, 8, 8}, {4, 3, 3, 1, 1, 1, 1}}, "winograd", "fastest");
  try {
    make_layer(spec, "c1");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(
        std::string(e.what()).find("attribute \"gemm\" must be \"auto\", \"shared\" or \"subgroup\", got \"fastest\""),
        std::string::npos)
        << e.what();
  }
}

TEST(Conv2dAlgorithm, WinogradEveryActivationAndUnevenPadding) {
  std::mt19937 rng(43);
  // Padding (0, 2): tiles and zero borders differ between rows and columns.
  const Conv2dCase k{"pad (0,2)", {2, 6, 9, 14}, {9, 3, 3, 1, 1, 0, 2}};
  for (const char* algorithm : {"winograd", "winograd_f2"})
    for (const std::string& act : kActivations) check_forward(k, algorithm, act.c_str(), rng);
}

TEST(Conv2dAlgorithm, ForcedDepthwiseAndGemmOnDepthwiseShapes) {
  std::mt19937 rng(47);
  const Conv2dCase cases[] = {
      {"depthwise", {3, 5, 13, 11}, {5, 3, 3, 1, 1, 1, 1, 1, 1, 5}},
      {"depthwise x3 stride 2", {1, 4, 13, 11}, {12, 3, 3, 2, 2, 0, 0, 1, 1, 4}, false},
  };
  for (const char* algorithm : {"depthwise", "gemm"})
    for (std::size_t i = 0; i < std::size(cases); ++i)
      check_forward(cases[i], algorithm, kActivations[1 + i % (kActivations.size() - 1)].c_str(), rng);
}

// Many tiles with wide channels: V and M do not fit one chunk of scratch, so the layer runs
// the tiles in several chunks (64 + 64 channels: 455 tiles a chunk with F(4x4), 40 * 4 * 3 =
// 480 tiles; 1024 with F(2x2), 40 * 7 * 6 = 1680 tiles).
TEST(Conv2dAlgorithm, WinogradInChunks) {
  std::mt19937 rng(53);
  for (const char* algorithm : {"winograd", "winograd_f2"})
    check_forward({"chunks", {40, 64, 13, 11}, {64, 3, 3, 1, 1, 1, 1}}, algorithm, "relu", rng);
}

// The Winograd GEMMs on the shared-memory core run on whichever tiling the device picks: force
// each in turn, forward and input gradient, with partial tiles in M (35 channels), N (18 or 60
// tiles) and K (20 channels).
TEST(Conv2dAlgorithm, WinogradEveryTilingMatchesReference) {
  std::mt19937 rng(71);
  const Conv2dCase k{"M 35, K 20", {2, 20, 9, 11}, {35, 3, 3, 1, 1, 1, 1}};
  test::Conv2dData d = test::random_conv2d_data(k, rng);
  auto dy = test::random_floats(reference::conv2d_output_shape(k.c, k.in).count(), rng);
  auto y_ref = reference::conv2d_forward(k.c, k.in, test::to_double(d.x), test::to_double(d.w), test::to_double(d.b));
  auto g_ref = reference::conv2d_backward(k.c, k.in, test::to_double(d.x), test::to_double(d.w), test::to_double(dy));
  std::vector<conv2d::Tile> tiles(conv2d::gpu_tiles().begin(), conv2d::gpu_tiles().end());
  tiles.insert(tiles.end(), conv2d::cpu_tiles().begin(), conv2d::cpu_tiles().end());
  for (const char* algorithm : {"winograd", "winograd_f2"})
    for (const conv2d::Tile& t : tiles) {
      nlohmann::json spec = test::conv2d_spec(k, algorithm, "shared");
      spec["tile"] = {t.bm, t.bn, t.bk, t.tm, t.tn};
      auto layer = make_layer(spec, "c1");
      auto r = test::run_backward(*layer, {HostTensor{k.in, d.x}}, d.params(), dy);
      const std::string what = std::string(algorithm) + " tile " + std::to_string(t.bm) + "x" + std::to_string(t.bn) +
                               "x" + std::to_string(t.bk) + " / " + std::to_string(t.tm) + "x" + std::to_string(t.tn);
      EXPECT_CLOSE_TO_REFERENCE(r.output, y_ref, test::kForwardTolerance, what + " y");
      EXPECT_CLOSE_TO_REFERENCE(r.grad_inputs[0], g_ref.dx, test::kBackwardTolerance, what + " dx");
    }
}

// Auto on ResNet-like 3x3 blocks (whatever it picks on this device) and on the shapes it must
// leave to the other algorithms.
TEST(Conv2dAlgorithm, AutoMatchesReferenceOnResnetLikeShapes) {
  std::mt19937 rng(59);
  const Conv2dCase cases[] = {
      {"block", {1, 64, 28, 28}, {64, 3, 3, 1, 1, 1, 1}},
      {"block, batch 2", {2, 32, 15, 15}, {48, 3, 3, 1, 1, 1, 1}, false},
      {"downsample", {1, 32, 15, 15}, {64, 3, 3, 2, 2, 1, 1}},
  };
  for (const Conv2dCase& k : cases) check_forward(k, "", "relu", rng);
}

TEST(Conv2dAlgorithm, AutoNeverPicksWhatCannotRun) {
  Context& ctx = test::context();
  auto pick = [&](const Conv2dCase& k, bool prepared = false) {
    auto layer = make_layer(test::conv2d_spec(k), "c1");
    return static_cast<Conv2dLayer&>(*layer).algorithm(k.in, ctx, prepared);
  };
  EXPECT_NE(pick({"stride 2", {1, 64, 56, 56}, {64, 3, 3, 2, 2, 1, 1}}), Conv2dAlgorithm::Winograd);
  EXPECT_NE(pick({"dilation 2", {1, 64, 56, 56}, {64, 3, 3, 1, 1, 2, 2, 2, 2}}), Conv2dAlgorithm::Winograd);
  EXPECT_NE(pick({"groups 2", {1, 64, 56, 56}, {64, 3, 3, 1, 1, 1, 1, 1, 1, 2}}), Conv2dAlgorithm::Winograd);
  EXPECT_NE(pick({"5x5", {1, 64, 56, 56}, {64, 5, 5, 1, 1, 2, 2}}), Conv2dAlgorithm::Winograd);
  EXPECT_EQ(pick({"depthwise", {1, 64, 56, 56}, {64, 3, 3, 1, 1, 1, 1, 1, 1, 64}}), Conv2dAlgorithm::Depthwise);
  EXPECT_EQ(pick({"1x1", {1, 64, 56, 56}, {64, 1, 1}}), Conv2dAlgorithm::Gemm);
  // Where it measured faster (conv2d.cpp), lavapipe runs ResNet's first 3x3 block in Winograd.
  // and its last (7x7, batch 1: few pixels per weight) in F(2x2) where the weights are
  // transformed once, in the GEMM where every pass would transform them.
  if (ctx.info().type == "CPU") {
    EXPECT_EQ(pick({"resnet layer1", {1, 64, 56, 56}, {64, 3, 3, 1, 1, 1, 1}}), Conv2dAlgorithm::Winograd);
    const Conv2dCase layer4{"resnet layer4", {1, 512, 7, 7}, {512, 3, 3, 1, 1, 1, 1}};
    EXPECT_EQ(pick(layer4, true), Conv2dAlgorithm::WinogradF2);
    EXPECT_EQ(pick(layer4, false), Conv2dAlgorithm::Gemm);
    // Below 64 channels the subgroup core's GEMM is faster (refcnn's second convolution).
    EXPECT_EQ(pick({"refcnn c2", {64, 32, 14, 14}, {64, 3, 3, 1, 1, 1, 1}}, true), Conv2dAlgorithm::Gemm);
  }
}

// Training with Winograd forced: y, and dx (Winograd too, on the rotated kernel, padding
// 2 - p; padding 3 falls back to the GEMM), dw and db against the reference, every gradient
// starting at 0.5 to prove it accumulates.
TEST(Conv2dAlgorithm, WinogradBackwardAccumulatesAndMatchesReference) {
  std::mt19937 rng(61);
  const Conv2dCase cases[] = {
      {"pad 1", {3, 5, 13, 11}, {7, 3, 3, 1, 1, 1, 1}},
      {"pad 0", {1, 17, 13, 11}, {33, 3, 3, 1, 1, 0, 0}, false},
      {"pad 2", {2, 33, 9, 7}, {3, 3, 3, 1, 1, 2, 2}},
      {"pad (0,1)", {2, 4, 8, 10}, {6, 3, 3, 1, 1, 0, 1}},
      {"pad 3 (dx on the GEMM)", {1, 3, 5, 6}, {4, 3, 3, 1, 1, 3, 3}},
  };
  const float grad_init = 0.5f;
  for (const std::string& gemm : test::gemm_kernels())
    for (const char* algorithm : {"winograd", "winograd_f2"}) {
      for (const Conv2dCase& k : cases) {
        auto layer = make_layer(test::conv2d_spec(k, algorithm, gemm), "c1");
        test::Conv2dData d = test::random_conv2d_data(k, rng);
        Shape out = reference::conv2d_output_shape(k.c, k.in);
        auto dy = test::random_floats(out.count(), rng);
        auto r = test::run_backward(*layer, {HostTensor{k.in, d.x}}, d.params(), dy, 0, grad_init);
        auto y = reference::conv2d_forward(k.c, k.in, test::to_double(d.x), test::to_double(d.w), test::to_double(d.b));
        auto ref =
            reference::conv2d_backward(k.c, k.in, test::to_double(d.x), test::to_double(d.w), test::to_double(dy));
        for (auto* v : {&ref.dx, &ref.dw, &ref.db})
          for (double& e : *v) e += grad_init;
        const std::string what = std::string(algorithm) + " on the " + gemm + " gemm, " + k.what + " " + k.in.str();
        EXPECT_CLOSE_TO_REFERENCE(r.output, y, test::kForwardTolerance, what + " y");
        EXPECT_CLOSE_TO_REFERENCE(r.grad_inputs[0], ref.dx, test::kBackwardTolerance, what + " dx");
        EXPECT_CLOSE_TO_REFERENCE(r.grad_params[0], ref.dw, test::kBackwardTolerance, what + " dw");
        if (k.bias) EXPECT_CLOSE_TO_REFERENCE(r.grad_params[1], ref.db, test::kBackwardTolerance, what + " db");
      }
    }
}

// The input gradient on Winograd against central differences of the reference's forward.
TEST(Conv2dAlgorithm, WinogradInputGradientMatchesFiniteDifferences) {
  std::mt19937 rng(67);
  const Conv2dCase k{"pad 1", {2, 3, 6, 5}, {4, 3, 3, 1, 1, 1, 1}};
  for (const char* algorithm : {"winograd", "winograd_f2"}) {
    auto layer = make_layer(test::conv2d_spec(k, algorithm), "c1");
    test::Conv2dData d = test::random_conv2d_data(k, rng);
    Shape out = reference::conv2d_output_shape(k.c, k.in);
    auto dy = test::random_floats(out.count(), rng);
    const float grad_init = -0.25f;
    auto r = test::run_backward(*layer, {HostTensor{k.in, d.x}}, d.params(), dy, 0, grad_init);
    auto wd = test::to_double(d.w), bd = test::to_double(d.b);
    auto num_dx = test::numeric_gradient(
        [&](const std::vector<double>& x) {
          auto y = reference::conv2d_forward(k.c, k.in, x, wd, bd);
          double s = 0;
          for (std::size_t i = 0; i < y.size(); ++i) s += dy[i] * y[i];
          return s;
        },
        test::to_double(d.x));
    for (double& e : num_dx) e += grad_init;
    EXPECT_CLOSE_TO_REFERENCE(r.grad_inputs[0], num_dx, test::kBackwardTolerance, std::string(algorithm) + " dx");
  }
}

TEST(Conv2dAlgorithm, ForcingAnUnsupportedAlgorithmIsAnErrorNamingTheLayer) {
  using test::expect_error;
  auto make = [](const Conv2dCase& k, const char* algorithm, const char* name) {
    return make_layer(test::conv2d_spec(k, algorithm), name);
  };
  // Config order: {out_channels, kh, kw, sh, sw, ph, pw, dh, dw, groups}.
  auto rejects = [&](reference::Conv2dConfig c, const char* algorithm, const char* name,
                     std::initializer_list<const char*> parts) {
    expect_error([&] { make({"", {1, 4, 9, 9}, c}, algorithm, name); }, parts);
  };
  rejects({4, 3, 3, 2, 2, 1, 1}, "winograd", "s2", {"'s2'", "winograd", "stride 2x2"});
  rejects({4, 5, 5, 1, 1, 2, 2}, "winograd", "k5", {"'k5'", "winograd", "kernel 5x5"});
  rejects({4, 3, 3, 1, 1, 2, 2, 2, 2}, "winograd", "d2", {"'d2'", "dilation 2x2"});
  rejects({4, 3, 3, 1, 1, 1, 1, 1, 1, 2}, "winograd", "g2", {"'g2'", "groups 2"});
  rejects({4, 3, 3, 2, 1, 1, 1}, "winograd_f2", "f2", {"'f2'", "winograd_f2", "stride 2x1"});
  rejects({4, 3, 3}, "fast", "bad", {"'bad'", "algorithm", "\"fast\""});
  auto dw = make({"", {1, 4, 9, 9}, {8, 3, 3, 1, 1, 1, 1}}, "depthwise", "dw");
  expect_error([&] { dw->output_shape(std::vector<Shape>{{1, 4, 9, 9}}); }, {"'dw'", "depthwise", "one input channel"});
}

}  // namespace
}  // namespace vkcnn
