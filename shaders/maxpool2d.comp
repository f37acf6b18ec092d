#version 450
#extension GL_GOOGLE_include_directive : require
// y = max over each window, padding counting as -inf; ties go to the first maximum in window
// order and NaN wins, as in PyTorch. In training also argmax = h*W + w of the winner within
// its (n, c) plane (0xFFFFFFFF for a window that holds only padding).
// x (N, C, H, W), y and argmax (N, C, OH, OW).
#include "precision.glsl"
#include "common.glsl"
#include "texel_inputs.glsl"
#include "pool2d.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(constant_id = 8) const bool STORE_ARGMAX = false;
FLOAT_INPUT(0, x)
layout(binding = 1) writeonly buffer Y { ELEM y[]; };
layout(binding = 2) writeonly buffer Argmax { uint argmax[]; };

void main() {
  uint o = flat_index();
  if (o >= p.out_count) return;
  const uvec3 at_out = output_position(o);
  const uint plane = at_out.x, oh = at_out.y, ow = at_out.z;
  int h0 = int(oh) * SH - PH, w0 = int(ow) * SW - PW;
  uint base = plane * p.h * p.w;

  float best = uintBitsToFloat(0xff800000u);  // -inf
  uint best_at = 0xffffffffu;
  for (int kh = 0; kh < KH; ++kh) {
    int ih = h0 + kh * DH;
    if (ih < 0 || ih >= int(p.h)) continue;
    for (int kw = 0; kw < KW; ++kw) {
      int iw = w0 + kw * DW;
      if (iw < 0 || iw >= int(p.w)) continue;
      uint at = uint(ih) * p.w + uint(iw);
      float v = READ(x, base + at);
      if (v > best || isnan(v)) {
        best = v;
        best_at = at;
      }
    }
  }
  y[o] = ELEM(best);
  if (STORE_ARGMAX) argmax[o] = best_at;
}
