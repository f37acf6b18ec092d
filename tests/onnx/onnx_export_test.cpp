// vkcnn -> ONNX -> vkcnn: the shipped Fashion-MNIST model and a residual net with every layer
// type come back with the same weights, preprocessing and labels, and give the same outputs;
// the exported graph is also checked against the ONNX reference evaluation.
#include "onnx_export.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include <vkcnn/model/forward_plan.h>
#include <vkcnn/model/init.h>

#include "onnx/onnx_reference.h"
#include "onnx_file.h"
#include "onnx_import.h"
#include "support/gpu_test.h"
#include "support/scratch_dir.h"

namespace vkcnn {
namespace {

test::ScratchDir& dir() {
  static test::ScratchDir d("vkcnn-onnx-export");
  return d;
}

std::vector<float> run(const ModelFile& f, uint32_t batch, const std::vector<float>& x) {
  Model model(test::context(), f.spec, f.weights, f.spec.name);
  ForwardPlan plan(model, batch);
  return plan.run(x);
}

void expect_round_trip(const ModelFile& original, const std::string& what) {
  const std::string path = dir().path(what + ".onnx");
  const onnx::ModelProto exported = export_onnx(original, what);
  write_onnx_model(path, exported);
  const ModelFile back = import_onnx(path);

  EXPECT_EQ(to_json(back.spec).at("input"), to_json(original.spec).at("input"));
  EXPECT_EQ(back.spec.labels, original.spec.labels);
  EXPECT_EQ(back.spec.name, original.spec.name);
  for (const auto& [name, value] : original.weights) {
    ASSERT_TRUE(back.weights.count(name)) << what << ": tensor " << name << " lost its name";
    EXPECT_EQ(back.weights.at(name).values, value.values) << name;
  }
  const uint32_t batch = 3;
  std::mt19937 rng(7);
  const Graph graph(original.spec, what);
  auto x = test::random_floats(graph.input_shape(batch).count(), rng, -2.f, 2.f);
  const auto expected = run(original, batch, x);
  EXPECT_EQ(run(back, batch, x), expected) << what << ": the re-imported model computes something else";
  EXPECT_CLOSE_TO_REFERENCE(expected, test::onnx_reference_forward(exported, batch, test::to_double(x)),
                            test::kForwardTolerance, what + " against the exported graph's reference");
}

TEST(OnnxExport, ShippedFashionMnistModelRoundTripsWithIdenticalOutputs) {
  expect_round_trip(read_model_file(VKCNN_SOURCE_DIR "/models/fashion-mnist.vkcnn"), "fashion-mnist");
}

TEST(OnnxExport, ResidualNetWithEveryLayerTypeRoundTrips) {
  ModelFile f;
  f.spec = parse_model_spec(R"({
    "name": "every-layer", "labels": ["a", "b", "c", "d", "e"],
    "input": {"channels": 3, "height": 13, "width": 11, "color": "bgr", "mean": [0.1, 0.2, 0.3],
              "std": [0.5, 0.6, 0.7], "resize": "letterbox"},
    "layers": [
      {"type": "conv2d", "name": "stem", "out_channels": 8, "kernel": 3, "padding": 1, "bias": false},
      {"type": "batchnorm2d", "name": "stem_bn"},
      {"type": "relu6", "name": "stem_act"},
      {"type": "conv2d", "name": "dw", "out_channels": 8, "kernel": 3, "padding": 2, "dilation": 2, "groups": 8},
      {"type": "leaky_relu", "name": "dw_act", "negative_slope": 0.1},
      {"type": "conv2d", "name": "pw", "out_channels": 8, "kernel": 1, "groups": 2},
      {"type": "add", "name": "res", "inputs": ["pw", "stem_act"]},
      {"type": "relu", "name": "res_act"},
      {"type": "conv2d", "name": "down", "out_channels": 12, "kernel": 3, "stride": 2, "padding": 1},
      {"type": "sigmoid", "name": "down_act"},
      {"type": "maxpool2d", "name": "mp", "kernel": 3, "stride": 2, "padding": 1, "ceil_mode": true},
      {"type": "avgpool2d", "name": "ap", "kernel": 2, "stride": 1, "count_include_pad": false},
      {"type": "dropout", "name": "drop", "p": 0.3},
      {"type": "dense", "name": "fc1", "out_features": 9},
      {"type": "relu", "name": "fc1_act"},
      {"type": "dense", "name": "fc2", "out_features": 5},
      {"type": "softmax", "name": "prob"}
    ]})",
                            "every-layer");
  const Graph graph(f.spec, "every-layer");
  f.weights = initialize_weights(graph, 5);
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> positive(0.5f, 1.5f);
  for (float& v : f.weights.at("stem_bn.running_var").values) v = positive(rng);
  expect_round_trip(f, "every-layer");
}

