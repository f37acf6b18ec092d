#version 450
#extension GL_GOOGLE_include_directive : require
// conv2d_backward_weight_subgroup.comp's GEMM the other way round: rows (the same in every lane)
// are output channels, per-lane columns weight taps (ci, kh, kw). A row's dy at a quad's four
// pixels is one vec4 fetch; a lane's taps are its own im2col gathers of x. Per quad that is RM
// vec4 fetches and 4 * NC gathers, against RM * 4 gathers (and NC vec4s) with taps as rows: on
// lavapipe each is a call into the sampler, and those calls, not the FMAs, bound the GEMM. Used
// where it makes fewer calls (conv2d::weight_gradient_taps_as_columns): many taps, and oh*ow a
// multiple of 4, so that a quad lies in one image and every quad is whole (K and k_split are
// multiples of 4).
// dy: (batch, cout, oh, ow)   x: (batch, cin, h, w)   dw: (cout, cin_g, KH, KW)
// partial: (splits, cout, cin_g, KH, KW) when SPLIT_K, else unused (dw bound again)
#include "common.glsl"
#include "conv2d_common.glsl"
#include "gemm_subgroup.glsl"
layout(binding = 0) uniform samplerBuffer DY;  // vec4 texels: four pixels of one channel
layout(binding = 1) uniform samplerBuffer X;   // float texels
layout(binding = 2) buffer DWt { float dw[]; };
layout(binding = 3) writeonly buffer Partial { float partial[]; };

const uint NC = 4 * CV;  // taps per lane: 4(lane + 8j) + c

void main() {
  gemm_subgroup_init();
  const uint lane = gl_LocalInvocationID.x;
  const uint M = p.cout_g, N = p.cin_g * KHW, K = p.batch * p.oh * p.ow;
  const uint OHW = p.oh * p.ow, HW = p.h * p.w;
  const uint splits = (K + p.k_split - 1) / p.k_split;
  const uint g = gl_WorkGroupID.z / splits, s = gl_WorkGroupID.z % splits;
  const uint m0 = gl_WorkGroupID.y * RM, n0 = gl_WorkGroupID.x * CN4 * 4;
  const uint k_begin = s * p.k_split, k_end = min(K, k_begin + p.k_split);

  // Each row's dy plane within an image, in vec4s (rows past M repeat the last, never stored).
  int dy_row[RM];
  [[unroll]] for (uint r = 0; r < RM; ++r) dy_row[r] = int((g * M + min(m0 + r, M - 1)) * (OHW / 4));
  // This lane's taps: the channel's offset in an image and the window offsets, worked out once
  // (taps past N repeat the last, never stored).
  int tap_off[NC], tap_y[NC], tap_x[NC];
  [[unroll]] for (uint c = 0; c < NC; ++c) {
    const uint n = min(n0 + 4 * (lane + (c / 4) * SG) + c % 4, N - 1);
    const uint ci = n / KHW, t = n % KHW;
    tap_off[c] = int((g * p.cin_g + ci) * HW);
    tap_y[c] = int((t / KW) * DH) - int(PH);
    tap_x[c] = int((t % KW) * DW) - int(PW);
  }

  for (uint k4 = k_begin; k4 < k_end; k4 += 4) {
    const uint img = div_ohw(k4), pix0 = k4 - img * OHW;
    const int x_img = int(img * p.cin * HW);
    // B first: this lane's taps at each of the quad's pixels.
    vec4 bv[4][CV];
    [[unroll]] for (uint t = 0; t < 4; ++t) {
      const uint pix = pix0 + t;
      const uint oy = div_ow(pix), ox = pix - oy * p.ow;
      const int iy0 = int(oy * SH), ix0 = int(ox * SW);
      [[unroll]] for (uint c = 0; c < NC; ++c) {
        float v;
        if (POINTWISE) {
          v = texelFetch(X, x_img + tap_off[c] + int(pix)).x;
        } else {
          const int iy = iy0 + tap_y[c], ix = ix0 + tap_x[c];
          const bool inside = uint(iy) < p.h && uint(ix) < p.w;
          const int at = x_img + tap_off[c] + clamp(iy, 0, int(p.h) - 1) * int(p.w) + clamp(ix, 0, int(p.w) - 1);
          v = inside ? texelFetch(X, at).x : 0.0;
        }
        bv[t][c / 4][c % 4] = v;
      }
    }
    // Then row by row: channel m0 + r's dy at the four pixels, the same in every lane.
    const int dy_img = int(img * p.cout * (OHW / 4) + pix0 / 4);
    [[unroll]] for (uint r = 0; r < RM; ++r) gemm_subgroup_row(r, texelFetch(DY, dy_img + dy_row[r]), bv);
  }

  // acc[r][j][c]: output channel m0 + r, tap n0 + 4(lane + 8j) + c.
  [[unroll]] for (uint r = 0; r < RM; ++r) {
    const uint m = m0 + r;
    if (m >= M) continue;
    [[unroll]] for (uint c = 0; c < NC; ++c) {
      const uint n = n0 + 4 * (lane + (c / 4) * SG) + c % 4;
      if (n >= N) continue;
      const uint at = (g * M + m) * N + n;
      const float v = acc[r][c / 4][c % 4];
      if (SPLIT_K)
        partial[s * p.cout * N + at] = v;
      else
        dw[at] += v;
    }
  }
}
