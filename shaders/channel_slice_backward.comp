#version 450
#extension GL_GOOGLE_include_directive : require
// channel_slice's gradient: dx[n][start + c] += dy[n][c]; the channels outside the slice get
// nothing (other slices of the same input add theirs in their own dispatch).
// dy: (N, out_channels, H, W)   dx: (N, in_channels, H, W)
#include "common.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(binding = 0) readonly buffer DY { float dy[]; };
layout(binding = 1) buffer DX { float dx[]; };
layout(push_constant) uniform Push { uint count; uint plane; uint in_channels; uint out_channels; uint start; } p;

void main() {
  const uint i = flat_index();
  if (i >= p.count) return;
  const uint per_image = p.out_channels * p.plane, n = i / per_image, r = i - n * per_image;
  dx[n * p.in_channels * p.plane + p.start * p.plane + r] += dy[i];
}
