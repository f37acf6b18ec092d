#version 450
#extension GL_GOOGLE_include_directive : require
// dw += conv2d's weight gradient, as a GEMM per group reduced over every output pixel:
//   M = cout_g, N = cin_g*KH*KW (the weight's taps), K = batch*oh*ow;
//   A[co][(img,oy,ox)] = dy, B[(img,oy,ox)][(ci,kh,kw)] = im2col(x).
// K is large and M*N often small (a first layer has 32 x 9 weights but 50 000 pixels a batch),
// so K is split over gl_WorkGroupID.z = g * splits + s; with SPLIT_K each split writes its own
// partial sums and conv2d_reduce adds them into dw.
// dy: (batch, cout, oh, ow)   x: (batch, cin, h, w)   dw: (cout, cin_g, KH, KW)
// partial: (splits, cout, cin_g, KH, KW) when SPLIT_K, else unused (dw bound again)
#include "common.glsl"
#include "conv2d_common.glsl"
#include "conv2d_gemm.glsl"
layout(binding = 0) readonly buffer DY { float dy[]; };
layout(binding = 1) readonly buffer X { float x[]; };
layout(binding = 2) buffer DWt { float dw[]; };
layout(binding = 3) writeonly buffer Partial { float partial[]; };

void main() {
  gemm_init();
  const uint M = p.cout_g, N = p.cin_g * KHW, K = p.batch * p.oh * p.ow;
  const uint OHW = p.oh * p.ow, HW = p.h * p.w;
  const uint splits = (K + p.k_split - 1) / p.k_split;
  const uint g = gl_WorkGroupID.z / splits, s = gl_WorkGroupID.z % splits;
  const uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN;
  const uint k_begin = s * p.k_split, k_end = min(K, k_begin + p.k_split);

  // THREADS % BK == 0: this invocation always stages the same row kk of both tiles, so the
  // output pixel behind it is decoded once per step and shared by its A and B loads.
  const uint kk = tid % BK;
  for (uint k0 = k_begin; k0 < k_end; k0 += BK) {
    const uint k = k0 + kk;
    const bool k_ok = k < k_end;
    const uint img = div_ohw(k), pix = k - img * OHW;
    const uint oy = div_ow(pix), ox = pix - oy * p.ow;
    const uint dy_base = (img * p.cout + g * p.cout_g) * OHW + pix;
    const uint x_base = (img * p.cin + g * p.cin_g) * HW + (POINTWISE ? pix : 0);
    const int iy0 = int(oy * SH) - int(PH), ix0 = int(ox * SW) - int(PW);
    // A: four output channels' dy at this pixel.
    for (uint i = tid; i < BK * BM4; i += THREADS) {
      const uint m4 = i / BK;
      vec4 v = vec4(0.0);
      for (uint c = 0; c < 4; ++c) {
        const uint m = m0 + 4 * m4 + c;
        if (k_ok && m < M) v[c] = dy[dy_base + m * OHW];
      }
      As[kk * AS + m4] = v;
    }
    // B: the input under four taps (ci, kh, kw) of this pixel's window.
    for (uint i = tid; i < BK * BN4; i += THREADS) {
      const uint n4 = i / BK;
      vec4 v = vec4(0.0);
      for (uint c = 0; c < 4; ++c) {
        const uint n = n0 + 4 * n4 + c;
        if (!k_ok || n >= N) continue;
        const uint ci = n / KHW, r = n % KHW;
        if (POINTWISE) {
          v[c] = x[x_base + ci * HW];
        } else {
          const int iy = iy0 + int((r / KW) * DH), ix = ix0 + int((r % KW) * DW);
          if (uint(iy) < p.h && uint(ix) < p.w) v[c] = x[x_base + ci * HW + uint(iy) * p.w + uint(ix)];
        }
      }
      Bs[kk * BS + n4] = v;
    }
    barrier();
    gemm_multiply();
    barrier();
  }

  for (uint i4 = 0; i4 < TM4; ++i4)
    for (uint r = 0; r < 4; ++r) {
      const uint m = m0 + tile_row(i4, r);
      if (m >= M) continue;
      const uint row = (g * p.cout_g + m) * N;
      for (uint j4 = 0; j4 < TN4; ++j4)
        for (uint c = 0; c < 4; ++c) {
          const uint n = n0 + tile_col(j4) + c;
          if (n >= N) continue;
          const float v = acc[(i4 * 4 + r) * TN4 + j4][c];
          if (SPLIT_K)
            partial[s * p.cout * N + row + n] = v;
          else
            dw[row + n] += v;
        }
    }
}
