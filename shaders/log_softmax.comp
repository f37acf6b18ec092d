#version 450
#extension GL_GOOGLE_include_directive : require
// y[n, c, h, w] = x[n, c, h, w] - m - log(sum_c' exp(x[n, c', h, w] - m)), m = max_c x[n, c, h, w]
// (PyTorch's log_softmax(dim=1)): the max keeps exp() from overflowing, and no probability is
// taken the log of, so tiny ones stay finite. x, y: (N, C, H, W).
#include "softmax_rows.glsl"
layout(binding = 0) readonly buffer X { float x[]; };
layout(binding = 1) writeonly buffer Y { float y[]; };

void main() {
  const uint g = flat_index(), row = g / T, lane = g % T;
  const bool live = row < p.rows;
  const uint base = live ? row_base(row) : 0;

  float m = -3.402823466e38;
  if (live)
    for (uint c = lane; c < p.C; c += T) m = max(m, x[base + c * p.S]);
  m = row_reduce(m, true);

  float sum = 0.0;
  if (live)
    for (uint c = lane; c < p.C; c += T) sum += exp(x[base + c * p.S] - m);
  sum = row_reduce(sum, false);

  if (live) {
    // (x - m) first: x - m is exact, while m + log(sum) would round at the scale of m (an ulp
    // of 1e4 is 1e-3), an error ONNX's test_logsoftmax_large_number shows.
    const float log_sum = log(sum);
    for (uint c = lane; c < p.C; c += T) y[base + c * p.S] = (x[base + c * p.S] - m) - log_sum;
  }
}
