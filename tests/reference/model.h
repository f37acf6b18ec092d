// Double-precision reference forward pass of a whole model, straight from its spec: no
// batchnorm folding, no fused activations — the plain definition the GPU model must match.
#pragma once
#include <vector>

#include <vkcnn/model/spec.h>
#include <vkcnn/model/weights.h>
#include <vkcnn/tensor.h>

namespace vkcnn::reference {

// x: (batch, C, H, W) of the spec's input. Returns the last layer's output.
std::vector<double> model_forward(const ModelSpec& spec, const Weights& weights, uint32_t batch,
                                  const std::vector<double>& x);

}  // namespace vkcnn::reference
