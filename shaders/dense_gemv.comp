#version 450
#extension GL_GOOGLE_include_directive : require
// Dense forward at small batch (N <= 8), where a GEMM tile would be almost all padding:
// y[n, m] = act(sum_k x[n, k] w[m, k] + bias[m]). One workgroup per output feature m splits K
// across its invocations (reading the weight row once, coalesced, for all ROWS = N images),
// then reduces the partial sums in shared memory.
#include "common.glsl"
#define LOCAL 128
layout(local_size_x = LOCAL) in;
layout(constant_id = 0) const uint ROWS = 1;  // N, 1..8
layout(constant_id = 1) const uint HAS_BIAS = 0;
layout(constant_id = 2) const uint ACT = ACT_NONE;

layout(binding = 0) readonly buffer X { float x[]; };        // [N, K]
layout(binding = 1) readonly buffer W { float w[]; };        // [M, K]
layout(binding = 2) readonly buffer Bias { float bias[]; };  // [M], read only when HAS_BIAS
layout(binding = 3) writeonly buffer Y { float y[]; };       // [N, M]
layout(push_constant) uniform Push { uint K, M; float slope; } p;

shared float partial[8][LOCAL];

void main() {
  const uint m = gl_WorkGroupID.x, t = gl_LocalInvocationID.x;
  float acc[8];
  for (uint r = 0; r < ROWS; ++r) acc[r] = 0.0;
  for (uint k = t; k < p.K; k += LOCAL) {
    float wk = w[m * p.K + k];
    for (uint r = 0; r < ROWS; ++r) acc[r] = fma(x[r * p.K + k], wk, acc[r]);
  }
  for (uint r = 0; r < ROWS; ++r) partial[r][t] = acc[r];
  barrier();
  for (uint s = LOCAL / 2; s > 0; s >>= 1) {
    if (t < s)
      for (uint r = 0; r < ROWS; ++r) partial[r][t] += partial[r][t + s];
    barrier();
  }
  if (t < ROWS) {
    float v = partial[t][0] + (HAS_BIAS != 0 ? bias[m] : 0.0);
    y[t * p.M + m] = activate(ACT, v, p.slope);
  }
}
