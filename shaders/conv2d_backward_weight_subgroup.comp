#version 450
#extension GL_GOOGLE_include_directive : require
// conv2d_backward_weight.comp's GEMM (dw += dy x im2col(x) per group, over the output pixels,
// split in K = batch*oh*ow as there) on the subgroup core for CPU devices (gemm_subgroup.glsl):
// broadcast rows are output channels, read from dy as vec4s of four pixels where DY_VEC4
// (oh*ow a multiple of 4: a quad never spans two images) and as floats otherwise; per-lane
// columns are weight taps (ci, kh, kw), each an input value of the pixel's window.
// dy: (batch, cout, oh, ow)   x: (batch, cin, h, w)   dw: (cout, cin_g, KH, KW)
// partial: (splits, cout, cin_g, KH, KW) when SPLIT_K, else unused (dw bound again)
#include "common.glsl"
#include "conv2d_common.glsl"
#include "gemm_subgroup.glsl"
layout(constant_id = 17) const bool DY_VEC4 = false;
layout(binding = 0) uniform samplerBuffer DY;  // float or vec4 texels (DY_VEC4)
layout(binding = 1) uniform samplerBuffer X;
layout(binding = 2) buffer DWt { float dw[]; };
layout(binding = 3) writeonly buffer Partial { float partial[]; };

const uint NC = 4 * CV;  // taps per lane: 4(lane + 8j) + c

void main() {
  gemm_subgroup_init();
  const uint lane = gl_SubgroupInvocationID;
  const uint M = p.cout_g, N = p.cin_g * KHW, K = p.batch * p.oh * p.ow;
  const uint OHW = p.oh * p.ow, HW = p.h * p.w;
  const uint splits = (K + p.k_split - 1) / p.k_split;
  const uint g = gl_WorkGroupID.z / splits, s = gl_WorkGroupID.z % splits;
  const uint m0 = gl_WorkGroupID.y * RM, n0 = gl_WorkGroupID.x * CN4 * 4;
  const uint k_begin = s * p.k_split, k_end = min(K, k_begin + p.k_split);  // k_split % 4 == 0

  // Rows past M repeat the last channel (never stored).
  uint dy_row[RG];
  [[unroll]] for (uint r = 0; r < RG; ++r) dy_row[r] = (g * M + min(m0 + r * SG + lane, M - 1)) * OHW;
  // This lane's taps: their channel's offset in an image and their window offsets.
  int tap_off[NC], tap_y[NC], tap_x[NC];
  [[unroll]] for (uint c = 0; c < NC; ++c) {
    const uint n = min(n0 + 4 * (lane + (c / 4) * SG) + c % 4, N - 1);
    const uint ci = n / KHW, r = n % KHW;
    tap_off[c] = int((g * p.cin_g + ci) * HW);
    tap_y[c] = int((r / KW) * DH) - int(PH);
    tap_x[c] = int((r % KW) * DW) - int(PW);
  }

  for (uint k4 = k_begin; k4 < k_end; k4 += 4) {
    // The quad's pixels: image, and top-left input of each window; pixels past k_end weigh 0.
    uint img[4], pix[4];
    int iy0[4], ix0[4];
    [[unroll]] for (uint t = 0; t < 4; ++t) {
      const uint k = min(k4 + t, k_end - 1);
      img[t] = div_ohw(k);
      pix[t] = k - img[t] * OHW;
      const uint oy = div_ow(pix[t]), ox = pix[t] - oy * p.ow;
      iy0[t] = int(oy * SH);
      ix0[t] = int(ox * SW);
    }
    const bvec4 k_ok = lessThan(uvec4(k4) + uvec4(0, 1, 2, 3), uvec4(k_end));
    vec4 av[RG];
    [[unroll]] for (uint r = 0; r < RG; ++r) {
      if (DY_VEC4) {
        av[r] = texelFetch(DY, int((img[0] * p.cout * OHW + dy_row[r] + pix[0]) / 4));
      } else {
        [[unroll]] for (uint t = 0; t < 4; ++t) av[r][t] = texelFetch(DY, int(img[t] * p.cout * OHW + dy_row[r] + pix[t])).x;
      }
      av[r] = mix(vec4(0.0), av[r], k_ok);
    }
    [[unroll]] for (uint t = 0; t < 4; ++t) {
      const uint x_img = img[t] * p.cin * HW;
      vec4 bv[CV];
      [[unroll]] for (uint c = 0; c < NC; ++c) {
        if (POINTWISE) {
          bv[c / 4][c % 4] = texelFetch(X, int(x_img + pix[t]) + tap_off[c]).x;
        } else {
          const int iy = iy0[t] + tap_y[c], ix = ix0[t] + tap_x[c];
          const bool inside = uint(iy) < p.h && uint(ix) < p.w;
          const int at = int(x_img) + tap_off[c] + clamp(iy, 0, int(p.h) - 1) * int(p.w) + clamp(ix, 0, int(p.w) - 1);
          bv[c / 4][c % 4] = inside ? texelFetch(X, at).x : 0.0;
        }
      }
      gemm_subgroup_step(av, t, bv);
    }
  }

  [[unroll]] for (uint r = 0; r < RM; ++r) {
    const uint m = m0 + r;
    if (m >= M) continue;
    const uint row = (g * M + m) * N;
    [[unroll]] for (uint c = 0; c < NC; ++c) {
      const uint n = n0 + 4 * (lane + (c / 4) * SG) + c % 4;
      if (n >= N) continue;
      const float v = acc[r][c / 4][c % 4];
      if (SPLIT_K)
        partial[s * p.cout * N + row + n] = v;
      else
        dw[row + n] += v;
    }
  }
}
