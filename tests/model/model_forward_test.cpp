// Whole models on the GPU (with batchnorm folded and activations fused) against the plain
// double-precision reference of the same spec and weights.
#include <gtest/gtest.h>

#include <random>

#include <vkcnn/model/forward_plan.h>
#include <vkcnn/model/init.h>
#include <vkcnn/model/scores.h>

#include "layers/conv2d.h"
#include "reference/model.h"
#include "support/gpu_test.h"

namespace vkcnn {
namespace {

// Random weights, and batchnorm statistics that are not the identity, so folding is exercised.
Weights random_weights(const Graph& graph, uint32_t seed) {
  Weights w = initialize_weights(graph, seed);
  std::mt19937 rng(seed + 1);
  std::uniform_real_distribution<float> positive(0.5f, 1.5f), centred(-0.5f, 0.5f);
  for (const ParamEntry& e : graph.params()) {
    if (graph.nodes()[e.node].layer->type() != "batchnorm2d") continue;
    bool scale_like = e.name.ends_with(".weight") || e.name.ends_with(".running_var");
    for (float& x : w.at(e.name).values) x = scale_like ? positive(rng) : centred(rng);
  }
  return w;
}

void expect_model_matches_reference(const ModelSpec& spec, uint32_t batch, uint32_t seed) {
  Graph graph(spec, spec.name);
  Weights weights = random_weights(graph, seed);
  Model model(test::context(), spec, weights, spec.name);
  ForwardPlan plan(model, batch);
  std::mt19937 rng(seed);
  auto x = test::random_floats(plan.input().shape.count(), rng, -2.f, 2.f);
  auto gpu = plan.run(x);
  auto ref = reference::model_forward(spec, weights, batch, test::to_double(x));
  EXPECT_CLOSE_TO_REFERENCE(gpu, ref, test::kForwardTolerance, spec.name + " batch " + std::to_string(batch));
  // The recorded pass is reused: a second run with other data must also be right.
  auto x2 = test::random_floats(plan.input().shape.count(), rng, -2.f, 2.f);
  EXPECT_CLOSE_TO_REFERENCE(plan.run(x2), reference::model_forward(spec, weights, batch, test::to_double(x2)),
                            test::kForwardTolerance, spec.name + " second run");
}

TEST(ModelForward, RefcnnMatchesReference) {
  auto spec = load_model_spec(VKCNN_SOURCE_DIR "/models/refcnn.json");
  expect_model_matches_reference(spec, 1, 1);
  expect_model_matches_reference(spec, 3, 2);
}

// A small residual net with every other layer type: batchnorm after conv (folded) and after
// add (not foldable), depthwise and grouped conv, stride and dilation, all activations.
TEST(ModelForward, ResidualNetWithBatchnormAndDepthwiseMatchesReference) {
  auto spec = parse_model_spec(R"({
    "name": "residual-test",
    "input": {"channels": 3, "height": 13, "width": 11, "color": "rgb"},
    "layers": [
      {"type": "conv2d", "name": "stem", "out_channels": 8, "kernel": 3, "padding": 1, "bias": false},
      {"type": "batchnorm2d", "name": "stem_bn"},
      {"type": "relu6", "name": "stem_act"},
      {"type": "conv2d", "name": "dw", "out_channels": 8, "kernel": 3, "padding": 2, "dilation": 2, "groups": 8},
      {"type": "batchnorm2d", "name": "dw_bn"},
      {"type": "leaky_relu", "name": "dw_act", "negative_slope": 0.1},
      {"type": "conv2d", "name": "pw", "out_channels": 8, "kernel": 1, "groups": 2},
      {"type": "add", "name": "res", "inputs": ["pw", "stem_act"]},
      {"type": "batchnorm2d", "name": "res_bn"},
      {"type": "relu", "name": "res_act"},
      {"type": "conv2d", "name": "down", "out_channels": 12, "kernel": 3, "stride": 2, "padding": 1},
      {"type": "sigmoid", "name": "down_act"},
      {"type": "maxpool2d", "name": "mp", "kernel": 3, "stride": 1, "padding": 1},
      {"type": "avgpool2d", "name": "ap", "kernel": 2, "stride": 2},
      {"type": "global_avgpool", "name": "gap"},
      {"type": "flatten", "name": "flat"},
      {"type": "dropout", "name": "drop", "p": 0.3},
      {"type": "dense", "name": "fc", "out_features": 5},
      {"type": "softmax", "name": "prob"}
    ]})",
                               "residual-test");
  expect_model_matches_reference(spec, 1, 3);
  expect_model_matches_reference(spec, 4, 4);
}

