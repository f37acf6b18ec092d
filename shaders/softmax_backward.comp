#version 450
#extension GL_GOOGLE_include_directive : require
// dx += y * (dy - sum_c dy * y) over the channels of each (n, h, w). y, dy, dx: (N, C, H, W).
#include "softmax_rows.glsl"
layout(binding = 0) readonly buffer Y { float y[]; };
layout(binding = 1) readonly buffer DY { float dy[]; };
layout(binding = 2) buffer DX { float dx[]; };

void main() {
  const uint g = flat_index(), row = g / T, lane = g % T;
  const bool live = row < p.rows;
  const uint base = live ? row_base(row) : 0;

  float dot_ = 0.0;
  if (live)
    for (uint c = lane; c < p.C; c += T) dot_ += dy[base + c * p.S] * y[base + c * p.S];
  dot_ = row_reduce(dot_, false);

  if (live)
    for (uint c = lane; c < p.C; c += T) {
      uint i = base + c * p.S;
      dx[i] += y[i] * (dy[i] - dot_);
    }
}
