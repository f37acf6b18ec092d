#version 450
#extension GL_GOOGLE_include_directive : require
// dx += dy routed to each window's argmax, one thread per window. Only for windows that cannot
// overlap (stride >= dilated kernel along both axes): then no two threads touch one element, and
// a window's one load and one store of dx replace maxpool2d_backward.comp's gather by every
// input element (4x the threads for 2x2 stride 2, each dividing by the sizes) — where lavapipe
// spends its time.
// argmax, dy (N, C, OH, OW); dx (N, C, H, W).
#include "common.glsl"
#include "texel_inputs.glsl"
#include "fast_div.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
UINT_INPUT(0, argmax)
FLOAT_INPUT(1, dy)
layout(binding = 2) buffer DX { float dx[]; };
layout(push_constant) uniform Push {
  uint out_count;         // N*C*OH*OW
  uint in_plane;          // H*W
  uint div_mul, div_shift;  // fast_div by OH*OW: output index -> (n, c) plane
} p;

void main() {
  uint o = flat_index();
  if (o >= p.out_count) return;
  uint at = READ_UINT(argmax, o);
  if (at == 0xffffffffu) return;  // a window of padding only: no input to credit
  uint plane = fast_div(o, p.div_mul, p.div_shift);
  dx[plane * p.in_plane + at] += READ(dy, o);
}