// A MobileNetV3 / EfficientNet block: hard_swish and silu activations, and a squeeze-and-
// excitation branch (global pool, 1x1 convs, hard_sigmoid) whose per-channel weights scale the
// features through mul; tanh on the head.
TEST(ModelForward, SqueezeExcitationBlockMatchesReference) {
  auto spec = parse_model_spec(R"({
    "name": "se-test",
    "input": {"channels": 3, "height": 15, "width": 13, "color": "rgb"},
    "layers": [
      {"type": "conv2d", "name": "stem", "out_channels": 16, "kernel": 3, "stride": 2, "padding": 1},
      {"type": "hard_swish", "name": "stem_act"},
      {"type": "conv2d", "name": "dw", "out_channels": 16, "kernel": 3, "padding": 1, "groups": 16},
      {"type": "silu", "name": "dw_act"},
      {"type": "global_avgpool", "name": "squeeze"},
      {"type": "conv2d", "name": "reduce", "out_channels": 4, "kernel": 1},
      {"type": "relu", "name": "reduce_act"},
      {"type": "conv2d", "name": "expand", "out_channels": 16, "kernel": 1},
      {"type": "hard_sigmoid", "name": "gate"},
      {"type": "mul", "name": "excite", "inputs": ["dw_act", "gate"]},
      {"type": "conv2d", "name": "project", "out_channels": 8, "kernel": 1},
      {"type": "tanh", "name": "head_act"},
      {"type": "global_avgpool", "name": "gap"},
      {"type": "flatten", "name": "flat"},
      {"type": "dense", "name": "fc", "out_features": 5},
      {"type": "softmax", "name": "prob"}
    ]})",
                               "se-test");
  expect_model_matches_reference(spec, 1, 3);
  expect_model_matches_reference(spec, 3, 4);
}

// SqueezeNet's fire module (a 1x1 squeeze, then 1x1 and 3x3 expands side by side) and a
// DenseNet-style block (each conv sees every earlier feature map): concat with two and three
// inputs, one of them the model input, in a plan that reuses buffers.
TEST(ModelForward, ConcatBranchesMatchReference) {
  auto spec = parse_model_spec(R"({
    "name": "concat-test",
    "input": {"channels": 3, "height": 11, "width": 9, "color": "rgb"},
    "layers": [
      {"type": "conv2d", "name": "squeeze", "out_channels": 4, "kernel": 1},
      {"type": "relu", "name": "squeeze_act"},
      {"type": "conv2d", "name": "e1", "out_channels": 5, "kernel": 1, "inputs": ["squeeze_act"]},
      {"type": "relu", "name": "e1_act"},
      {"type": "conv2d", "name": "e3", "out_channels": 7, "kernel": 3, "padding": 1, "inputs": ["squeeze_act"]},
      {"type": "relu", "name": "e3_act"},
      {"type": "concat", "name": "fire", "inputs": ["e1_act", "e3_act"]},
      {"type": "conv2d", "name": "d1", "out_channels": 3, "kernel": 3, "padding": 1},
      {"type": "concat", "name": "dense1", "inputs": ["fire", "d1", "input"]},
      {"type": "conv2d", "name": "d2", "out_channels": 6, "kernel": 1},
      {"type": "global_avgpool", "name": "gap"},
      {"type": "flatten", "name": "flat"},
      {"type": "dense", "name": "fc", "out_features": 4},
      {"type": "softmax", "name": "prob"}
    ]})",
                               "concat-test");
  expect_model_matches_reference(spec, 1, 3);
  expect_model_matches_reference(spec, 3, 4);
}

// The shipped torchvision layouts, shrunk to 32x32 inputs so the double reference stays quick:
// every residual add, downsample branch, depthwise block and buffer reuse is exercised.
TEST(ModelForward, TorchvisionLayoutsMatchReferenceAt32x32) {
  for (const char* file : {"resnet18.json", "mobilenet_v2.json"}) {
    auto spec = load_model_spec(std::string(VKCNN_SOURCE_DIR "/models/") + file);
    spec.input.height = spec.input.width = 32;
    spec.name = file;
    expect_model_matches_reference(spec, 2, 7);
  }
}

