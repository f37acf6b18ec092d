// Shared by softmax.comp and softmax_backward.comp: a "row" is the C values of one (n, h, w),
// S = H*W apart. T invocations of a 256-wide workgroup share a row (T = 1 for many short rows,
// where neighbouring invocations then read neighbouring pixels; larger T for few long rows,
// such as a classifier's (N, 1000, 1, 1) output, where one invocation per row would serialise).
#include "common.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(constant_id = 0) const uint T = 1;  // invocations per row: a power of two <= 256

layout(push_constant) uniform Push { uint rows, C, S; } p;  // rows = N * S

shared float row_partial[ELEMENTWISE_LOCAL_SIZE];

// The combined value of v over the T invocations of this row (max or sum). Every invocation of
// the workgroup must call it (it holds barriers), in range or not.
float row_reduce(float v, bool take_max) {
  if (T == 1) return v;
  const uint l = gl_LocalInvocationID.x, lane = l % T;
  barrier();  // the previous reduction's readers are done with row_partial
  row_partial[l] = v;
  barrier();
  for (uint s = T / 2; s > 0; s >>= 1) {
    if (lane < s) {
      float o = row_partial[l + s];
      row_partial[l] = take_max ? max(row_partial[l], o) : row_partial[l] + o;
    }
    barrier();
  }
  return row_partial[l - lane];
}

// Index of channel 0 of a row.
uint row_base(uint row) { return (row / p.S) * p.C * p.S + row % p.S; }
