#version 450
#extension GL_GOOGLE_include_directive : require
// C[i, j] (= or +=) sum_p A[i, p] * B[p, j], as a tiled GEMM. A workgroup of 16 x 16 invocations
// owns a (16 R) x (16 R) block of C and walks p in steps of BK, staging an A and a B tile in
// shared memory; each invocation keeps an R x R register block, on rows ly + 16 r and columns
// lx + 16 c, so that neighbouring invocations read neighbouring shared words and write
// neighbouring words of C.
// Split K: when C has too few tiles to fill the device, workgroup z takes only p in
// [z chunk, (z + 1) chunk) and writes its partial sums to c[z * I * ldc + ...] (MODE_PARTIAL);
// dense_gemm_reduce.comp then adds the partials and applies the epilogue.
// The dense layer's three products are this kernel with different strides (engine/layers/dense.cpp):
//   forward   Y[n, m]  = act(sum_k X[n, k] W[m, k] + bias[m])
//   backward  dX[n, k] += sum_m dY[n, m] W[m, k]
//             dW[m, k] += sum_n dY[n, m] X[n, k]
#include "common.glsl"
layout(local_size_x = 16, local_size_y = 16) in;
layout(constant_id = 0) const uint R = 4;               // register block R x R (1, 2 or 4)
layout(constant_id = 1) const uint A_P_CONTIGUOUS = 1;  // A's stride along p is 1 (else along i)
layout(constant_id = 2) const uint B_P_CONTIGUOUS = 1;  // B's stride along p is 1 (else along j)
#define MODE_STORE 0       // C = act(A B + bias)   (forward)
#define MODE_ACCUMULATE 1  // C += A B              (backward)
#define MODE_PARTIAL 2     // C[z] = this split's part of A B, no epilogue
layout(constant_id = 3) const uint MODE = MODE_STORE;
layout(constant_id = 4) const uint HAS_BIAS = 0;
layout(constant_id = 5) const uint ACT = ACT_NONE;

const uint BK = 16;
const uint MAX_TILE = 64;  // 16 * the largest R
const uint TILE = 16 * R;

layout(binding = 0) readonly buffer A_ { float a[]; };
layout(binding = 1) readonly buffer B_ { float b[]; };
layout(binding = 2) readonly buffer Bias { float bias[]; };  // [J], read only when HAS_BIAS
layout(binding = 3) buffer C_ { float c[]; };                // [I, ldc], or [splits, I, ldc] partials
layout(push_constant) uniform Push {
  uint I, J, P;
  uint chunk;       // p per split (P without split K)
  uint a_si, a_sp;  // A[i, p] = a[i * a_si + p * a_sp]
  uint b_sp, b_sj;  // B[p, j] = b[p * b_sp + j * b_sj]
  uint ldc;         // C[i, j] = c[i * ldc + j]
  float slope;      // leaky_relu's negative slope
} p;

// +1 column: the A_P_CONTIGUOUS loads write a column of the tile, which would otherwise hit one bank.
shared float As[BK][MAX_TILE + 1];  // As[p][i]
shared float Bs[BK][MAX_TILE + 1];  // Bs[p][j]

void main() {
  const uint lx = gl_LocalInvocationID.x, ly = gl_LocalInvocationID.y;
  const uint t = ly * 16 + lx;
  const uint i0 = gl_WorkGroupID.y * TILE, j0 = gl_WorkGroupID.x * TILE;

  float acc[4][4];
  for (uint r = 0; r < R; ++r)
    for (uint q = 0; q < R; ++q) acc[r][q] = 0.0;

  const uint p_begin = gl_WorkGroupID.z * p.chunk, p_end = min(p.P, p_begin + p.chunk);
  for (uint p0 = p_begin; p0 < p_end; p0 += BK) {
    // Each tile holds TILE * BK = 256 R values: R loads per invocation, consecutive invocations
    // walking the operand's contiguous dimension so that global reads coalesce.
    for (uint s = 0; s < R; ++s) {
      uint e = t + 256 * s;
      uint pa = A_P_CONTIGUOUS != 0 ? e % BK : e / TILE;
      uint ia = A_P_CONTIGUOUS != 0 ? e / BK : e % TILE;
      uint gi = i0 + ia, gp = p0 + pa;
      As[pa][ia] = (gi < p.I && gp < p_end) ? a[gi * p.a_si + gp * p.a_sp] : 0.0;
      uint pb = B_P_CONTIGUOUS != 0 ? e % BK : e / TILE;
      uint jb = B_P_CONTIGUOUS != 0 ? e / BK : e % TILE;
      uint gj = j0 + jb;
      gp = p0 + pb;
      Bs[pb][jb] = (gj < p.J && gp < p_end) ? b[gp * p.b_sp + gj * p.b_sj] : 0.0;
    }
    barrier();
    for (uint k = 0; k < BK; ++k) {
      float av[4], bv[4];
      for (uint r = 0; r < R; ++r) av[r] = As[k][ly + 16 * r];
      for (uint q = 0; q < R; ++q) bv[q] = Bs[k][lx + 16 * q];
      for (uint r = 0; r < R; ++r)
        for (uint q = 0; q < R; ++q) acc[r][q] = fma(av[r], bv[q], acc[r][q]);
    }
    barrier();
  }

  for (uint r = 0; r < R; ++r) {
    uint i = i0 + ly + 16 * r;
    if (i >= p.I) break;
    for (uint q = 0; q < R; ++q) {
      uint j = j0 + lx + 16 * q;
      if (j >= p.J) break;
      if (MODE == MODE_PARTIAL) {
        c[(gl_WorkGroupID.z * p.I + i) * p.ldc + j] = acc[r][q];
      } else if (MODE == MODE_ACCUMULATE) {
        c[i * p.ldc + j] += acc[r][q];
      } else {
        float v = acc[r][q] + (HAS_BIAS != 0 ? bias[j] : 0.0);
        c[i * p.ldc + j] = activate(ACT, v, p.slope);
      }
    }
  }
}
