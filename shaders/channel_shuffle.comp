#version 450
#extension GL_GOOGLE_include_directive : require
// ShuffleNet's channel shuffle with g groups of m = C / g channels (reshape to (N, g, m, H, W),
// swap g and m, reshape back): output channel i * g + k is input channel k * m + i.
// x, y: (N, C, H, W)
#include "common.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(binding = 0) readonly buffer X { float x[]; };
layout(binding = 1) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Push { uint count; uint plane; uint channels; uint groups; } p;

void main() {
  const uint i = flat_index();
  if (i >= p.count) return;
  const uint pix = i % p.plane, c = (i / p.plane) % p.channels, n = i / (p.plane * p.channels);
  const uint per_group = p.channels / p.groups, from = (c % p.groups) * per_group + c / p.groups;
  y[i] = x[(n * p.channels + from) * p.plane + pix];
}
