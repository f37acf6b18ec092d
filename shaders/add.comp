#version 450
#extension GL_GOOGLE_include_directive : require
// y = act(a + b). a, b, y: the same shape, `count` elements.
#include "precision.glsl"
#include "common.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(constant_id = 0) const uint KIND = ACT_NONE;
layout(binding = 0) readonly buffer A { ELEM a[]; };
layout(binding = 1) readonly buffer B { ELEM b[]; };
layout(binding = 2) writeonly buffer Y { ELEM y[]; };
layout(push_constant) uniform Push { uint count; float slope; float weight_a; } p;

void main() {
  uint i = flat_index();
  if (i >= p.count) return;
  y[i] = ELEM(activate(KIND, float(a[i]) + float(b[i]), p.slope));
}
