// Architecture specs: what parse_model_spec and Graph accept, and the message for what they don't.
#include <gtest/gtest.h>

#include <vkcnn/model/graph.h>
#include <vkcnn/model/init.h>
#include <vkcnn/model/spec.h>

namespace vkcnn {
namespace {

std::string spec_with(const std::string& layers,
                      const std::string& input = R"({"channels": 1, "height": 8, "width": 8})",
                      const std::string& labels = "[]") {
  return R"({"format": "vkcnn-model/1", "name": "t", "input": )" + input + R"(, "labels": )" + labels +
         R"(, "layers": )" + layers + "}";
}

// Runs `fn`, expecting an Error whose message contains every one of `parts`.
template <class Fn>
void expect_error(Fn fn, std::initializer_list<const char*> parts) {
  try {
    fn();
    ADD_FAILURE() << "no error thrown";
  } catch (const Error& e) {
    for (const char* p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

TEST(ModelSpec, ParsesInputLabelsAndNamesUnnamedLayers) {
  auto spec = parse_model_spec(spec_with(R"([{"type": "relu"}, {"type": "sigmoid", "name": "s"}])",
                                         R"({"channels": 3, "height": 5, "width": 7, "color": "bgr",
                                            "mean": [0.1, 0.2, 0.3], "std": [1, 2, 3], "resize": "letterbox"})",
                                         R"(["a", "b"])"),
                               "x.json");
  EXPECT_EQ(spec.input.channels, 3u);
  EXPECT_EQ(spec.input.color, ColorOrder::BGR);
  EXPECT_EQ(spec.input.resize, ResizeMode::Letterbox);
  EXPECT_FLOAT_EQ(spec.input.std[2], 3.f);
  ASSERT_EQ(spec.layers.size(), 2u);
  EXPECT_EQ(spec.layers[0].name, "relu0");
  EXPECT_EQ(spec.layers[1].name, "s");
  EXPECT_EQ(spec.labels, (std::vector<std::string>{"a", "b"}));
  // to_json and back gives the same spec.
  auto again = parse_model_spec(to_json(spec).dump(), "again");
  EXPECT_EQ(to_json(again), to_json(spec));
}

TEST(ModelSpec, RejectsBrokenSpecsWithTheirOwnMessage) {
  expect_error([] { parse_model_spec("{not json", "a.json"); }, {"a.json", "not valid JSON"});
  expect_error([] { parse_model_spec(R"({"layers": [{"type": "relu"}]})", "b.json"); }, {"b.json", "lacks \"input\""});
  expect_error([] { parse_model_spec(spec_with("[]"), "c.json"); }, {"c.json", "non-empty array"});
  expect_error(
      [] { parse_model_spec(spec_with(R"([{"type": "relu", "name": "r"}, {"type": "relu", "name": "r"}])"), "d"); },
      {"two layers are named \"r\""});
  expect_error([] { parse_model_spec(spec_with(R"([{"type": "relu", "inputs": ["later"]}])"), "e"); },
               {"reads \"later\"", "not an earlier layer"});
  expect_error(
      [] {
        parse_model_spec(
            spec_with(R"([{"type": "relu"}])", R"({"channels": 3, "height": 8, "width": 8, "color": "gray"})"), "f");
      },
      {"\"gray\" does not fit 3 channel(s)"});
  expect_error(
      [] {
        parse_model_spec(spec_with(R"([{"type": "relu"}])", R"({"channels": 1, "height": 8, "width": 8, "std": [0]})"),
                         "g");
      },
      {"\"std\" value 0 is outside [1e-06, 1e+06]"});
  expect_error(
      [] { parse_model_spec(spec_with(R"([{"type": "relu"}])", R"({"channels": 1, "height": 0, "width": 8})"), "h"); },
      {"\"height\" must be a positive integer"});
  expect_error([] { parse_model_spec(R"({"format": "onnx", "input": {}, "layers": []})", "i"); },
               {"unsupported format"});
}

// Values that parse but would make every output NaN or infinite: the model must not load.
TEST(ModelSpec, RejectsNormalisationThatIsNotFinite) {
  auto input = [](const std::string& mean_std) {
    return spec_with(R"([{"type": "relu"}])", R"({"channels": 1, "height": 8, "width": 8, )" + mean_std + "}");
  };
  expect_error([&] { parse_model_spec(input(R"("std": [1e-45])"), "a.vkcnn"); }, {"a.vkcnn", "\"std\" value 1e-45"});
  expect_error([&] { parse_model_spec(input(R"("std": [1e300])"), "b"); }, {"\"std\" value 1e+300 is outside"});
  expect_error([&] { parse_model_spec(input(R"("mean": [-1e39])"), "c"); }, {"\"mean\" value -1e+39 is outside"});
  EXPECT_NO_THROW(parse_model_spec(input(R"("mean": [0.485], "std": [0.229])"), "d"));
}

TEST(ModelSpec, RejectsColorThatThePreprocessingCannotFeed) {
  expect_error(
      [] {
        parse_model_spec(
            spec_with(R"([{"type": "relu"}])", R"({"channels": 4, "height": 8, "width": 8, "color": "rgb"})"), "a");
      },
      {"\"rgb\" does not fit 4 channel(s)"});
  expect_error(
      [] {
        parse_model_spec(
            spec_with(R"([{"type": "relu"}])", R"({"channels": 2, "height": 8, "width": 8, "color": "bgr"})"), "b");
      },
      {"\"bgr\" does not fit 2 channel(s)"});
}

// center-crop's "crop" (torchvision's Resize(256) + CenterCrop(224) is 0.875): a share of the
// shorter side, only with center-crop, and written back only where it is not 1.
TEST(ModelSpec, CropIsAShareOfTheShorterSideForCenterCropOnly) {
  auto input = [](const std::string& fields) {
    return spec_with(R"([{"type": "relu"}])", R"({"channels": 1, "height": 8, "width": 8, )" + fields + "}");
  };
  const ModelSpec spec = parse_model_spec(input(R"("resize": "center-crop", "crop": 0.875)"), "a");
  EXPECT_EQ(spec.input.crop, 0.875f);
  EXPECT_EQ(to_json(spec)["input"]["crop"], 0.875);
  EXPECT_EQ(parse_model_spec(to_json(spec).dump(), "again").input.crop, 0.875f);
  EXPECT_FALSE(to_json(parse_model_spec(input(R"("resize": "center-crop")"), "b"))["input"].contains("crop"));
  expect_error([&] { parse_model_spec(input(R"("resize": "center-crop", "crop": 0)"), "c.vkcnn"); },
               {"c.vkcnn", "input \"crop\" must be a number in [1/64, 1], got 0"});
  expect_error([&] { parse_model_spec(input(R"("resize": "center-crop", "crop": 1.5)"), "d"); },
               {"\"crop\" must be a number in [1/64, 1], got 1.5"});
  expect_error([&] { parse_model_spec(input(R"("resize": "letterbox", "crop": 0.875)"), "e"); },
               {"input \"crop\" needs \"resize\": \"center-crop\", got \"letterbox\""});
}

// Fields of the wrong JSON type get a message with the file name, not nlohmann's bare one.
TEST(ModelSpec, WrongFieldTypesNameTheFileAndField) {
  expect_error(
      [] {
        parse_model_spec(spec_with(R"([{"type": "relu"}])", R"({"channels": 1, "height": 8, "width": 8, "color": 1})"),
                         "a.vkcnn");
      },
      {"a.vkcnn", "input \"color\" must be a string, got 1"});
  expect_error(
      [] {
        parse_model_spec(
            spec_with(R"([{"type": "relu"}])", R"({"channels": 1, "height": 8, "width": 8, "resize": []})"), "b");
      },
      {"input \"resize\" must be a string"});
  expect_error(
      [] {
        parse_model_spec(
            R"({"name": 5, "input": {"channels": 1, "height": 1, "width": 1}, "layers": [{"type": "relu"}]})", "c");
      },
      {"c: architecture \"name\" must be a string"});
  expect_error([] { parse_model_spec(spec_with(R"([{"type": 7}])"), "d"); },
               {"d: layer 0 \"type\" must be a non-empty string"});
  expect_error(
      [] { parse_model_spec(spec_with(R"([{"type": "relu", "name": ")" + std::string(300, 'x') + R"("}])"), "e"); },
      {"at most 256 bytes"});
}

// A spec nesting arrays 100,000 deep used to crash (stack overflow) when a message quoted it.
TEST(ModelSpec, DeepNestingIsAnErrorNotACrash) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  expect_error([&] { parse_model_spec(deep, "deep.vkcnn"); }, {"deep.vkcnn", "nests deeper than 64 levels"});
  const std::string in_layer = spec_with(R"([{"type": "relu", "negative_slope": )" + deep + "}]");
  expect_error([&] { parse_model_spec(in_layer, "deep2.vkcnn"); }, {"deep2.vkcnn", "nests deeper than 64 levels"});
  // 64 levels are fine as JSON (the layer attribute is then rejected, with a bounded quote).
  const std::string ok = std::string(60, '[') + std::string(60, ']');
  auto spec = parse_model_spec(spec_with(R"([{"type": "leaky_relu", "negative_slope": )" + ok + "}]"), "ok");
  expect_error([&] { Graph g(spec, "ok.vkcnn"); }, {"ok.vkcnn", "must be a finite number, got [[[["});
}

TEST(Graph, RejectsUnknownLayerTypeNamingFileAndLayer) {
  auto spec = parse_model_spec(spec_with(R"([{"type": "relu"}, {"type": "gelu", "name": "g1"}])"), "m.json");
  expect_error([&] { Graph g(spec, "m.json"); }, {"m.json", "'g1'", "unknown layer type \"gelu\""});
}

TEST(Graph, RejectsLabelCountThatDoesNotMatchOutputs) {
  auto spec = parse_model_spec(
      spec_with(R"([{"type": "relu"}])", R"({"channels": 1, "height": 1, "width": 3})", R"(["a", "b"])"), "m.json");
  expect_error([&] { Graph g(spec, "m.json"); }, {"m.json", "2 labels for a model with 3 outputs"});
}

TEST(Graph, InfersShapesAndParamsOfRefcnn) {
  Graph g(load_model_spec(VKCNN_SOURCE_DIR "/models/refcnn.json"), "refcnn");
  EXPECT_EQ(g.output_shape(5), (Shape{5, 10, 1, 1}));
  std::vector<std::string> names;
  std::size_t count = 0;
  for (const auto& p : g.params()) {
    names.push_back(p.name);
    count += g.nodes()[p.node].params[p.index].count();
  }
  EXPECT_EQ(names, (std::vector<std::string>{"c1.weight", "c1.bias", "c2.weight", "c2.bias", "f1.weight", "f1.bias",
                                             "f2.weight", "f2.bias"}));
  // 320 + 18496 + 401536 + 1290, as torch's RefCNN counts them.
  EXPECT_EQ(count, 421642u);
}

TEST(Graph, TorchvisionSpecsHaveTorchvisionParameterCounts) {
  // Parameter totals of torchvision.models.resnet18() / mobilenet_v2() (state_dict tensors
  // without num_batches_tracked): 11,689,512 + 9,600 running stats; 3,504,872 + 34,112.
  struct Case {
    const char* file;
    std::size_t trainable, running;
  };
  for (Case c : {Case{"resnet18.json", 11689512, 9600}, Case{"mobilenet_v2.json", 3504872, 34112}}) {
    Graph g(load_model_spec(std::string(VKCNN_SOURCE_DIR "/models/") + c.file), c.file);
    std::size_t trainable = 0, running = 0;
    for (const auto& p : g.params()) (p.trainable ? trainable : running) += g.nodes()[p.node].params[p.index].count();
    EXPECT_EQ(trainable, c.trainable) << c.file;
    EXPECT_EQ(running, c.running) << c.file;
    EXPECT_EQ(g.output_shape(1), (Shape{1, 1000, 1, 1})) << c.file;
  }
}

TEST(Init, SameSeedSameWeightsAndPyTorchBounds) {
  Graph g(load_model_spec(VKCNN_SOURCE_DIR "/models/refcnn.json"), "refcnn");
  auto a = initialize_weights(g, 3), b = initialize_weights(g, 3), c = initialize_weights(g, 4);
  EXPECT_EQ(a.at("c2.weight").values, b.at("c2.weight").values);
  EXPECT_NE(a.at("c2.weight").values, c.at("c2.weight").values);
  // c2: fan_in = 32*3*3 = 288, so |w| <= 1/sqrt(288).
  float bound = 1.f / std::sqrt(288.f), largest = 0;
  for (float v : a.at("c2.weight").values) largest = std::max(largest, std::abs(v));
  EXPECT_LE(largest, bound);
  EXPECT_GT(largest, 0.9f * bound);
}

}  // namespace
}  // namespace vkcnn
