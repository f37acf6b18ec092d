#version 450
#extension GL_GOOGLE_include_directive : require
// dx += sum of dy over the windows whose argmax is this element. One thread per input element
// gathers from the windows that hold it (each visited once: distinct taps give distinct
// windows), so overlapping windows (stride < kernel) need no atomics.
// argmax, dy (N, C, OH, OW); dx (N, C, H, W).
#include "common.glsl"
#include "texel_inputs.glsl"
#include "pool2d.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
UINT_INPUT(0, argmax)
FLOAT_INPUT(1, dy)
layout(binding = 2) buffer DX { float dx[]; };

void main() {
  uint i = flat_index();
  if (i >= p.in_count) return;
  const uvec3 at_in = input_position(i);
  const uint plane = at_in.x, ih = at_in.y, iw = at_in.z;
  uint at = ih * p.w + iw;
  uint out_base = plane * p.oh * p.ow;

  float g = 0.0;
  for (int kh = 0; kh < KH; ++kh) {
    int oh = window_of(int(ih), kh, SH, PH, DH, p.oh);
    if (oh < 0) continue;
    for (int kw = 0; kw < KW; ++kw) {
      int ow = window_of(int(iw), kw, SW, PW, DW, p.ow);
      if (ow < 0) continue;
      uint o = out_base + uint(oh) * p.ow + uint(ow);
      if (READ_UINT(argmax, o) == at) g += READ(dy, o);
    }
  }
  dx[i] += g;
}
