// Integer division by a size known when a dispatch is recorded, as a multiply-high and a shift
// (Granlund-Montgomery): GPUs have no fast integer divide and lavapipe scalarises it. The
// shaders' fast_div (shaders/fast_div.glsl) takes the pair this computes.
#pragma once
#include <cstdint>

namespace vkcnn {

// n / d, exact for n < 2^31.
struct FastDiv {
  uint32_t mul = 0, shift = 0;
  explicit FastDiv(uint32_t divisor = 1);
  uint32_t divide(uint32_t n) const { return static_cast<uint32_t>(((uint64_t(n) * mul >> 32) + n) >> shift); }
};

}  // namespace vkcnn
