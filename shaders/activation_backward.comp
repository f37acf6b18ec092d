#version 450
#extension GL_GOOGLE_include_directive : require
// dx += dy * act'(x). x, y, dy, dx: same shape, `count` elements.
#include "common.glsl"
#include "texel_inputs.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(constant_id = 0) const uint KIND = ACT_RELU;
FLOAT_INPUT(0, x)
FLOAT_INPUT(1, y)
FLOAT_INPUT(2, dy)
layout(binding = 3) buffer DX { float dx[]; };
layout(push_constant) uniform Push { uint count; float slope; float a; float b; } p;

void main() {
  uint i = flat_index();
  if (i >= p.count) return;
  dx[i] += READ(dy, i) * activation_derivative(KIND, READ(x, i), READ(y, i), p.slope, p.a, p.b);
}
