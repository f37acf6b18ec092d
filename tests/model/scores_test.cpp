// From model output to what users see: probabilities and top-k, including outputs that are not
// numbers (which used to give an empty top-k and exit 0).
#include <gtest/gtest.h>

#include <cmath>

#include <vkcnn/model/graph.h>
#include <vkcnn/model/scores.h>
#include <vkcnn/model/spec.h>

namespace vkcnn {
namespace {

Graph logits_graph() {
  return Graph(parse_model_spec(R"({"input": {"channels": 1, "height": 1, "width": 4},
                                    "layers": [{"type": "flatten"}]})", "logits"));
}

TEST(Scores, SoftmaxOfLogitsMatchesTheDefinition) {
  const std::vector<float> logits = {1.f, -2.f, 0.5f, 3.f};
  auto p = probabilities(logits_graph(), logits);
  double sum = 0;
  for (float l : logits) sum += std::exp(double(l));
  for (std::size_t i = 0; i < logits.size(); ++i) EXPECT_NEAR(p[i], std::exp(double(logits[i])) / sum, 1e-7) << i;
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
