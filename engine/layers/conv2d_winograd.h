// Winograd F(m x m, 3x3), m = 2 or 4, for conv2d's 3x3 stride-1 convolutions
// (shaders/conv2d_winograd*.comp): a weight transform, then per chunk of output tiles an input
// transform, (m + 2)^2 batched GEMMs on
// conv2d's tiled core, and an output transform with bias and the fused activation. The same
// recording computes an input gradient (the convolution of dy with the rotated, transposed
// kernel) when told to flip the kernel and accumulate. Every intermediate lives in the
// layer's scratch (Layer::scratch_floats): U for all channels, V and M for one chunk.
#pragma once
#include <cstddef>
#include <cstdint>

#include <vkcnn/layers/layer.h>

#include "layers/conv2d.h"

namespace vkcnn::conv2d::winograd {

// One 3x3 stride-1 dilation-1 single-group convolution: x (batch, cin, h, w) padded by
// (pad_h, pad_w) -> y (batch, cout, oh, ow), in m x m output tiles.
struct Problem {
  uint32_t batch, cin, h, w, cout, oh, ow, pad_h, pad_w;
  uint32_t tile = 4;                   // m: F(4x4, 3x3) does 4x fewer multiplies than direct, F(2x2, 3x3) 2.25x
  GemmKernel gemm = GemmKernel::Auto;  // which core runs the a*a GEMMs
  std::optional<Tile> gemm_tile;       // the shared core's tiling, when forced
  uint32_t positions() const { return (tile + 2) * (tile + 2); }
  uint64_t tiles() const;  // output tiles over the whole batch
};

// What record() does after the products.
struct Epilogue {
  Activation act = Activation::None;
  float slope = 0.f;
  bool bias = false;        // y = act(conv + b)
  bool accumulate = false;  // y += conv (no bias, no activation)
  bool flip = false;        // w is (cin, cout, 3, 3) and used rotated: an input gradient
};

// The scratch record() asks for: U, and V and M for a chunk of tiles that keeps V + M under a
// fixed budget (the whole batch when it fits), so scratch does not grow with the batch.
std::size_t scratch_floats(const Problem& p);
// The least scratch record() can run with (chunks of a few tiles).
std::size_t min_scratch_floats(const Problem& p);

// The weight transform alone: U into the start of scratch, where record() finds it when told
// the weights are transformed already.
// w: (cout, cin, 3, 3), or (cin, cout, 3, 3) with flip   scratch: >= min_scratch_floats(p)
void record_weights(Recorder& rec, const Problem& p, bool flip, const TensorView& w, const TensorView& scratch);

// x: (batch, cin, h, w)   w: as for record_weights; unread when weights_ready
// b: (cout) with bias, else any tensor   y: (batch, cout, oh, ow)
// scratch: at least min_scratch_floats(p) floats. Throws Error for grids past Vulkan's limits.
void record(Recorder& rec, const Problem& p, const Epilogue& e, const TensorView& x, const TensorView& w,
            const TensorView& b, const TensorView& y, const TensorView& scratch, bool weights_ready = false);

}  // namespace vkcnn::conv2d::winograd
