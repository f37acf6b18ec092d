#version 450
#extension GL_GOOGLE_include_directive : require
// Dense forward at small batch (N <= 8), where a GEMM tile would be almost all padding:
// y[n, m] = act(sum_k x[n, k] w[m, k] + bias[m]). Workgroup g computes the FEATURES outputs
// m = g * FEATURES + f for all ROWS = N images: its invocations split K (reading the weight
// rows once, coalesced), then reduce their partial sums in shared memory. With K a multiple of
// 4, x and w are read as vec4s. On lavapipe, which executes every storage-buffer load lane by
// lane, loads and the reduction's steps decide: there the layer asks for 4 features (each x
// load serves 4 weight rows) and 16 invocations; GPUs get 1 feature and 128 invocations, for
// enough workgroups.
#include "precision.glsl"
#include "common.glsl"
layout(local_size_x_id = 5) in;
layout(constant_id = 0) const uint ROWS = 1;  // N, 1..8
layout(constant_id = 1) const uint HAS_BIAS = 0;
layout(constant_id = 2) const uint ACT = ACT_NONE;
layout(constant_id = 3) const bool VEC4 = false;  // K % 4 == 0: read x4 and w4
layout(constant_id = 4) const uint FEATURES = 1;  // outputs per workgroup, 1..4
layout(constant_id = 5) const uint LOCAL = 128;   // invocations, a power of two

#include "texel_inputs.glsl"
#ifdef TEXEL_INPUTS
layout(binding = 0) uniform samplerBuffer X;  // [N, K] floats, or [N, K / 4] vec4s when VEC4
layout(binding = 1) uniform samplerBuffer W;  // [M, K] floats, or [M, K / 4] vec4s when VEC4
#define X4(i) texelFetch(X, int(i))
#define W4(i) texelFetch(W, int(i))
#define X1(i) texelFetch(X, int(i)).x
#define W1(i) texelFetch(W, int(i)).x
#else
layout(binding = 0) readonly buffer X { ELEM x[]; };    // [N, K]
layout(binding = 0) readonly buffer X4_ { ELEM4 x4[]; };  // [N, K / 4], the same memory
layout(binding = 1) readonly buffer W { ELEM w[]; };    // [M, K]
layout(binding = 1) readonly buffer W4_ { ELEM4 w4[]; };  // [M, K / 4], the same memory
#define X4(i) vec4(x4[i])
#define W4(i) vec4(w4[i])
#define X1(i) float(x[i])
#define W1(i) float(w[i])
#endif
layout(binding = 2) readonly buffer Bias { ELEM bias[]; };  // [M], read only when HAS_BIAS
layout(binding = 3) writeonly buffer Y { ELEM y[]; };       // [N, M]
layout(push_constant) uniform Push { uint K, M; float slope; } p;

shared float partial[FEATURES * ROWS][LOCAL];

void main() {
  const uint m0 = gl_WorkGroupID.x * FEATURES, t = gl_LocalInvocationID.x;
  vec4 acc[4 * 8];  // acc[f * ROWS + r]: feature m0 + f, image r (lanes: 4 k's when VEC4)
  for (uint i = 0; i < FEATURES * ROWS; ++i) acc[i] = vec4(0.0);
  uint rows[4];  // weight row of each feature, clamped so that a short last group reads in bounds
  for (uint f = 0; f < FEATURES; ++f) rows[f] = min(m0 + f, p.M - 1);
  if (VEC4) {
    const uint K4 = p.K / 4;
    for (uint k = t; k < K4; k += LOCAL) {
      vec4 xk[8];
      for (uint r = 0; r < ROWS; ++r) xk[r] = X4(r * K4 + k);
      for (uint f = 0; f < FEATURES; ++f) {
        const vec4 wk = W4(rows[f] * K4 + k);
        for (uint r = 0; r < ROWS; ++r) acc[f * ROWS + r] = fma(xk[r], wk, acc[f * ROWS + r]);
      }
    }
  } else {
    for (uint k = t; k < p.K; k += LOCAL) {
      float xk[8];
      for (uint r = 0; r < ROWS; ++r) xk[r] = X1(r * p.K + k);
      for (uint f = 0; f < FEATURES; ++f) {
        const float wk = W1(rows[f] * p.K + k);
        for (uint r = 0; r < ROWS; ++r) acc[f * ROWS + r].x = fma(xk[r], wk, acc[f * ROWS + r].x);
      }
    }
  }
  for (uint i = 0; i < FEATURES * ROWS; ++i) partial[i][t] = (acc[i].x + acc[i].y) + (acc[i].z + acc[i].w);
  barrier();
  for (uint s = LOCAL / 2; s > 0; s >>= 1) {
    if (t < s)
      for (uint i = 0; i < FEATURES * ROWS; ++i) partial[i][t] += partial[i][t + s];
    barrier();
  }
  // Invocation t < FEATURES * ROWS writes one output (LOCAL may be smaller: then it loops).
  for (uint i = t; i < FEATURES * ROWS; i += LOCAL) {
    const uint m = m0 + i / ROWS, r = i % ROWS;
    if (m < p.M) y[r * p.M + m] = ELEM(activate(ACT, partial[i][0] + (HAS_BIAS != 0 ? float(bias[m]) : 0.0), p.slope));
  }
}
