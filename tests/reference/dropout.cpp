#include "reference/dropout.h"

#include <cmath>

namespace vkcnn::reference {
namespace {
uint32_t mix32(uint32_t v) {  // lowbias32, as in shaders/dropout.comp
  v ^= v >> 16;
  v *= 0x7feb352du;
  v ^= v >> 15;
  v *= 0x846ca68bu;
  v ^= v >> 16;
  return v;
}
}  // namespace

bool dropout_keeps(uint32_t seed, uint32_t index, double p) {
  const uint32_t key = mix32(seed ^ 0x9e3779b9u);
  const uint32_t hash = mix32(mix32(index ^ key) + key);
  return hash >= static_cast<uint32_t>(std::llround(p * 4294967296.0));
}

std::vector<double> dropout_forward(const std::vector<double>& x, double p, uint32_t seed) {
  std::vector<double> y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = dropout_keeps(seed, uint32_t(i), p) ? x[i] / (1 - p) : 0.0;
  return y;
}

std::vector<double> dropout_backward(const std::vector<double>& dy, double p, uint32_t seed) {
  return dropout_forward(dy, p, seed);  // linear in x: the gradient is the same mask and scale
}

}  // namespace vkcnn::reference
