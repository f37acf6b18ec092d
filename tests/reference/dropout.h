// Double-precision reference for dropout in training: the same stateless mask as
// shaders/dropout.comp (a hash of the seed and the element index), so that one seed gives one
// mask on both sides.
#pragma once
#include <cstdint>
#include <vector>

namespace vkcnn::reference {

// Whether element `index` survives under `seed`: hash(seed, index) >= round(p * 2^32).
bool dropout_keeps(uint32_t seed, uint32_t index, double p);
// y = x * mask / (1 - p)
std::vector<double> dropout_forward(const std::vector<double>& x, double p, uint32_t seed);
// dL/dx for L = sum(dy * y): dy * mask / (1 - p)
std::vector<double> dropout_backward(const std::vector<double>& dy, double p, uint32_t seed);

}  // namespace vkcnn::reference
