#version 450
#extension GL_GOOGLE_include_directive : require
// Concatenation on channels, one input per dispatch: y[n][offset + c] = x[n][c] for the input's
// `channels` channels of `plane` pixels. The inputs' channel ranges are disjoint.
// x: (N, channels, H, W)   y: (N, out_channels, H, W)
#include "precision.glsl"
#include "common.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(binding = 0) readonly buffer X { ELEM x[]; };
layout(binding = 1) buffer Y { ELEM y[]; };
layout(push_constant) uniform Push { uint count; uint plane; uint channels; uint out_channels; uint offset; } p;

void main() {
  const uint i = flat_index();
  if (i >= p.count) return;
  const uint per_image = p.channels * p.plane, n = i / per_image, r = i - n * per_image;
  y[n * p.out_channels * p.plane + p.offset * p.plane + r] = x[i];
}