// Winograd layers (forced: at these sizes auto would pick the GEMM) in a plan, which
// transforms their weights once when it is built rather than in every pass.
TEST(ModelForward, WinogradLayersMatchReference) {
  auto spec = parse_model_spec(R"({
    "name": "winograd-test",
    "input": {"channels": 3, "height": 13, "width": 11, "color": "rgb"},
    "layers": [
      {"type": "conv2d", "name": "a", "out_channels": 16, "kernel": 3, "padding": 1, "algorithm": "winograd_f2"},
      {"type": "relu", "name": "a_act"},
      {"type": "conv2d", "name": "b", "out_channels": 12, "kernel": 3, "padding": 0, "algorithm": "winograd"},
      {"type": "batchnorm2d", "name": "b_bn"},
      {"type": "leaky_relu", "name": "b_act", "negative_slope": 0.1},
      {"type": "global_avgpool", "name": "gap"},
      {"type": "flatten", "name": "flat"},
      {"type": "dense", "name": "fc", "out_features": 5}
    ]})",
                               "winograd-test");
  expect_model_matches_reference(spec, 1, 5);
  expect_model_matches_reference(spec, 3, 6);
}

TEST(ModelForward, FoldsBatchnormAndFusesActivations) {
  auto spec = load_model_spec(VKCNN_SOURCE_DIR "/models/resnet18.json");
  Graph full(spec, "resnet18");
  Model model(test::context(), spec, initialize_weights(full, 1), "resnet18");
  // 70 spec layers: 20 batchnorms fold into their convs; the stem relu and the relu after
  // conv1 of each block fuse into the conv, the relu after each block's add into the add.
  EXPECT_EQ(full.nodes().size(), 70u);
  EXPECT_EQ(model.graph().nodes().size(), 70u - 20u - 9u - 8u);
  for (const auto& node : model.graph().nodes()) EXPECT_NE(node.layer->type(), "batchnorm2d");
}

// 2x2 stride-2 max pools fuse into the conv before them (after its batchnorm and activation),
// on either GEMM core; pools that another window, a depthwise conv or a second reader keep
// stay layers of their own. Every variant matches the reference at two batch sizes.
TEST(ModelForward, FusesTwoByTwoMaxPoolsIntoConvs) {
  for (const char* gemm : {"subgroup", "shared"}) {
    auto spec = parse_model_spec(std::string(R"({
      "name": "pool-fusion-test",
      "input": {"channels": 3, "height": 27, "width": 23, "color": "rgb"},
      "layers": [
        {"type": "conv2d", "name": "a", "out_channels": 8, "kernel": 3, "padding": 1, "gemm": ")") +
                                     gemm + R"("},
        {"type": "batchnorm2d", "name": "a_bn"},
        {"type": "leaky_relu", "name": "a_act", "negative_slope": 0.1},
        {"type": "maxpool2d", "name": "a_pool", "kernel": 2},
        {"type": "conv2d", "name": "dw", "out_channels": 8, "kernel": 3, "padding": 1, "groups": 8},
        {"type": "maxpool2d", "name": "dw_pool", "kernel": 2},
        {"type": "conv2d", "name": "b", "out_channels": 6, "kernel": 1},
        {"type": "maxpool2d", "name": "b_pool", "kernel": 2, "ceil_mode": true},
        {"type": "conv2d", "name": "c", "out_channels": 5, "kernel": 1},
        {"type": "maxpool2d", "name": "c_pool", "kernel": 2, "stride": 1},
        {"type": "conv2d", "name": "d", "out_channels": 5, "kernel": 1, "inputs": ["c_pool"]},
        {"type": "maxpool2d", "name": "d_pool", "kernel": 2, "inputs": ["d"]},
        {"type": "add", "name": "sum", "inputs": ["d", "d"]},
        {"type": "global_avgpool", "name": "gap", "inputs": ["sum"]},
        {"type": "flatten", "name": "flat"},
        {"type": "dense", "name": "fc", "out_features": 4, "inputs": ["flat"]}
      ]})",
                                 "pool-fusion-test");
    spec.name += std::string(" on the ") + gemm + " gemm";
    Model model(test::context(), spec, initialize_weights(Graph(spec), 1), spec.name);
    std::vector<std::string> pools, pooled_convs;
    for (const auto& node : model.graph().nodes()) {
      if (node.layer->type() == "maxpool2d") pools.push_back(node.layer->name());
      if (const auto* c = dynamic_cast<const Conv2dLayer*>(node.layer.get()); c && c->fused_max_pool())
        pooled_convs.push_back(c->name());
    }
    EXPECT_EQ(pooled_convs, std::vector<std::string>{"a"}) << spec.name;
    // d_pool is unused (the add reads d twice): it stays, and d has two readers.
    EXPECT_EQ(pools, (std::vector<std::string>{"dw_pool", "b_pool", "c_pool", "d_pool"})) << spec.name;
    expect_model_matches_reference(spec, 1, 3);
    expect_model_matches_reference(spec, 3, 4);
  }
}

