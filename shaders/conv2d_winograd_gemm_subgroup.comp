#version 450
#extension GL_GOOGLE_include_directive : require
// The a*a Winograd GEMMs of conv2d_winograd_gemm.comp, M[z] = U[z] * V[z], on the subgroup
// core for CPU devices (gemm_subgroup.glsl): U and V are read as vec4 texels, M written as vec4s.
// U: (a*a, cout, cin_stride) vec4s along cin   V: (a*a, cin, tile_stride) vec4s along tiles
// scratch: M (a*a, cout, tile_stride) at m_off (m_off and tile_stride multiples of 4)
#include "common.glsl"
#include "conv2d_winograd_common.glsl"
#include "gemm_subgroup.glsl"
layout(binding = 0) uniform samplerBuffer U;
layout(binding = 1) uniform samplerBuffer V;
layout(binding = 2) writeonly buffer Scratch { vec4 s4[]; };

void main() {
  gemm_subgroup_init();
  const uint lane = gl_SubgroupInvocationID, z = gl_WorkGroupID.z;
  const uint M = p.cout, K = p.cin, N4 = (p.tiles + 3) / 4;
  const uint ks4 = p.cin_stride / 4, ts4 = p.tile_stride / 4;
  const uint m0 = gl_WorkGroupID.y * RM, n4_0 = gl_WorkGroupID.x * CN4 + lane;
  // Rows and columns past the edge read the last valid one (and are never stored): every
  // fetch stays inside the operands, and the loop has no branches.
  int a_row[RG], b_col[CV];
  [[unroll]] for (uint g = 0; g < RG; ++g) a_row[g] = int((z * M + min(m0 + g * SG + lane, M - 1)) * ks4);
  [[unroll]] for (uint j = 0; j < CV; ++j) b_col[j] = int(z * K * ts4 + min(n4_0 + j * SG, N4 - 1));

  const uint full = K / 4;
  for (uint k4 = 0; k4 < full; ++k4) {
    vec4 av[RG];
    [[unroll]] for (uint g = 0; g < RG; ++g) av[g] = texelFetch(U, a_row[g] + int(k4));
    [[unroll]] for (uint kk = 0; kk < 4; ++kk) {
      vec4 bv[CV];
      [[unroll]] for (uint j = 0; j < CV; ++j) bv[j] = texelFetch(V, b_col[j] + int((k4 * 4 + kk) * ts4));
      gemm_subgroup_step(av, kk, bv);
    }
  }
  if (full * 4 < K) {
    // The last 1..3 input channels: U's row padding is unwritten, so it is masked off
    // (a select, not a multiply: the padding may hold NaN), and B rows past K are not read.
    const bvec4 valid = lessThan(uvec4(full * 4) + uvec4(0, 1, 2, 3), uvec4(K));
    vec4 av[RG];
    [[unroll]] for (uint g = 0; g < RG; ++g) av[g] = mix(vec4(0.0), texelFetch(U, a_row[g] + int(full)), valid);
    [[unroll]] for (uint kk = 0; kk < 4; ++kk) {
      vec4 bv[CV];
      const uint k = min(full * 4 + kk, K - 1);
      [[unroll]] for (uint j = 0; j < CV; ++j) bv[j] = texelFetch(V, b_col[j] + int(k * ts4));
      gemm_subgroup_step(av, kk, bv);
    }
  }

  const uint c_base4 = (p.m_off + z * M * p.tile_stride) / 4;
  [[unroll]] for (uint r = 0; r < RM; ++r) {
    const uint m = m0 + r;
    [[unroll]] for (uint j = 0; j < CV; ++j) {
      const uint n4 = n4_0 + j * SG;
      if (m < M && n4 < N4) s4[c_base4 + m * ts4 + n4] = acc[r][j];
    }
  }
}
