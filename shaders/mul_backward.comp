#version 450
#extension GL_GOOGLE_include_directive : require
// For y = a * b: da += dy * b, and, where b has a's shape and WRITE_B, db += dy * a. With SHARED
// (mul(x, x): one gradient buffer for both) da += dy * (a + b), one write. A per-plane b's
// gradient is a sum over the plane: mul_backward_plane.comp.
#include "common.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(constant_id = 0) const bool PER_PLANE = false;
layout(constant_id = 1) const bool WRITE_B = true;
layout(constant_id = 2) const bool SHARED = false;
layout(binding = 0) readonly buffer A { float a[]; };
layout(binding = 1) readonly buffer B { float b[]; };
layout(binding = 2) readonly buffer DY { float dy[]; };
layout(binding = 3) buffer DA { float da[]; };
layout(binding = 4) buffer DB { float db[]; };
layout(push_constant) uniform Push { uint count; uint plane; } p;

void main() {
  uint i = flat_index();
  if (i >= p.count) return;
  const float g = dy[i], bi = b[PER_PLANE ? i / p.plane : i];
  if (SHARED) {
    da[i] += g * (a[i] + bi);
    return;
  }
  da[i] += g * bi;
  if (WRITE_B && !PER_PLANE) db[i] += g * a[i];
}
