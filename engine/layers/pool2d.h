// Window geometry shared by maxpool2d and avgpool2d: the attributes PyTorch's MaxPool2d and
// AvgPool2d take, PyTorch's output-size rule, and how the shaders receive them
// (shaders/pool2d.glsl: geometry as specialization constants, sizes as push constants).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <vkcnn/tensor.h>

#include "layers/attributes.h"
#include "layers/fast_div.h"

namespace vkcnn {

struct PoolGeometry {
  std::array<uint32_t, 2> kernel{1, 1};  // [h, w]
  std::array<uint32_t, 2> stride{1, 1};
  std::array<uint32_t, 2> padding{0, 0};   // implicit cells: -inf for max, 0 for average
  std::array<uint32_t, 2> dilation{1, 1};  // maxpool2d only
  bool ceil_mode = false;

  // Reads kernel (required), stride (default: kernel), padding, dilation (when the op has it)
  // and ceil_mode; throws naming the layer for a zero kernel/stride/dilation or for padding
  // over half the kernel (PyTorch refuses it too: a window could then hold only padding).
  static PoolGeometry parse(const Attributes& a, bool with_dilation);

  // Output extent along axis 0 (h) or 1 (w) for an input extent; 0 when the input is too small.
  uint32_t output_extent(uint32_t in, int axis) const;
  // (N, C, OH, OW) for x = (N, C, H, W); 0 in OH/OW when the input is smaller than the window.
  Shape output_shape(const Shape& x) const;
  std::string str() const;  // "kernel [3, 3], stride [2, 2], ..." for error messages
  // Why x cannot be pooled (smaller than the window, or too many elements), "" when it can.
  std::string check(const Shape& x) const;

  // Specialization constants 0..7 of shaders/pool2d.glsl: KH, KW, SH, SW, PH, PW, DH, DW.
  std::vector<uint32_t> spec_constants() const;
};

// Push constants of shaders/pool2d.glsl.
struct PoolPush {
  uint32_t in_count;   // N*C*H*W
  uint32_t out_count;  // N*C*OH*OW
  uint32_t h, w, oh, ow;
  FastDiv div_w, div_h, div_ow, div_oh;  // flat index -> (plane, row, column) in the shaders
};
// Inputs and outputs hold fewer elements than this (fast_div's range); PoolGeometry::check.
constexpr std::size_t kMaxPoolElements = std::size_t(1) << 31;
PoolPush pool_push(const Shape& x, const Shape& y);

}  // namespace vkcnn
