#version 450
#extension GL_GOOGLE_include_directive : require
// dx += conv2d's input gradient, as an implicit GEMM per group g = gl_WorkGroupID.z:
//   M = cin_g (input channels), N = batch*h*w (input pixels), K = cout_g*KH*KW;
//   A[ci][(co,kh,kw)] = w[co][ci][kh][kw] (w transposed), B[(co,kh,kw)][(img,iy,ix)] =
//   dy[img][co][oy][ox] for the output pixel whose tap (kh,kw) lands on (iy,ix), or 0 when
//   none does (stride skips it or it falls outside y). A gather: no atomics, each dx once.
// dy: (batch, cout, oh, ow)   w: (cout, cin_g, KH, KW)   dx: (batch, cin, h, w)
#include "common.glsl"
#include "conv2d_common.glsl"
#include "conv2d_gemm.glsl"
layout(binding = 0) readonly buffer DY { float dy[]; };
layout(binding = 1) readonly buffer Wt { float w[]; };
layout(binding = 2) buffer DX { float dx[]; };

void main() {
  gemm_init();
  const uint g = gl_WorkGroupID.z;
  const uint M = p.cin_g, N = p.batch * p.h * p.w, K = p.cout_g * KHW;
  const uint OHW = p.oh * p.ow, HW = p.h * p.w;
  const uint m0 = gl_WorkGroupID.y * BM, n0 = p.n_base + gl_WorkGroupID.x * BN;
  const uint w_group = g * p.cout_g * p.cin_g * KHW;

  // THREADS % BN4 == 0: this invocation always stages the same four columns (input pixels).
  const uint bn4 = tid % BN4;
  bool n_ok[4];
  int ty0[4], tx0[4];
  uint dy_off[4];
  for (uint c = 0; c < 4; ++c) {
    const uint n = n0 + 4 * bn4 + c;
    const uint img = div_hw(n), pix = n - img * HW;
    const uint iy = div_w(pix), ix = pix - iy * p.w;
    n_ok[c] = n < N;
    ty0[c] = int(iy + PH);
    tx0[c] = int(ix + PW);
    dy_off[c] = (img * p.cout + g * p.cout_g) * OHW;
  }

  for (uint k0 = 0; k0 < K; k0 += BK) {
    // A: one tap (co, kh, kw) of four input channels.
    for (uint i = tid; i < BK * BM4; i += THREADS) {
      const uint kk = i % BK, m4 = i / BK, k = k0 + kk;
      const uint row = w_group + (k / KHW) * p.cin_g * KHW + k % KHW;
      vec4 v = vec4(0.0);
      for (uint c = 0; c < 4; ++c) {
        const uint m = m0 + 4 * m4 + c;
        if (k < K && m < M) v[c] = w[row + m * KHW];
      }
      As[kk * AS + m4] = v;
    }
    // B: for four input pixels, the dy that tap k of some output pixel takes from them.
    for (uint i = tid; i < BK * BN4; i += THREADS) {
      const uint kk = i / BN4, k = k0 + kk;
      const uint co = k / KHW, r = k % KHW;
      const int ky = int((r / KW) * DH), kx = int((r % KW) * DW);
      vec4 v = vec4(0.0);
      for (uint c = 0; c < 4; ++c) {
        // (iy, ix) = (oy*SH - PH + ky, ox*SW - PW + kx), solved for (oy, ox).
        const int ty = ty0[c] - ky, tx = tx0[c] - kx;
        if (!n_ok[c] || k >= K || ty < 0 || tx < 0 || uint(ty) % SH != 0 || uint(tx) % SW != 0) continue;
        const uint oy = uint(ty) / SH, ox = uint(tx) / SW;
        if (oy < p.oh && ox < p.ow) v[c] = dy[dy_off[c] + co * OHW + oy * p.ow + ox];
      }
      Bs[kk * BS + bn4] = v;
    }
    barrier();
    gemm_multiply();
    barrier();
  }

  for (uint j4 = 0; j4 < TN4; ++j4)
    for (uint c = 0; c < 4; ++c) {
      const uint n = n0 + tile_col(j4) + c;
      if (n >= N) continue;
      const uint img = div_hw(n), pix = n - img * HW;
      const uint dx_base = (img * p.cin + g * p.cin_g) * HW + pix;
      for (uint i4 = 0; i4 < TM4; ++i4)
        for (uint r = 0; r < 4; ++r) {
          const uint m = m0 + tile_row(i4, r);
          if (m < M) dx[dx_base + m * HW] += acc[(i4 * 4 + r) * TN4 + j4][c];
        }
    }
}
