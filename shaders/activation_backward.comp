#version 450
#extension GL_GOOGLE_include_directive : require
// dx += dy * act'(x). x, y, dy, dx: same shape, `count` elements.
#include "common.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(constant_id = 0) const uint KIND = ACT_RELU;
layout(binding = 0) readonly buffer X { float x[]; };
layout(binding = 1) readonly buffer Y { float y[]; };
layout(binding = 2) readonly buffer DY { float dy[]; };
layout(binding = 3) buffer DX { float dx[]; };
layout(push_constant) uniform Push { uint count; float slope; } p;

void main() {
  uint i = flat_index();
  if (i >= p.count) return;
  dx[i] += dy[i] * activation_derivative(KIND, x[i], y[i], p.slope);
}
