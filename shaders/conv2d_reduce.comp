#version 450
#extension GL_GOOGLE_include_directive : require
// dw += the sum of conv2d_backward_weight's per-split partial sums.
// partial: (splits, count)   dw: (count)
#include "common.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(binding = 0) readonly buffer Partial { float partial[]; };
layout(binding = 1) buffer DWt { float dw[]; };
layout(push_constant) uniform Push { uint count; uint splits; } p;

void main() {
  const uint i = flat_index();
  if (i >= p.count) return;
  float sum = 0.0;
  for (uint s = 0; s < p.splits; ++s) sum += partial[s * p.count + i];
  dw[i] += sum;
}