// A pool that is the model's last layer stays a layer: the output's meaning (here logits, so
// probabilities are their softmax) is inferred from the last layer, and a conv with a fused
// sigmoid would read as independent scores.
TEST(ModelForward, APoolThatEndsTheModelStaysALayer) {
  auto spec = parse_model_spec(R"({
    "name": "pool-last",
    "input": {"channels": 3, "height": 9, "width": 7, "color": "rgb"},
    "layers": [
      {"type": "conv2d", "name": "c", "out_channels": 4, "kernel": 3, "padding": 1},
      {"type": "sigmoid", "name": "s"},
      {"type": "maxpool2d", "name": "p", "kernel": 2}
    ]})",
                               "pool-last");
  Model model(test::context(), spec, initialize_weights(Graph(spec), 2), spec.name);
  ASSERT_EQ(model.graph().nodes().size(), 2u);
  EXPECT_EQ(model.graph().nodes().back().layer->type(), "maxpool2d");
  EXPECT_FALSE(outputs_independent_scores(model.graph()));
  expect_model_matches_reference(spec, 2, 5);
}

// A conv's epilogue computes PyTorch's hard_sigmoid only: with its own alpha and beta (ONNX's
// HardSigmoid) the activation stays a layer of its own, and both models match the reference.
TEST(ModelForward, HardSigmoidFusesOnlyWithPyTorchsAlphaAndBeta) {
  for (bool own : {false, true}) {
    nlohmann::json gate = {{"type", "hard_sigmoid"}, {"name", "gate"}};
    if (own) gate.update({{"alpha", 0.2}, {"beta", 0.45}});
    nlohmann::json layers =
        nlohmann::json::array({{{"type", "conv2d"}, {"name", "c"}, {"out_channels", 6}, {"kernel", 3}, {"padding", 1}},
                               gate,
                               {{"type", "global_avgpool"}, {"name", "gap"}},
                               {{"type", "flatten"}, {"name", "flat"}},
                               {{"type", "dense"}, {"name", "fc"}, {"out_features", 4}}});
    nlohmann::json text = {{"name", own ? "onnx-gate" : "torch-gate"},
                           {"input", {{"channels", 3}, {"height", 9}, {"width", 7}, {"color", "rgb"}}},
                           {"layers", layers}};
    auto spec = parse_model_spec(text.dump(), "gate-test");
    Model model(test::context(), spec, initialize_weights(Graph(spec), 3), spec.name);
    EXPECT_EQ(model.graph().nodes().size(), own ? 5u : 4u) << spec.name;
    expect_model_matches_reference(spec, 2, 9);
  }
}

TEST(ModelForward, RejectsMissingOrMisSizedWeightsAndBatchZero) {
  auto spec = load_model_spec(VKCNN_SOURCE_DIR "/models/refcnn.json");
  Weights weights = initialize_weights(Graph(spec), 1);
  Weights missing = weights;
  missing.erase("f1.bias");
  Weights short_one = weights;
  short_one.at("c2.weight").values.pop_back();
  auto message = [&](const Weights& w) {
    try {
      Model m(test::context(), spec, w, "refcnn.json");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_CONTAINS(message(missing), "refcnn.json: missing tensor \"f1.bias\"");
  EXPECT_CONTAINS(message(short_one), "refcnn.json: tensor \"c2.weight\" has 18431 values, expected 18432");
  Model model(test::context(), spec, weights, "refcnn.json");
  try {
    ForwardPlan plan(model, 0);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "refcnn.json: batch size must be at least 1");
  }
}

TEST(ModelForward, RejectsWrongInputSize) {
  auto spec = load_model_spec(VKCNN_SOURCE_DIR "/models/refcnn.json");
  Model model(test::context(), spec, initialize_weights(Graph(spec), 1), "refcnn.json");
  ForwardPlan plan(model, 2);
  std::vector<float> x(10);
  try {
    plan.run(x);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("refcnn.json: forward pass got 10 input values, expected 1568"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace vkcnn
