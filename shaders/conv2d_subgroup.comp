#version 450
#extension GL_GOOGLE_include_directive : require
// conv2d.comp's implicit GEMM (y = act(conv2d(x, w) + b), M = cout_g, N = batch*oh*ow,
// K = cin_g*KH*KW per group g = gl_WorkGroupID.z) on the subgroup core for CPU devices
// (gemm_subgroup.glsl). x and w are read through texel views: w as vec4s along K where
// W_VEC4 (rows of K taps padded to a multiple of 4: the weights themselves where K is one, else
// conv2d_pad_weights.comp's copy), else as floats; x as floats, one im2col element each, or as
// vec4s of four neighbouring pixels where X_VEC4 (a 1x1 stride-1 unpadded conv whose image
// planes are multiples of 4 pixels). Where ACCUMULATE (a stride-1 conv's input gradient, run
// as a convolution of dy: Conv2dLayer::backward) it adds to y instead, with no bias or act.
// Where POOL (a following 2x2 stride-2 max pool fused at inference) the GEMM's columns are
// pooling windows' pixels, four consecutive columns one window (a lane's vec4), and the
// epilogue stores the maximum of each window: y is then (batch, cout, oh / 2, ow / 2) and the
// conv's own output, and the pool's pass over it, are never written.
// x: (batch, cin, h, w)   w: (cout, cin_g, KH, KW)   b: (cout)   y: (batch, cout, oh, ow)
#include "precision.glsl"
#include "common.glsl"
#include "conv2d_common.glsl"
#include "gemm_subgroup.glsl"
layout(constant_id = 17) const bool W_VEC4 = false;
layout(constant_id = 18) const bool X_VEC4 = false;
layout(constant_id = 19) const bool ACCUMULATE = false;
layout(constant_id = 20) const bool POOL = false;  // then push's div_ohw and div_ow divide by poh*pow, pow
layout(binding = 0) uniform samplerBuffer X;   // float or vec4 texels (X_VEC4)
layout(binding = 1) uniform samplerBuffer Wt;  // float or vec4 texels (W_VEC4)
layout(binding = 2) readonly buffer Bias { ELEM bias[]; };  // any buffer when there is no bias
layout(binding = 3) buffer Y { ELEM y[]; };

const uint NC = 4 * CV;  // output pixels per lane: columns 4(n4_0 + 8j) + c

