#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
// dx += dy * act'(x). x, y, dy, dx: same shape, `count` elements.
#include "common.glsl"
#include "texel_inputs.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(constant_id = 0) const uint KIND = ACT_RELU;
layout(constant_id = 1) const bool VEC4 = false;  // count % 4 == 0: four elements an invocation
FLOAT_INPUT(0, x)
FLOAT_INPUT(1, y)
FLOAT_INPUT(2, dy)
layout(binding = 3) buffer DX { float dx[]; };
layout(binding = 3) buffer DX4 { vec4 dx4[]; };
layout(push_constant) uniform Push { uint count; float slope; float a; float b; } p;

void main() {
  uint i = flat_index();
  if (VEC4) {
    if (i >= p.count / 4) return;
    const vec4 xv = READ4(x, i), yv = READ4(y, i);
    vec4 d;
    [[unroll]] for (uint c = 0; c < 4; ++c) d[c] = activation_derivative(KIND, xv[c], yv[c], p.slope, p.a, p.b);
    dx4[i] += READ4(dy, i) * d;
    return;
  }
  if (i >= p.count) return;
  dx[i] += READ(dy, i) * activation_derivative(KIND, READ(x, i), READ(y, i), p.slope, p.a, p.b);
}
