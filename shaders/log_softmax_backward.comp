#version 450
#extension GL_GOOGLE_include_directive : require
// dx += dy - exp(y) * sum_c dy over the channels of each (n, h, w); exp(y) is the softmax.
// y, dy, dx: (N, C, H, W).
#include "softmax_rows.glsl"
layout(binding = 0) readonly buffer Y { float y[]; };
layout(binding = 1) readonly buffer DY { float dy[]; };
layout(binding = 2) buffer DX { float dx[]; };

void main() {
  const uint g = flat_index(), row = g / T, lane = g % T;
  const bool live = row < p.rows;
  const uint base = live ? row_base(row) : 0;

  float total = 0.0;
  if (live)
    for (uint c = lane; c < p.C; c += T) total += dy[base + c * p.S];
  total = row_reduce(total, false);

  if (live)
    for (uint c = lane; c < p.C; c += T) {
      uint i = base + c * p.S;
      dx[i] += dy[i] - exp(y[i]) * total;
    }
}
