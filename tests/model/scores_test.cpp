// From model output to what users see: probabilities and top-k, including outputs that are not
// numbers (which used to give an empty top-k and exit 0).
#include <gtest/gtest.h>

#include <cmath>

#include <vkcnn/model/graph.h>
#include <vkcnn/model/init.h>
#include <vkcnn/model/model.h>
#include <vkcnn/model/scores.h>
#include <vkcnn/model/spec.h>

#include "support/gpu_test.h"

namespace vkcnn {
namespace {

Graph logits_graph() {
  return Graph(parse_model_spec(R"({"input": {"channels": 1, "height": 1, "width": 4},
                                    "layers": [{"type": "flatten"}]})",
                                "logits"));
}

// A declared "output" decides over the last layer, survives a write/read of the spec, and
// log-probabilities are reported as exp of them; an unknown kind is an error naming the field.
TEST(Scores, DeclaredOutputKindDecidesHowScoresAreReported) {
  const std::vector<float> out = {-0.5f, -1.5f, -2.25f, -3.f};
  for (OutputKind kind : output_kinds()) {
    ModelSpec spec = logits_graph().spec();
    spec.output = kind;
    const Graph graph(parse_model_spec(to_json(spec).dump(), "declared"));
    ASSERT_EQ(output_kind(graph), kind) << to_string(kind);
    auto p = probabilities(graph, out);
    double sum = 0;
    for (float l : out) sum += std::exp(double(l));
    for (std::size_t i = 0; i < out.size(); ++i) {
      const double x = out[i];
      const double expected = kind == OutputKind::Logits       ? std::exp(x) / sum
                              : kind == OutputKind::LogSoftmax ? std::exp(x)
                                                               : x;
      EXPECT_NEAR(p[i], expected, 1e-7) << to_string(kind) << " " << i;
    }
  }
  EXPECT_EQ(output_kind(logits_graph()), OutputKind::Logits);
  try {
    parse_model_spec(R"({"input": {"channels": 1, "height": 1, "width": 4}, "output": "probits",
                         "layers": [{"type": "flatten"}]})",
                     "m.json");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("m.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("\"output\" \"probits\" is not one of logits, softmax, sigmoid, log_softmax"),
              std::string::npos)
        << e.what();
  }
}

TEST(Scores, SoftmaxOfLogitsMatchesTheDefinition) {
  const std::vector<float> logits = {1.f, -2.f, 0.5f, 3.f};
  auto p = probabilities(logits_graph(), logits);
  double sum = 0;
  for (float l : logits) sum += std::exp(double(l));
  for (std::size_t i = 0; i < logits.size(); ++i) EXPECT_NEAR(p[i], std::exp(double(logits[i])) / sum, 1e-7) << i;
}

// A multi-label model (sigmoid last) scores each class on its own: a softmax on top would
// report wrong scores. The inference model fuses the sigmoid into the dense layer's epilogue,
// and must still say so.
TEST(Scores, SigmoidOutputsAreReportedAsTheyAreNotSoftmaxed) {
  const ModelSpec spec = parse_model_spec(R"({"input": {"channels": 1, "height": 1, "width": 4},
                                             "layers": [{"type": "dense", "out_features": 3},
                                                        {"type": "sigmoid"}]})",
                                          "multi-label");
  const std::vector<float> scores = {0.9f, 0.8f, 0.1f};
  const Graph graph(spec, "multi-label");
  EXPECT_TRUE(outputs_independent_scores(graph));
  EXPECT_EQ(probabilities(graph, scores), scores);
  const Model fused(test::context(), spec, initialize_weights(graph, 1), "multi-label");
  ASSERT_EQ(fused.graph().nodes().back().layer->type(), "dense") << "the sigmoid was expected to be fused";
  EXPECT_TRUE(outputs_independent_scores(fused.graph()));
  EXPECT_EQ(probabilities(fused.graph(), scores), scores);
  EXPECT_FALSE(outputs_independent_scores(logits_graph()));
}

TEST(Scores, NonFiniteOutputsAreAnErrorNotAnEmptyResult) {
  for (float bad : {std::nanf(""), INFINITY, -INFINITY}) {
    const std::vector<float> logits = {1.f, bad, 0.5f, 3.f};
    try {
      probabilities(logits_graph(), logits);
      ADD_FAILURE() << "no error for " << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("output for class 1 is"), std::string::npos) << e.what();
    }
  }
}

TEST(Scores, TopKRanksNanLastAndStaysWellDefined) {
  const std::vector<float> scores = {0.2f, std::nanf(""), 0.7f, std::nanf(""), 0.1f};
  auto top = top_k(scores, {"a", "b", "c", "d", "e"}, 5);
  ASSERT_EQ(top.size(), 3u) << "NaN passes no threshold";
  EXPECT_EQ(top[0].label, "c");
  EXPECT_EQ(top[1].label, "a");
  EXPECT_EQ(top[2].label, "e");
}

}  // namespace
}  // namespace vkcnn
