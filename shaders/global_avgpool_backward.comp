#version 450
#extension GL_GOOGLE_include_directive : require
// dx += dy[plane] / (H*W): every element of a plane had the same share in its mean.
// dy (N, C, 1, 1), dx (N, C, H, W).
#include "common.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(binding = 0) readonly buffer DY { float dy[]; };
layout(binding = 1) buffer DX { float dx[]; };
layout(push_constant) uniform Push { uint count; uint plane_size; } p;

void main() {
  uint i = flat_index();
  if (i >= p.count) return;
  dx[i] += dy[i / p.plane_size] / float(p.plane_size);
}
