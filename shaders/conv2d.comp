#version 450
#extension GL_GOOGLE_include_directive : require
// y = act(conv2d(x, w) + b) as an implicit GEMM per group g = gl_WorkGroupID.z:
//   M = cout_g (output channels), N = batch*oh*ow (output pixels), K = cin_g*KH*KW (taps);
//   A = w as [M][K], B = im2col(x) as [K][N], gathered tile by tile and never stored.
// x: (batch, cin, h, w)   w: (cout, cin_g, KH, KW)   b: (cout)   y: (batch, cout, oh, ow)
#include "precision.glsl"
#include "common.glsl"
#include "conv2d_common.glsl"
#include "conv2d_gemm.glsl"
layout(binding = 0) readonly buffer X { ELEM x[]; };
layout(binding = 1) readonly buffer Wt { ELEM w[]; };
layout(binding = 2) readonly buffer Bias { ELEM bias[]; };  // w again when there is no bias
layout(binding = 3) writeonly buffer Y { ELEM y[]; };

void main() {
  gemm_init();
  const uint g = gl_WorkGroupID.z;
  const uint M = p.cout_g, N = p.batch * p.oh * p.ow, K = p.cin_g * KHW;
  const uint OHW = p.oh * p.ow, HW = p.h * p.w;
  const uint m0 = gl_WorkGroupID.y * BM, n0 = p.n_base + gl_WorkGroupID.x * BN;
  const uint w_base = g * p.cout_g * K;

  // THREADS % BN4 == 0, so this invocation always stages the same four im2col columns:
  // find their output pixels and input windows once.
  const uint bn4 = tid % BN4;
  bool n_ok[4];
  int iy0[4], ix0[4];
  uint x_off[4];
  for (uint c = 0; c < 4; ++c) {
    const uint n = n0 + 4 * bn4 + c;
    const uint img = div_ohw(n), pix = n - img * OHW;
    const uint oy = div_ow(pix), ox = pix - oy * p.ow;
    n_ok[c] = n < N;
    iy0[c] = int(oy * SH) - int(PH);
    ix0[c] = int(ox * SW) - int(PW);
    x_off[c] = (img * p.cin + g * p.cin_g) * HW + (POINTWISE ? pix : 0);
  }

  for (uint k0 = 0; k0 < K; k0 += BK) {
    // A: four output channels of one tap (neighbouring invocations read neighbouring taps).
    for (uint i = tid; i < BK * BM4; i += THREADS) {
      const uint kk = i % BK, m4 = i / BK, k = k0 + kk;
      vec4 v = vec4(0.0);
      for (uint c = 0; c < 4; ++c) {
        const uint m = m0 + 4 * m4 + c;
        if (k < K && m < M) v[c] = float(w[w_base + m * K + k]);
      }
      As[kk * AS + m4] = v;
    }
    // B: one tap of four output pixels.
    for (uint i = tid; i < BK * BN4; i += THREADS) {
      const uint kk = i / BN4, k = k0 + kk;
      const uint ci = k / KHW, r = k % KHW;
      const int dy = int((r / KW) * DH), dx = int((r % KW) * DW);
      vec4 v = vec4(0.0);
      for (uint c = 0; c < 4; ++c) {
        if (!n_ok[c] || k >= K) continue;
        if (POINTWISE) {
          v[c] = float(x[x_off[c] + ci * HW]);
        } else {
          const int iy = iy0[c] + dy, ix = ix0[c] + dx;
          if (uint(iy) < p.h && uint(ix) < p.w) v[c] = float(x[x_off[c] + ci * HW + uint(iy) * p.w + uint(ix)]);
        }
      }
      Bs[kk * BS + bn4] = v;
    }
    barrier();
    gemm_multiply();
    barrier();
  }

  // Epilogue: bias and the fused activation, written straight to y.
  float b[TM];
  for (uint i4 = 0; i4 < TM4; ++i4)
    for (uint r = 0; r < 4; ++r) {
      const uint m = m0 + tile_row(i4, r);
      b[i4 * 4 + r] = 0.0;
      if (HAS_BIAS && m < M) b[i4 * 4 + r] = float(bias[g * p.cout_g + m]);
    }
  for (uint j4 = 0; j4 < TN4; ++j4)
    for (uint c = 0; c < 4; ++c) {
      const uint n = n0 + tile_col(j4) + c;
      if (n >= N) continue;
      const uint img = div_ohw(n), pix = n - img * OHW;
      const uint y_base = (img * p.cout + g * p.cout_g) * OHW + pix;
      for (uint i4 = 0; i4 < TM4; ++i4)
        for (uint r = 0; r < 4; ++r) {
          const uint m = m0 + tile_row(i4, r);
          if (m < M) y[y_base + m * OHW] = ELEM(activate(ACT, acc[(i4 * 4 + r) * TN4 + j4][c] + b[i4 * 4 + r], p.slope));
        }
    }
}
