#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
// y = act(a + b). a, b, y: the same shape, `count` elements.
#include "precision.glsl"
#include "common.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(constant_id = 0) const uint KIND = ACT_NONE;
layout(constant_id = 1) const bool VEC4 = false;  // count % 4 == 0: four elements an invocation
layout(binding = 0) readonly buffer A { ELEM a[]; };
layout(binding = 1) readonly buffer B { ELEM b[]; };
layout(binding = 2) writeonly buffer Y { ELEM y[]; };
// The same memory as vec4s: one load or store a lane for four elements (lavapipe loops over the
// lanes for each).
layout(binding = 0) readonly buffer A4 { ELEM4 a4[]; };
layout(binding = 1) readonly buffer B4 { ELEM4 b4[]; };
layout(binding = 2) writeonly buffer Y4 { ELEM4 y4[]; };
layout(push_constant) uniform Push { uint count; float slope; float weight_a; } p;

void main() {
  uint i = flat_index();
  if (VEC4) {
    if (i >= p.count / 4) return;
    vec4 s = vec4(a4[i]) + vec4(b4[i]);
    [[unroll]] for (uint c = 0; c < 4; ++c) s[c] = activate(KIND, s[c], p.slope);
    y4[i] = ELEM4(s);
    return;
  }
  if (i >= p.count) return;
  y[i] = ELEM(activate(KIND, float(a[i]) + float(b[i]), p.slope));
}