// clamp is written as Clip with only the bounds it has, and read back as clamp with those bounds;
// log_softmax as LogSoftmax over the classes.
TEST(OnnxExport, ClampWithEitherBoundRoundTripsAsClip) {
  ModelFile f;
  f.spec = parse_model_spec(R"({"input": {"channels": 3, "height": 7, "width": 6},
    "layers": [{"type": "conv2d", "name": "c", "out_channels": 5, "kernel": 3, "padding": 1},
               {"type": "clamp", "name": "both", "min": -0.25, "max": 0.5},
               {"type": "clamp", "name": "low", "min": -0.125},
               {"type": "clamp", "name": "high", "max": 0.375},
               {"type": "global_avgpool", "name": "gap"},
               {"type": "dense", "name": "fc", "out_features": 4},
               {"type": "log_softmax", "name": "log_prob"}]})",
                            "clamps");
  f.weights = initialize_weights(Graph(f.spec, "clamps"), 9);
  const onnx::ModelProto m = export_onnx(f, "clamps");
  int clips = 0;
  for (const auto& n : m.graph().node())
    if (n.op_type() == "Clip") ++clips;
  EXPECT_EQ(clips, 3);
  expect_round_trip(f, "clamps");
  const ModelFile back = import_onnx(dir().path("clamps.onnx"));  // written by expect_round_trip
  std::map<std::string, nlohmann::json> layers;
  for (const LayerSpec& l : back.spec.layers) layers[l.name] = l.attributes;
  ASSERT_EQ(layers.count("both"), 1u);
  EXPECT_EQ(layers["both"].at("type"), "clamp");
  EXPECT_EQ(layers["both"].at("min"), -0.25);
  EXPECT_EQ(layers["both"].at("max"), 0.5);
  EXPECT_EQ(layers["low"].at("min"), -0.125);
  EXPECT_FALSE(layers["low"].contains("max"));
  EXPECT_FALSE(layers["high"].contains("min"));
  EXPECT_EQ(layers["high"].at("max"), 0.375);
  EXPECT_EQ(back.spec.layers.back().type, "log_softmax");
}

TEST(OnnxExport, ExportedModelPassesTheCheckerAndKeepsGlobalPoolOutputsFlat) {
  ModelFile f;
  f.spec = parse_model_spec(R"({"input": {"channels": 1, "height": 5, "width": 7},
    "layers": [{"type": "conv2d", "name": "c", "out_channels": 4, "kernel": 3},
               {"type": "global_avgpool", "name": "gap"}]})",
                            "gap-head");
  f.weights = initialize_weights(Graph(f.spec, "gap-head"), 3);
  const onnx::ModelProto m = export_onnx(f, "gap-head");
  ASSERT_EQ(m.graph().output_size(), 1);
  EXPECT_EQ(m.graph().output(0).type().tensor_type().shape().dim_size(), 2) << "the output must be (N, classes)";
  expect_round_trip(f, "gap-head");
}

}  // namespace
}  // namespace vkcnn

