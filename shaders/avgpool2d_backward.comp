#version 450
#extension GL_GOOGLE_include_directive : require
// dx += sum over the windows holding this element of dy / divisor. One thread per input
// element gathers (no atomics, overlapping windows included).
// dy (N, C, OH, OW); dx (N, C, H, W).
#include "common.glsl"
#include "pool2d.glsl"
#include "avgpool2d.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(binding = 0) readonly buffer DY { float dy[]; };
layout(binding = 1) buffer DX { float dx[]; };

void main() {
  uint i = flat_index();
  if (i >= p.in_count) return;
  const uvec3 at_in = input_position(i);
  const uint plane = at_in.x, ih = at_in.y, iw = at_in.z;
  uint out_base = plane * p.oh * p.ow;

  float g = 0.0;
  for (int kh = 0; kh < KH; ++kh) {
    int oh = window_of(int(ih), kh, SH, PH, 1, p.oh);
    if (oh < 0) continue;
    for (int kw = 0; kw < KW; ++kw) {
      int ow = window_of(int(iw), kw, SW, PW, 1, p.ow);
      if (ow < 0) continue;
      g += dy[out_base + uint(oh) * p.ow + uint(ow)] / avg_window(uint(oh), uint(ow)).divisor;
    }
  }
  dx[i] += g;
}
