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

// True when the graph's last layer is softmax, i.e. its output already sums to 1.
bool outputs_probabilities(const Graph& graph);

// Probabilities for one image's output: as is after a softmax layer, else softmax(output).
std::vector<float> probabilities(const Graph& graph, std::span<const float> output);

// The k best classes (highest first, ties by lower id) with score >= threshold.
std::vector<ClassScore> top_k(std::span<const float> scores, const std::vector<std::string>& labels, uint32_t k,
                              float threshold = 0.f);

}  // namespace vkcnn
