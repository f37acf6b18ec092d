#version 450
#extension GL_GOOGLE_include_directive : require
// channel_shuffle's gradient: input channel k * m + i received output channel i * g + k, so
// dx[n][k * m + i] += dy[n][i * g + k] (a permutation: one write per element).
// dy, dx: (N, C, H, W)
#include "common.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(binding = 0) readonly buffer DY { float dy[]; };
layout(binding = 1) buffer DX { float dx[]; };
layout(push_constant) uniform Push { uint count; uint plane; uint channels; uint groups; } p;

void main() {
  const uint i = flat_index();
  if (i >= p.count) return;
  const uint pix = i % p.plane, c = (i / p.plane) % p.channels, n = i / (p.plane * p.channels);
  const uint per_group = p.channels / p.groups, to = (c % per_group) * p.groups + c / per_group;
  dx[i] += dy[(n * p.channels + to) * p.plane + pix];
}
