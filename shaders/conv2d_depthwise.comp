#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
// y = act(conv2d(x, w) + b) when every group has one input channel (depthwise, or a single
// input channel): K = KH*KW is too small for a GEMM to pay, so a few outputs per invocation.
// Grid: x over (output channel, output row, run of OPI pixels), z = image: one flat index, so
// that small maps (7x7) still fill workgroups.
// x: (batch, cin, h, w)   w: (cout, 1, KH, KW)   b: (cout)   y: (batch, cout, oh, ow)
#include "precision.glsl"
#include "common.glsl"
#include "texel_inputs.glsl"
#include "conv2d_common.glsl"
layout(local_size_x = 256) in;
FLOAT_INPUT(0, x)
FLOAT_INPUT(1, w)
layout(binding = 2) readonly buffer Bias { ELEM bias[]; };  // w again when there is no bias
layout(binding = 3) writeonly buffer Y { ELEM y[]; };

// Each invocation computes OPI neighbouring outputs of one row: a weight is read once for all
// of them, and with stride 1 and dilation 1 (and KW <= 7) so is each input their windows share.
const uint OPI = 4;
const bool ROW_WINDOW = SW == 1 && DW == 1 && KW <= 7;

void main() {
  const uint quads = (p.ow + OPI - 1) / OPI;
  const uint per_channel = p.oh * quads, img = gl_WorkGroupID.z;
  // The host sets div_ohw and div_ow to divide by per_channel and quads (fast_div: lavapipe
  // scalarises integer divides by run-time sizes).
  const uint co = div_ohw(gl_GlobalInvocationID.x), q = gl_GlobalInvocationID.x - co * per_channel;
  if (co >= p.cout) return;
  const uint oy = div_ow(q), ox0 = (q - oy * quads) * OPI;
  const uint ci = co / p.cout_g;  // cin_g == 1: the group is the input channel
  const uint x_base = (img * p.cin + ci) * p.h * p.w, w_base = co * KHW;
  const int iy0 = int(oy * SH) - int(PH), ix0 = int(ox0 * SW) - int(PW);
  float sum[OPI];
  [[unroll]] for (uint c = 0; c < OPI; ++c) sum[c] = HAS_BIAS ? float(bias[co]) : 0.0;
  for (uint kh = 0; kh < KH; ++kh) {
    const int iy = iy0 + int(kh * DH);
    if (uint(iy) >= p.h) continue;
    const uint row = x_base + uint(iy) * p.w;
    // Inputs outside the row read as 0 (a select on a clamped read: no branch per tap).
    if (ROW_WINDOW) {
      float seg[OPI + 6];
      [[unroll]] for (uint i = 0; i < OPI + 6; ++i) {
        const int ix = ix0 + int(i);
        seg[i] = i < OPI + KW - 1 && uint(ix) < p.w ? READ(x, row + uint(clamp(ix, 0, int(p.w) - 1))) : 0.0;
      }
      for (uint kw = 0; kw < KW; ++kw) {
        const float wk = READ(w, w_base + kh * KW + kw);
        [[unroll]] for (uint c = 0; c < OPI; ++c) sum[c] = fma(seg[c + kw], wk, sum[c]);
      }
    } else {
      for (uint kw = 0; kw < KW; ++kw) {
        const float wk = READ(w, w_base + kh * KW + kw);
        [[unroll]] for (uint c = 0; c < OPI; ++c) {
          const int ix = ix0 + int(c * SW + kw * DW);
          const float v = uint(ix) < p.w ? READ(x, row + uint(clamp(ix, 0, int(p.w) - 1))) : 0.0;
          sum[c] = fma(v, wk, sum[c]);
        }
      }
    }
  }
  const uint y_row = (img * p.cout + co) * p.oh * p.ow + oy * p.ow;
  [[unroll]] for (uint c = 0; c < OPI; ++c)
    if (ox0 + c < p.ow) y[y_row + ox0 + c] = ELEM(activate(ACT, sum[c], p.slope));
}
