#version 450
#extension GL_GOOGLE_include_directive : require
// g = dy * act'(a + b); da += weight_a * g; db += g (when WRITE_B).
// a, b, y, dy, da, db: the same shape, `count` elements.
#include "common.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(constant_id = 0) const uint KIND = ACT_NONE;
layout(constant_id = 1) const bool WRITE_B = true;
layout(binding = 0) readonly buffer A { float a[]; };
layout(binding = 1) readonly buffer B { float b[]; };
layout(binding = 2) readonly buffer Y { float y[]; };
layout(binding = 3) readonly buffer DY { float dy[]; };
layout(binding = 4) buffer DA { float da[]; };
layout(binding = 5) buffer DB { float db[]; };
layout(push_constant) uniform Push { uint count; float slope; float weight_a; } p;

void main() {
  uint i = flat_index();
  if (i >= p.count) return;
  float g = dy[i];
  if (KIND != ACT_NONE) g *= activation_derivative(KIND, a[i] + b[i], y[i], p.slope);
  da[i] += p.weight_a * g;
  if (WRITE_B) db[i] += g;
}
