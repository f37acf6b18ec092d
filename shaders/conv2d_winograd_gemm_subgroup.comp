#version 450
#extension GL_GOOGLE_include_directive : require
// The a*a Winograd GEMMs of conv2d_winograd_gemm.comp on the subgroup core for CPU devices
// (gemm_subgroup.glsl), computed transposed: M^T[z] (tiles x cout) = V^T[z] (tiles x cin) *
// U[z] (cin x cout). The core's rows (the same in every lane) are tiles, its per-lane vec4
// columns output channels, so a workgroup covers 32 tiles (16 where a chunk has no more) x 64
// channels: layers with few tiles (ResNet's 14x14 and 7x7 maps hold 16) waste no columns.
// U: (a*a, cin, cout_stride) vec4s along cout   V: (a*a, chunk, cin_stride) vec4s along cin
// scratch: M (a*a, chunk, cout_stride) at m_off (m_off, the strides multiples of 4)
#include "common.glsl"
#include "conv2d_winograd_common.glsl"
#include "gemm_subgroup.glsl"
layout(binding = 0) uniform samplerBuffer U;
layout(binding = 1) uniform samplerBuffer V;
layout(binding = 2) writeonly buffer Scratch { vec4 s4[]; };

void main() {
  gemm_subgroup_init();
  const uint lane = gl_LocalInvocationID.x, z = gl_WorkGroupID.z;
  const uint tiles = p.tiles, K = p.cin, cout4 = (p.cout + 3) / 4;
  const uint vs4 = p.cin_stride / 4, us4 = p.cout_stride / 4;
  const uint n0 = gl_WorkGroupID.y * RM, m4_0 = gl_WorkGroupID.x * CN4 + lane;
  // Tiles and channels past the edge read the last valid one (and are never stored): every
  // fetch stays inside the operands, and the loop has no branches.
  int u_col[CV];
  [[unroll]] for (uint j = 0; j < CV; ++j) u_col[j] = int(z * K * us4 + min(m4_0 + j * SG, cout4 - 1));
  const uint v_base = z * p.chunk;

  for (uint k4 = 0; k4 < (K + 3) / 4; ++k4) {
    vec4 bv[4][CV];
    [[unroll]] for (uint kk = 0; kk < 4; ++kk) {
      const uint k = min(k4 * 4 + kk, K - 1);
      [[unroll]] for (uint j = 0; j < CV; ++j) bv[kk][j] = texelFetch(U, u_col[j] + int(k * us4));
    }
    // Past the last input channel, V's row padding is unwritten, so it is masked off (a select,
    // not a multiply: the padding may hold NaN), and U rows past K are not read.
    const bvec4 valid = lessThan(uvec4(k4 * 4) + uvec4(0, 1, 2, 3), uvec4(K));
    [[unroll]] for (uint r = 0; r < RM; ++r) {
      const vec4 a = texelFetch(V, int((v_base + min(n0 + r, tiles - 1)) * vs4 + k4));
      gemm_subgroup_row(r, mix(vec4(0.0), a, valid), bv);
    }
  }

  const uint c_base4 = p.m_off / 4 + z * p.chunk * us4;
  [[unroll]] for (uint r = 0; r < RM; ++r) {
    const uint n = n0 + r;
    [[unroll]] for (uint j = 0; j < CV; ++j) {
      const uint m4 = m4_0 + j * SG;
      if (n < tiles && m4 < cout4) s4[c_base4 + n * us4 + m4] = acc[r][j];
    }
  }
}
