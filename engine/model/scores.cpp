#include <algorithm>
#include <cmath>
#include <numeric>

#include <vkcnn/model/scores.h>

namespace vkcnn {

OutputKind output_kind(const Graph& graph) {
  if (graph.spec().output) return *graph.spec().output;
  const Layer& last = *graph.nodes().back().layer;
  if (last.outputs_probabilities()) return OutputKind::Softmax;
  if (last.outputs_independent_scores()) return OutputKind::Sigmoid;
  if (last.type() == "log_softmax") return OutputKind::LogSoftmax;
  return OutputKind::Logits;
}

bool outputs_probabilities(const Graph& graph) { return output_kind(graph) == OutputKind::Softmax; }

bool outputs_independent_scores(const Graph& graph) { return output_kind(graph) == OutputKind::Sigmoid; }

std::vector<float> probabilities(const Graph& graph, std::span<const float> output) {
  // NaN would sort nowhere and pass no threshold: a silently empty result. Finite weights can
  // still overflow float on some input; say so instead.
  for (std::size_t i = 0; i < output.size(); ++i)
    if (!std::isfinite(output[i]))
      throw Error("the model's output for class " + std::to_string(i) + " is " +
                  (std::isnan(output[i]) ? "NaN" : "infinite") +
                  ": its arithmetic overflowed float on this input (are the weights and normalisation sane?)");
  std::vector<float> p(output.begin(), output.end());
  const OutputKind kind = output_kind(graph);
  if (kind == OutputKind::Softmax || kind == OutputKind::Sigmoid || p.empty()) return p;
  if (kind == OutputKind::LogSoftmax) {
    for (float& v : p) v = std::exp(v);
    return p;
  }
  float top = *std::max_element(p.begin(), p.end());
  double sum = 0;
  for (float& v : p) sum += (v = std::exp(v - top));
  for (float& v : p) v = static_cast<float>(v / sum);
  return p;
}

std::vector<ClassScore> top_k(std::span<const float> scores, const std::vector<std::string>& labels, uint32_t k,
                              float threshold) {
  std::vector<uint32_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0u);
  std::size_t n = std::min<std::size_t>(k, order.size());
  // NaN ranks last: a comparator that NaN made inconsistent would be undefined behaviour.
  auto key = [&](uint32_t i) { return std::isnan(scores[i]) ? -INFINITY : scores[i]; };
  std::partial_sort(order.begin(), order.begin() + n, order.end(),
                    [&](uint32_t a, uint32_t b) { return key(a) > key(b) || (key(a) == key(b) && a < b); });
  std::vector<ClassScore> out;
  for (std::size_t i = 0; i < n && scores[order[i]] >= threshold; ++i) {
    uint32_t id = order[i];
    out.push_back({id, id < labels.size() ? labels[id] : "class " + std::to_string(id), scores[id]});
  }
  return out;
}

}  // namespace vkcnn
