#version 450
#extension GL_GOOGLE_include_directive : require
// pad's gradient: dx[n][c][ih][iw] += dy[n][c][ih + top][iw + left]; the padding cells are
// constants and pass nothing back.
// dy: (N, C, out_h, out_w)   dx: (N, C, in_h, in_w)
#include "common.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(binding = 0) readonly buffer DY { float dy[]; };
layout(binding = 1) buffer DX { float dx[]; };
layout(push_constant) uniform Push { uint count; uint in_h; uint in_w; uint out_h; uint out_w; uint top; uint left; float value; } p;

void main() {
  const uint i = flat_index();
  if (i >= p.count) return;
  const uint iw = i % p.in_w, ih = (i / p.in_w) % p.in_h, nc = i / (p.in_w * p.in_h);
  dx[i] += dy[(nc * p.out_h + ih + p.top) * p.out_w + iw + p.left];
}