namespace vkcnn {
namespace {

ModelFile gated_concat_net(const std::string& activation) {
  ModelFile f;
  f.spec = parse_model_spec(R"({
    "name": "gated-concat",
    "input": {"channels": 3, "height": 9, "width": 7, "color": "rgb"},
    "layers": [
      {"type": "conv2d", "name": "stem", "out_channels": 6, "kernel": 3, "padding": 1},
      {"type": ")" + activation +
                                R"(", "name": "act"},
      {"type": "global_avgpool", "name": "squeeze"},
      {"type": "conv2d", "name": "se", "out_channels": 6, "kernel": 1},
      {"type": "hard_sigmoid", "name": "gate"},
      {"type": "mul", "name": "excite", "inputs": ["act", "gate"]},
      {"type": "conv2d", "name": "branch", "out_channels": 3, "kernel": 1, "inputs": ["act"]},
      {"type": "tanh", "name": "branch_act"},
      {"type": "concat", "name": "join", "inputs": ["excite", "branch_act", "input"]},
      {"type": "global_avgpool", "name": "gap"},
      {"type": "flatten", "name": "flat"},
      {"type": "dense", "name": "fc", "out_features": 4},
      {"type": "softmax", "name": "prob"}
    ]})",
                            "gated-concat");
  f.weights = initialize_weights(Graph(f.spec, "gated-concat"), 11);
  return f;
}

// tanh, hard_sigmoid, mul and concat are one ONNX node each: they round-trip bit for bit.
TEST(OnnxExport, GatesTanhAndConcatRoundTrip) { expect_round_trip(gated_concat_net("relu"), "gated-concat"); }

// A hard_sigmoid with its own alpha and beta keeps them through ONNX's HardSigmoid.
TEST(OnnxExport, HardSigmoidKeepsItsAlphaAndBeta) {
  ModelFile f = gated_concat_net("relu");
  for (LayerSpec& l : f.spec.layers)
    if (l.name == "gate") l.attributes.update({{"alpha", 0.2}, {"beta", 0.45}});
  expect_round_trip(f, "gated-concat-onnx-gate");
  const ModelFile back = import_onnx(dir().path("gated-concat-onnx-gate.onnx"));  // written by expect_round_trip
  for (const LayerSpec& l : back.spec.layers)
    if (l.type == "hard_sigmoid") {
      EXPECT_FLOAT_EQ(l.attributes.at("alpha").get<float>(), 0.2f);
      EXPECT_FLOAT_EQ(l.attributes.at("beta").get<float>(), 0.45f);
    }
}

// silu and hard_swish become two nodes (x * Sigmoid(x), x * HardSigmoid(x); HardSwish needs
// opset 14): the exported graph computes what vkcnn computes, and imports again.
TEST(OnnxExport, SiluAndHardSwishExportAsTheirProducts) {
  for (const char* activation : {"silu", "hard_swish"}) {
    const ModelFile f = gated_concat_net(activation);
    const onnx::ModelProto exported = export_onnx(f, activation);
    const uint32_t batch = 2;
    std::mt19937 rng(3);
    auto x = test::random_floats(Graph(f.spec, activation).input_shape(batch).count(), rng, -2.f, 2.f);
    EXPECT_CLOSE_TO_REFERENCE(run(f, batch, x), test::onnx_reference_forward(exported, batch, test::to_double(x)),
                              test::kForwardTolerance, activation);
    const std::string path = dir().path(std::string(activation) + ".onnx");
    write_onnx_model(path, exported);
    EXPECT_CLOSE_TO_REFERENCE(run(import_onnx(path), batch, x), test::to_double(run(f, batch, x)),
                              test::kForwardTolerance, std::string(activation) + " re-imported");
  }
}

}  // namespace
}  // namespace vkcnn

namespace vkcnn {
namespace {

// A mul of a flattened (N, F) value by a pooled (N, F, 1, 1) one is one shape to vkcnn but two
// ranks to ONNX: refused with the layer named rather than written wrong.
TEST(OnnxExport, ProductsOfDifferentRanksAreRefusedWithTheLayerNamed) {
  ModelFile f;
  f.spec = parse_model_spec(R"({
    "name": "ranks",
    "input": {"channels": 3, "height": 4, "width": 4, "color": "rgb"},
    "layers": [
      {"type": "global_avgpool", "name": "gap"},
      {"type": "flatten", "name": "flat"},
      {"type": "mul", "name": "m", "inputs": ["flat", "gap"]},
      {"type": "softmax", "name": "prob"}
    ]})",
                            "ranks");
  f.weights = initialize_weights(Graph(f.spec, "ranks"), 1);
  try {
    export_onnx(f, "ranks.vkcnn");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ranks.vkcnn: layer 'm': multiplies values of different ranks"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace vkcnn
