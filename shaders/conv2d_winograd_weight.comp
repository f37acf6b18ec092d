#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
// Winograd weight transform: U = G g G^T for one (output channel m, input channel k) kernel,
// stored as a*a matrices [cout][cin], the GEMM's A operand. With FLIP the kernel is that of
// the input gradient: g[i][j] = w[k][m][2-i][2-j] (channels swapped, rotated 180 degrees).
// Runs in every pass rather than once at load: weights change every training step.
// w: (cout, cin, 3, 3), or (cin, cout, 3, 3) with FLIP   scratch at u_off: U (a*a, cout, cin)
#include "precision.glsl"
#include "common.glsl"
#include "conv2d_winograd_common.glsl"
layout(local_size_x = 64) in;
layout(binding = 0) readonly buffer Wt { ELEM w[]; };
layout(binding = 1) writeonly buffer Scratch { float s[]; };

void main() {
  const uint k = gl_GlobalInvocationID.x, m = gl_WorkGroupID.y;
  if (k >= p.cin) return;
  float g[3][3];
  [[unroll]] for (uint i = 0; i < 3; ++i)
    [[unroll]] for (uint j = 0; j < 3; ++j)
      // Widen each load on its own: a ternary over 16-bit values would need the Float16 capability.
      g[i][j] = FLIP ? float(w[(k * p.cout + m) * 9 + (2 - i) * 3 + (2 - j)]) : float(w[(m * p.cin + k) * 9 + i * 3 + j]);
  float r[3][6];  // r[i] = G applied along row i
  [[unroll]] for (uint i = 0; i < 3; ++i) r[i] = weight_line(g[i]);
  const uint plane = p.cin * p.cout_stride;
  [[unroll]] for (uint j = 0; j < IT; ++j) {
    const float[6] u = weight_line(float[3](r[0][j], r[1][j], r[2][j]));
    [[unroll]] for (uint i = 0; i < IT; ++i) s[p.u_off + (i * IT + j) * plane + k * p.cout_stride + m] = u[i];
  }
}
