#version 450
#extension GL_GOOGLE_include_directive : require
// y = act(conv2d(x, w) + b) when every group has one input channel (depthwise, or a single
// input channel): K = KH*KW is too small for a GEMM to pay, so one invocation per output.
// Grid: x over output pixels, y = output channel, z = image.
// x: (batch, cin, h, w)   w: (cout, 1, KH, KW)   b: (cout)   y: (batch, cout, oh, ow)
#include "common.glsl"
#include "texel_inputs.glsl"
#include "conv2d_common.glsl"
layout(local_size_x = 256) in;
FLOAT_INPUT(0, x)
FLOAT_INPUT(1, w)
layout(binding = 2) readonly buffer Bias { float bias[]; };  // w again when there is no bias
layout(binding = 3) writeonly buffer Y { float y[]; };

void main() {
  const uint pix = gl_GlobalInvocationID.x, co = gl_WorkGroupID.y, img = gl_WorkGroupID.z;
  if (pix >= p.oh * p.ow) return;
  const uint oy = div_ow(pix), ox = pix - oy * p.ow;
  const uint ci = co / p.cout_g;  // cin_g == 1: the group is the input channel
  const uint x_base = (img * p.cin + ci) * p.h * p.w, w_base = co * KHW;
  const int iy0 = int(oy * SH) - int(PH), ix0 = int(ox * SW) - int(PW);
  float sum = HAS_BIAS ? bias[co] : 0.0;
  for (uint kh = 0; kh < KH; ++kh) {
    const int iy = iy0 + int(kh * DH);
    if (uint(iy) >= p.h) continue;
    for (uint kw = 0; kw < KW; ++kw) {
      const int ix = ix0 + int(kw * DW);
      if (uint(ix) < p.w) sum = fma(READ(x, x_base + uint(iy) * p.w + uint(ix)), READ(w, w_base + kh * KW + kw), sum);
    }
  }
  y[(img * p.cout + co) * p.oh * p.ow + pix] = activate(ACT, sum, p.slope);
}
