// From a model's output vector to what users see: probabilities and the top-k classes.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <vkcnn/model/graph.h>

namespace vkcnn {

struct ClassScore {
  uint32_t id = 0;
  std::string label;  // the model's label, or "class <id>" where it has none
  float score = 0;
};

// What the model's output is: the spec's "output" where it declares one, else inferred from the
// last layer (softmax, a sigmoid, log_softmax; anything else is logits).
OutputKind output_kind(const Graph& graph);

// True when the output already sums to 1 (output_kind is softmax).
bool outputs_probabilities(const Graph& graph);

// True when the output is a sigmoid (multi-label): each output is a score of its own, and no
// softmax goes on top.
bool outputs_independent_scores(const Graph& graph);

// Scores for one image's output: as they are after a softmax or a sigmoid, exp(output) for
// log-probabilities, else softmax(output) (logits).
std::vector<float> probabilities(const Graph& graph, std::span<const float> output);

// The k best classes (highest first, ties by lower id) with score >= threshold.
std::vector<ClassScore> top_k(std::span<const float> scores, const std::vector<std::string>& labels, uint32_t k,
                              float threshold = 0.f);

}  // namespace vkcnn
