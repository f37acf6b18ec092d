#version 450
#extension GL_GOOGLE_include_directive : require
#include "precision.glsl"
#include "texel_inputs.glsl"
// y[plane] = mean of x over the plane. One workgroup per (n, c) plane: each thread sums a
// strided slice, then a shared-memory tree (any subgroup size) adds the partial sums.
// x (N, C, H, W), y (N, C, 1, 1).
layout(local_size_x_id = 0) in;  // a power of two, 32..256 (GlobalAvgPoolLayer::forward)
// One invocation per plane instead of one workgroup per plane: on CPU devices, where a
// workgroup's barriers cost more than the sum, and the lanes then read eight planes at once.
layout(constant_id = 1) const bool PER_PLANE = false;
FLOAT_INPUT(0, x)
layout(binding = 1) writeonly buffer Y { ELEM y[]; };
layout(push_constant) uniform Push { uint planes; uint plane_size; } p;

shared float partial[gl_WorkGroupSize.x];

void main() {
  if (PER_PLANE) {
    const uint plane = (gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x) * gl_WorkGroupSize.x +
                       gl_LocalInvocationID.x;
    if (plane >= p.planes) return;
    float sum = 0.0;
    for (uint i = 0; i < p.plane_size; ++i) sum += READ(x, plane * p.plane_size + i);
    y[plane] = ELEM(sum / float(p.plane_size));
    return;
  }
  uint plane = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
  if (plane >= p.planes) return;  // the whole group leaves together: no barrier is skipped
  uint lid = gl_LocalInvocationID.x;
  uint base = plane * p.plane_size;

  float sum = 0.0;
  for (uint i = lid; i < p.plane_size; i += gl_WorkGroupSize.x) sum += READ(x, base + i);
  partial[lid] = sum;
  barrier();
  for (uint half_size = gl_WorkGroupSize.x / 2; half_size > 0; half_size /= 2) {
    if (lid < half_size) partial[lid] += partial[lid + half_size];
    barrier();
  }
  if (lid == 0) y[plane] = ELEM(partial[0] / float(p.plane_size));
}
