#version 450
#extension GL_GOOGLE_include_directive : require
// The a*a Winograd GEMMs, one per transform position z = gl_WorkGroupID.z:
//   M[z] (cout x tiles) = U[z] (cout x cin) * V[z] (cin x tiles),
// on the tiled core of the implicit-GEMM convolution; here both operands are plain matrices.
// scratch: U (a*a, cin, cout_stride) at u_off, V (a*a, chunk, cin_stride) at v_off,
// M (a*a, chunk, cout_stride) at m_off: A = U^T, B = V^T, and M^T is stored
#include "common.glsl"
#include "conv2d_winograd_common.glsl"
#include "conv2d_gemm.glsl"
layout(binding = 0) buffer Scratch { float s[]; };

void main() {
  gemm_init();
  const uint z = gl_WorkGroupID.z;
  const uint M = p.cout, N = p.tiles, K = p.cin;
  const uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN;
  const uint a_base = p.u_off + z * K * p.cout_stride, b_base = p.v_off + z * p.chunk * p.cin_stride;
  const uint c_base = p.m_off + z * p.chunk * p.cout_stride;

  // THREADS % BN4 == 0: this invocation always stages the same four columns.
  const uint bn4 = tid % BN4;
  for (uint k0 = 0; k0 < K; k0 += BK) {
    // A: four output channels of one input channel (neighbouring invocations read neighbours).
    for (uint i = tid; i < BK * BM4; i += THREADS) {
      const uint kk = i % BK, m4 = i / BK, k = k0 + kk;
      vec4 v = vec4(0.0);
      for (uint c = 0; c < 4; ++c) {
        const uint m = m0 + 4 * m4 + c;
        if (k < K && m < M) v[c] = s[a_base + k * p.cout_stride + m];
      }
      As[kk * AS + m4] = v;
    }
    // B: one input channel of four tiles.
    for (uint i = tid; i < BK * BN4; i += THREADS) {
      const uint kk = i / BN4, k = k0 + kk;
      vec4 v = vec4(0.0);
      for (uint c = 0; c < 4; ++c) {
        const uint n = n0 + 4 * bn4 + c;
        if (k < K && n < N) v[c] = s[b_base + n * p.cin_stride + k];
      }
      Bs[kk * BS + bn4] = v;
    }
    barrier();
    gemm_multiply();
    barrier();
  }

  for (uint i4 = 0; i4 < TM4; ++i4)
    for (uint r = 0; r < 4; ++r) {
      const uint m = m0 + tile_row(i4, r);
      if (m >= M) continue;
      for (uint j4 = 0; j4 < TN4; ++j4)
        for (uint c = 0; c < 4; ++c) {
          const uint n = n0 + tile_col(j4) + c;
          if (n < N) s[c_base + n * p.cout_stride + m] = acc[(i4 * 4 + r) * TN4 + j4][c];
        }
    }
}
