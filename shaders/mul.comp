#version 450
#extension GL_GOOGLE_include_directive : require
// y = a * b, where b has a's shape or one value per (image, channel) plane (a squeeze-and-
// excitation block's channel weights, (N, C, 1, 1), broadcast over the plane's `plane` pixels).
#include "precision.glsl"
#include "common.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(constant_id = 0) const bool PER_PLANE = false;
layout(binding = 0) readonly buffer A { ELEM a[]; };
layout(binding = 1) readonly buffer B { ELEM b[]; };
layout(binding = 2) writeonly buffer Y { ELEM y[]; };
layout(push_constant) uniform Push { uint count; uint plane; } p;

void main() {
  uint i = flat_index();
  if (i >= p.count) return;
  y[i] = ELEM(float(a[i]) * float(b[PER_PLANE ? i / p.plane : i]));
}
