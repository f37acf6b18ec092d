#version 450
#extension GL_GOOGLE_include_directive : require
// dx += dy: flatten only renames the shape. dy, dx: `count` elements in the same order.
#include "common.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(binding = 0) readonly buffer DY { float dy[]; };
layout(binding = 1) buffer DX { float dx[]; };
layout(push_constant) uniform Push { uint count; } p;

void main() {
  uint i = flat_index();
  if (i >= p.count) return;
  dx[i] += dy[i];
}
