#version 450
#extension GL_GOOGLE_include_directive : require
// concat's gradient for one input: dx[n][c] += dy[n][offset + c] (concat.comp's copy, reversed).
// dy: (N, out_channels, H, W)   dx: (N, channels, H, W)
#include "common.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(binding = 0) readonly buffer DY { float dy[]; };
layout(binding = 1) buffer DX { float dx[]; };
layout(push_constant) uniform Push { uint count; uint plane; uint channels; uint out_channels; uint offset; } p;

void main() {
  const uint i = flat_index();
  if (i >= p.count) return;
  const uint per_image = p.channels * p.plane, n = i / per_image, r = i - n * per_image;
  dx[i] += dy[n * p.out_channels * p.plane + p.offset * p.plane + r];
}
