#version 450
#extension GL_GOOGLE_include_directive : require
// y = act(x), elementwise. x, y: any shape, `count` elements.
#include "precision.glsl"
#include "common.glsl"
#include "texel_inputs.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(constant_id = 0) const uint KIND = ACT_RELU;
FLOAT_INPUT(0, x)
layout(binding = 1) writeonly buffer Y { ELEM y[]; };
layout(push_constant) uniform Push { uint count; float slope; float a; float b; } p;

void main() {
  uint i = flat_index();
  if (i >= p.count) return;
  y[i] = ELEM(activate(KIND, READ(x, i), p.slope, p.a, p.b));
}
