// Parameter initialisation like PyTorch's defaults, seeded.
#pragma once
#include <cstdint>

#include <vkcnn/model/graph.h>
#include <vkcnn/model/weights.h>

namespace vkcnn {

// Kaiming-uniform conv/dense weights, fan-in-uniform biases, batchnorm weight 1 / bias 0,
// running mean 0 / var 1. Same seed, same weights.
Weights initialize_weights(const Graph& graph, uint32_t seed);

}  // namespace vkcnn
