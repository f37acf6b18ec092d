// Shared by every conv2d shader. The convolution's fixed geometry is specialization constants,
// so that tap decoding (k -> channel, kh, kw) folds into multiplies by constants; sizes that
// change with the batch are push constants (one pipeline serves every batch size).
// Values must match vkcnn::Conv2dLayer (engine/layers/conv2d.cpp).
#include "fast_div.glsl"
layout(constant_id = 6) const uint KH = 3;
layout(constant_id = 7) const uint KW = 3;
layout(constant_id = 8) const uint SH = 1;
layout(constant_id = 9) const uint SW = 1;
layout(constant_id = 10) const uint PH = 0;
layout(constant_id = 11) const uint PW = 0;
layout(constant_id = 12) const uint DH = 1;
layout(constant_id = 13) const uint DW = 1;
layout(constant_id = 14) const uint ACT = ACT_NONE;  // fused epilogue activation (forward only)
layout(constant_id = 15) const bool HAS_BIAS = true;
layout(constant_id = 16) const bool SPLIT_K = false;  // backward_weight: write partial sums

const uint KHW = KH * KW;
// A 1x1, stride 1, unpadded convolution reads x exactly where it writes y: a plain GEMM.
const bool POINTWISE = KH == 1 && KW == 1 && SH == 1 && SW == 1 && PH == 0 && PW == 0;

// Mirrors vkcnn::conv2d::Push. Divisions by run-time sizes use the multiply-high form
// (div_*_mul, div_*_shift): GPUs have no fast integer divide and lavapipe scalarises it.
layout(push_constant) uniform Push {
  uint batch, cin, h, w;   // x: (batch, cin, h, w)
  uint cout, oh, ow;       // y: (batch, cout, oh, ow)
  uint cin_g, cout_g;      // channels per group
  uint k_split;            // backward_weight: GEMM depth per split (multiple of BK)
  uint n_base;             // first GEMM column of this dispatch (grids wider than 65535 tiles)
  uint div_ohw_mul, div_ohw_shift, div_ow_mul, div_ow_shift;
  uint div_hw_mul, div_hw_shift, div_w_mul, div_w_shift;
  float slope;             // leaky_relu's negative slope for the fused activation
} p;

uint div_ohw(uint n) { return fast_div(n, p.div_ohw_mul, p.div_ohw_shift); }
uint div_ow(uint n) { return fast_div(n, p.div_ow_mul, p.div_ow_shift); }
uint div_hw(uint n) { return fast_div(n, p.div_hw_mul, p.div_hw_shift); }
uint div_w(uint n) { return fast_div(n, p.div_w_mul, p.div_w_shift); }
