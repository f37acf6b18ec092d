#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
// y = act(x), elementwise. x, y: any shape, `count` elements.
#include "precision.glsl"
#include "common.glsl"
#include "texel_inputs.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(constant_id = 0) const uint KIND = ACT_RELU;
layout(constant_id = 1) const bool VEC4 = false;  // count % 4 == 0: four elements an invocation
FLOAT_INPUT(0, x)
layout(binding = 1) writeonly buffer Y { ELEM y[]; };
layout(binding = 1) writeonly buffer Y4 { ELEM4 y4[]; };
layout(push_constant) uniform Push { uint count; float slope; float a; float b; } p;

void main() {
  uint i = flat_index();
  if (VEC4) {
    if (i >= p.count / 4) return;
    vec4 v = READ4(x, i);
    [[unroll]] for (uint c = 0; c < 4; ++c) v[c] = activate(KIND, v[c], p.slope, p.a, p.b);
    y4[i] = ELEM4(v);
    return;
  }
  if (i >= p.count) return;
  y[i] = ELEM(activate(KIND, READ(x, i), p.slope, p.a, p.b));
}
