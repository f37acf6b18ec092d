#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
// Winograd input transform: V = B^T d B for one a x a input tile d of one channel (zero
// outside the image), scattered into the a*a GEMM operands of this chunk. One invocation per
// (tile, channel): neighbouring invocations write neighbouring V columns.
// x: (batch, cin, h, w)   scratch at v_off: V (a*a, cin, tiles)
#include "precision.glsl"
#include "common.glsl"
#include "conv2d_winograd_common.glsl"
layout(local_size_x = 64) in;
layout(binding = 0) readonly buffer X { ELEM x[]; };
layout(binding = 1) writeonly buffer Scratch { float s[]; };

void main() {
  const uint t = gl_GlobalInvocationID.x, c = gl_WorkGroupID.y;
  if (t >= p.tiles) return;
  const uvec3 o = tile_origin(p.tile0 + t);
  const int iy0 = int(o.y) - int(PH), ix0 = int(o.z) - int(PW);
  const uint base = (o.x * p.cin + c) * p.h * p.w;

  float d[6][6];
  [[unroll]] for (uint i = 0; i < IT; ++i) {
    const int iy = iy0 + int(i);
    [[unroll]] for (uint j = 0; j < IT; ++j) {
      const int ix = ix0 + int(j);
      d[i][j] = uint(iy) < p.h && uint(ix) < p.w ? float(x[base + uint(iy) * p.w + uint(ix)]) : 0.0;
    }
  }
  float r[6][6];  // r[i] = row i of d B; B^T is then applied down the columns of r
  [[unroll]] for (uint i = 0; i < IT; ++i) r[i] = input_line(d[i]);
  const uint plane = p.chunk * p.cin_stride;
  [[unroll]] for (uint j = 0; j < IT; ++j) {
    float col[6];
    [[unroll]] for (uint i = 0; i < 6; ++i) col[i] = i < IT ? r[i][j] : 0.0;
    const float[6] v = input_line(col);
    [[unroll]] for (uint i = 0; i < IT; ++i) s[p.v_off + (i * IT + j) * plane + t * p.cin_stride + c] = v[i];
  }
}