void main() {
  gemm_subgroup_init();
  const uint lane = gl_LocalInvocationID.x, g = gl_WorkGroupID.z;
  // With POOL the columns are (image, window, tap): pooled sizes, four columns a window.
  const uint POW = p.ow / 2, POHW = (p.oh / 2) * POW;
  const uint M = p.cout_g, N = POOL ? p.batch * POHW * 4 : p.batch * p.oh * p.ow, K = p.cin_g * KHW;
  const uint OHW = p.oh * p.ow, HW = p.h * p.w;
  const uint m0 = gl_WorkGroupID.y * RM, n0 = p.n_base + gl_WorkGroupID.x * CN4 * 4;

  // This lane's output pixels: where their input windows start, and whether they exist.
  int x_off[NC], iy0[NC], ix0[NC];
  bool n_ok[NC];
  [[unroll]] for (uint c = 0; c < NC; ++c) {
    const uint n = n0 + 4 * (lane + (c / 4) * SG) + c % 4;
    n_ok[c] = n < N;
    const uint nn = min(n, N - 1);
    uint img, pix, oy, ox;
    if (POOL) {  // window q of image img, tap c % 4 (nn % 4: columns start at multiples of 4)
      const uint window = nn / 4, tap = nn % 4;
      img = div_ohw(window);
      const uint q = window - img * POHW, py = div_ow(q), px = q - py * POW;
      oy = 2 * py + tap / 2;
      ox = 2 * px + tap % 2;
      pix = oy * p.ow + ox;
    } else {
      img = div_ohw(nn);
      pix = nn - img * OHW;
      oy = div_ow(pix);
      ox = pix - oy * p.ow;
    }
    iy0[c] = int(oy * SH) - int(PH);
    ix0[c] = int(ox * SW) - int(PW);
    x_off[c] = int((img * p.cin + g * p.cin_g) * HW + (POINTWISE ? pix : 0));
  }

  // Where each weight row starts (rows past M repeat the last one; their results are not
  // stored), worked out once: in the loop they are loads, not arithmetic.
  int w_row[RM];
  [[unroll]] for (uint r = 0; r < RM; ++r) w_row[r] = int((g * M + min(m0 + r, M - 1)) * (W_VEC4 ? (K + 3) / 4 : K));
  for (uint k4 = 0; k4 < (K + 3) / 4; ++k4) {
    // B first, for all four k: this lane's im2col values.
    vec4 bv[4][CV];
    [[unroll]] for (uint kk = 0; kk < 4; ++kk) {
      const uint k = min(k4 * 4 + kk, K - 1);
      const uint ci = k / KHW, tap = k % KHW;
      const int dy = int((tap / KW) * DH), dx = int((tap % KW) * DW);
      [[unroll]] for (uint j = 0; j < CV; ++j) {
        if (X_VEC4) {
          bv[kk][j] = texelFetch(X, (x_off[4 * j] + int(ci * HW)) / 4);
        } else {
          [[unroll]] for (uint c = 0; c < 4; ++c) {
            const uint cc = 4 * j + c;
            if (POINTWISE) {
              bv[kk][j][c] = texelFetch(X, x_off[cc] + int(ci * HW)).x;
            } else {
              const int iy = iy0[cc] + dy, ix = ix0[cc] + dx;
              const bool inside = uint(iy) < p.h && uint(ix) < p.w;
              const int at = x_off[cc] + int(ci * HW) + clamp(iy, 0, int(p.h) - 1) * int(p.w) + clamp(ix, 0, int(p.w) - 1);
              bv[kk][j][c] = inside ? texelFetch(X, at).x : 0.0;
            }
          }
        }
      }
    }
    // Then A row by row. Taps past K get weight 0 (a select) and read tap K - 1 (finite): no
    // branch per tap.
    const bvec4 k_ok = lessThan(uvec4(k4 * 4) + uvec4(0, 1, 2, 3), uvec4(K));
    [[unroll]] for (uint r = 0; r < RM; ++r) {
      vec4 a;
      if (W_VEC4) {
        a = texelFetch(Wt, w_row[r] + int(k4));
      } else {
        [[unroll]] for (uint t = 0; t < 4; ++t) a[t] = texelFetch(Wt, w_row[r] + int(min(k4 * 4 + t, K - 1))).x;
      }
      gemm_subgroup_row(r, mix(vec4(0.0), a, k_ok), bv);
    }
  }

  // Epilogue: bias and the fused activation, written straight to y.
  [[unroll]] for (uint r = 0; r < RM; ++r) {
    const uint m = m0 + r;
    if (m >= M) continue;
    const float b = HAS_BIAS ? float(bias[g * M + m]) : 0.0;
    if (POOL) {
      [[unroll]] for (uint j = 0; j < CV; ++j) {
        if (!n_ok[4 * j]) continue;  // N is a multiple of 4: a window's columns exist together
        const uint window = (n0 + 4 * (lane + j * SG)) / 4, img = div_ohw(window);
        float best = activate(ACT, acc[r][j][0] + b, p.slope);
        [[unroll]] for (uint t = 1; t < 4; ++t) {  // NaN wins, as in maxpool2d.comp
          const float v = activate(ACT, acc[r][j][t] + b, p.slope);
          if (v > best || isnan(v)) best = v;
        }
        y[(img * p.cout + g * M + m) * POHW + window - img * POHW] = ELEM(best);
      }
      continue;
    }
    [[unroll]] for (uint c = 0; c < NC; ++c) {
      if (!n_ok[c]) continue;
      const uint n = n0 + 4 * (lane + (c / 4) * SG) + c % 4;
      const uint img = div_ohw(n), pix = n - img * OHW;
      const uint at = (img * p.cout + g * M + m) * OHW + pix;
      if (ACCUMULATE)
        y[at] = ELEM(float(y[at]) + acc[r][c / 4][c % 4]);
      else
        y[at] = ELEM(activate(ACT, acc[r][c / 4][c % 4] + b, p.slope));
    }
  }
}
