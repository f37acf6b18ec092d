#version 450
#extension GL_GOOGLE_include_directive : require
// The weights of a stride-1 conv2d's input gradient, which is itself a convolution: of dy,
// with each group's kernel rotated by 180 degrees and its input and output channels swapped.
// w: (cout, cin_g, KH, KW)   wt: (cin, cout_g, KH, KW), wt[g*cin_g + ci][co][KH-1-kh][KW-1-kw]
// = w[g*cout_g + co][ci][kh][kw]. Once per backward pass; a few thousand weights.
#include "common.glsl"
#include "conv2d_common.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(binding = 0) readonly buffer Wt { float w[]; };
layout(binding = 1) writeonly buffer Rotated { float wt[]; };

void main() {
  const uint i = flat_index();
  const uint per_out = p.cin_g * KHW;
  if (i >= p.cout * per_out) return;
  const uint co_all = i / per_out, rest = i - co_all * per_out;
  const uint ci = rest / KHW, tap = rest - ci * KHW;
  const uint g = co_all / p.cout_g, co = co_all - g * p.cout_g;
  wt[((g * p.cin_g + ci) * p.cout_g + co) * KHW + (KHW - 1 - tap)] = w[i];
}
