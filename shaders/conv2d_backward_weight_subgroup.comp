#version 450
#extension GL_GOOGLE_include_directive : require
// conv2d_backward_weight.comp's GEMM (dw += dy x im2col(x) per group, over the output pixels,
// split in K = batch*oh*ow as there) on the subgroup core for CPU devices (gemm_subgroup.glsl),
// computed transposed: rows (the same in every lane) are weight taps (ci, kh, kw), per-lane
// columns output channels. A row's input values for four pixels are one gather per pixel for
// all lanes; a lane's channels' dy comes as vec4s of four pixels where DY_VEC4 (oh*ow a
// multiple of 4: a quad never spans two images), else as floats. (Taps as columns would have
// every lane gather its own taps for every pixel, and a 3x3 kernel on one input channel would
// fill 9 of 64 columns.)
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

const uint NC = 4 * CV;  // output channels per lane: 4(lane + 8j) + c

void main() {
  gemm_subgroup_init();
  const uint lane = gl_LocalInvocationID.x;
  const uint M = p.cin_g * KHW, N = p.cout_g, K = p.batch * p.oh * p.ow;
  const uint OHW = p.oh * p.ow, HW = p.h * p.w;
  const uint splits = (K + p.k_split - 1) / p.k_split;
  const uint g = gl_WorkGroupID.z / splits, s = gl_WorkGroupID.z % splits;
  const uint m0 = gl_WorkGroupID.y * RM, n0 = gl_WorkGroupID.x * CN4 * 4;
  const uint k_begin = s * p.k_split, k_end = min(K, k_begin + p.k_split);  // k_split % 4 == 0

  // Each row's tap (rows past M repeat the last tap, never stored): its channel's offset in an
  // image and its window offsets, worked out once: in the loop they are loads, not divisions.
  int tap_off[RM], tap_y[RM], tap_x[RM];
  [[unroll]] for (uint r = 0; r < RM; ++r) {
    const uint m = min(m0 + r, M - 1);
    const uint ci = m / KHW, t = m % KHW;
    tap_off[r] = int((g * p.cin_g + ci) * HW);
    tap_y[r] = int((t / KW) * DH) - int(PH);
    tap_x[r] = int((t % KW) * DW) - int(PW);
  }
  // This lane's output channels' planes in an image of dy (channels past N repeat the last).
  uint dy_row[NC];
  [[unroll]] for (uint c = 0; c < NC; ++c) dy_row[c] = (g * N + min(n0 + 4 * (lane + (c / 4) * SG) + c % 4, N - 1)) * OHW;

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
    vec4 dyv[NC];  // dyv[c]: channel c's dy at the quad's four pixels
    [[unroll]] for (uint c = 0; c < NC; ++c) {
      if (DY_VEC4) {
        dyv[c] = texelFetch(DY, int((img[0] * p.cout * OHW + dy_row[c] + pix[0]) / 4));
      } else {
        [[unroll]] for (uint t = 0; t < 4; ++t) dyv[c][t] = texelFetch(DY, int(img[t] * p.cout * OHW + dy_row[c] + pix[t])).x;
      }
    }
    vec4 bv[4][CV];
    [[unroll]] for (uint t = 0; t < 4; ++t)
      [[unroll]] for (uint j = 0; j < CV; ++j) bv[t][j] = vec4(dyv[4 * j][t], dyv[4 * j + 1][t], dyv[4 * j + 2][t], dyv[4 * j + 3][t]);
    // Row r (tap m0 + r): its input values at the quad's four pixels, the same in every lane.
    [[unroll]] for (uint r = 0; r < RM; ++r) {
      vec4 a;
      [[unroll]] for (uint t = 0; t < 4; ++t) {
        const int x_img = int(img[t] * p.cin * HW) + tap_off[r];
        if (POINTWISE) {
          a[t] = texelFetch(X, x_img + int(pix[t])).x;
        } else {
          const int iy = iy0[t] + tap_y[r], ix = ix0[t] + tap_x[r];
          const bool inside = uint(iy) < p.h && uint(ix) < p.w;
          const int at = x_img + clamp(iy, 0, int(p.h) - 1) * int(p.w) + clamp(ix, 0, int(p.w) - 1);
          a[t] = inside ? texelFetch(X, at).x : 0.0;
        }
      }
      gemm_subgroup_row(r, mix(vec4(0.0), a, k_ok), bv);
    }
  }

  // acc[r][j][c]: tap m0 + r, output channel n0 + 4(lane + 8j) + c.
  [[unroll]] for (uint r = 0; r < RM; ++r) {
    const uint m = m0 + r;
    if (m >= M) continue;
    [[unroll]] for (uint c = 0; c < NC; ++c) {
      const uint n = n0 + 4 * (lane + (c / 4) * SG) + c % 4;
      if (n >= N) continue;
      const uint at = (g * N + n) * M + m;
      const float v = acc[r][c / 4][c % 4];
      if (SPLIT_K)
        partial[s * p.cout * M + at] = v;
      else
        dw[at] += v;
    }
  }
}
