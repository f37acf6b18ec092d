#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
// Winograd input transform: V = B^T d B for one a x a input tile d of a channel (zero
// outside the image), scattered into the a*a GEMM operands of this chunk. One invocation per
// (tile, four channels), which lie side by side in V's rows (padded to 4): each position is one
// vec4 store. Lavapipe stores lane by lane, in a loop whose every pass a vec4 shares, so this
// takes a quarter of the passes that a store per channel did. Channels past cin write zeros
// into the row's padding.
// x: (batch, cin, h, w)   scratch at v_off: V (a*a, chunk, cin rounded up to 4)
#include "precision.glsl"
#include "common.glsl"
#include "texel_inputs.glsl"
#include "conv2d_winograd_common.glsl"
layout(local_size_x = 64) in;
FLOAT_INPUT(0, x)
layout(binding = 1) writeonly buffer Scratch { vec4 s4[]; };  // v_off, plane, cin_stride: multiples of 4

void main() {
  const uint t = gl_GlobalInvocationID.x, c4 = gl_WorkGroupID.y;  // channels 4*c4 .. 4*c4 + 3
  if (t >= p.tiles) return;
  const uvec3 o = tile_origin(p.tile0 + t);
  const int iy0 = int(o.y) - int(PH), ix0 = int(o.z) - int(PW);

  vec4 v4[POSITIONS];  // V at each transform position for the four channels
  [[unroll]] for (uint q = 0; q < 4; ++q) {
    const uint c = 4 * c4 + q;
    const bool real = c < p.cin;
    const uint base = (o.x * p.cin + min(c, p.cin - 1)) * p.h * p.w;
    float d[6][6];
    [[unroll]] for (uint i = 0; i < IT; ++i) {
      const int iy = iy0 + int(i);
      [[unroll]] for (uint j = 0; j < IT; ++j) {
        const int ix = ix0 + int(j);
        // Padding reads a clamped neighbour and drops it: a select, not a branch around the load.
        const bool inside = real && uint(iy) < p.h && uint(ix) < p.w;
        const float v = READ(x, base + uint(clamp(iy, 0, int(p.h) - 1)) * p.w + uint(clamp(ix, 0, int(p.w) - 1)));
        d[i][j] = inside ? v : 0.0;
      }
    }
    float r[6][6];  // r[i] = row i of d B; B^T is then applied down the columns of r
    [[unroll]] for (uint i = 0; i < IT; ++i) r[i] = input_line(d[i]);
    [[unroll]] for (uint j = 0; j < IT; ++j) {
      float col[6];
      [[unroll]] for (uint i = 0; i < 6; ++i) col[i] = i < IT ? r[i][j] : 0.0;
      const float[6] v = input_line(col);
      [[unroll]] for (uint i = 0; i < IT; ++i) v4[i * IT + j][q] = v[i];
    }
  }
  const uint plane = p.chunk * p.cin_stride;
  [[unroll]] for (uint pos = 0; pos < POSITIONS; ++pos) s4[(p.v_off + pos * plane + t * p.cin_stride) / 4 + c4] = v4[pos];
}
