#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
// Winograd output transform: Y = A^T M A for one tile of one output channel, then bias and
// the fused activation (or, with ACCUMULATE, y += Y: an input gradient adds to what is there).
// Edge tiles write only the outputs inside the image.
// scratch at m_off: M (a*a, cout, tiles)   b: (cout)   y: (batch, cout, oh, ow)
#include "precision.glsl"
#include "common.glsl"
#include "texel_inputs.glsl"
#include "conv2d_winograd_common.glsl"
layout(local_size_x = 64) in;
// The scratch buffer: 32-bit floats in both precisions, so not FLOAT_INPUT (whose storage form
// would be 16-bit in the _fp16 variant).
#ifdef TEXEL_INPUTS
layout(binding = 0) uniform samplerBuffer scratch_texels;
#define READ_SCRATCH(i) texelFetch(scratch_texels, int(i)).x
#else
layout(binding = 0) readonly buffer Scratch { float s[]; };
#define READ_SCRATCH(i) s[i]
#endif
layout(binding = 1) readonly buffer Bias { ELEM bias[]; };  // scratch again when there is no bias
layout(binding = 2) buffer Y { ELEM y[]; };

void main() {
  const uint t = gl_GlobalInvocationID.x, co = gl_WorkGroupID.y;
  if (t >= p.tiles) return;
  const uvec3 o = tile_origin(p.tile0 + t);
  const uint plane = p.chunk * p.cout_stride;

  float r[6][4];  // r[i] = A^T applied along row i of M
  [[unroll]] for (uint i = 0; i < IT; ++i) {
    float row[6];
    [[unroll]] for (uint j = 0; j < 6; ++j)
      row[j] = j < IT ? READ_SCRATCH(p.m_off + (i * IT + j) * plane + t * p.cout_stride + co) : 0.0;
    r[i] = output_line(row);
  }
  const float b = HAS_BIAS ? float(bias[co]) : 0.0;
  const uint base = (o.x * p.cout + co) * p.oh * p.ow;
  [[unroll]] for (uint j = 0; j < OT; ++j) {
    float col[6];
    [[unroll]] for (uint i = 0; i < 6; ++i) col[i] = i < IT ? r[i][j] : 0.0;
    const float[4] v = output_line(col);
    const uint ox = o.z + j;
    [[unroll]] for (uint i = 0; i < OT; ++i) {
      const uint oy = o.y + i;
      if (oy >= p.oh || ox >= p.ow) continue;
      const uint at = base + oy * p.ow + ox;
      if (ACCUMULATE)
        y[at] = ELEM(float(y[at]) + v[i]);
      else
        y[at] = ELEM(activate(ACT, v[i] + b, p.slope));
    }
  }
}
