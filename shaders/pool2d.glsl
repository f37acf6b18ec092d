// Shared by maxpool2d*.comp and avgpool2d*.comp. The window geometry is fixed per layer
// (specialization constants, so the window loops unroll); the sizes change with the batch
// (push constants). Matches PoolGeometry::spec_constants() and PoolPush in engine/layers/pool2d.h.
layout(constant_id = 0) const int KH = 2;
layout(constant_id = 1) const int KW = 2;
layout(constant_id = 2) const int SH = 2;
layout(constant_id = 3) const int SW = 2;
layout(constant_id = 4) const int PH = 0;
layout(constant_id = 5) const int PW = 0;
layout(constant_id = 6) const int DH = 1;
layout(constant_id = 7) const int DW = 1;

#include "fast_div.glsl"
layout(push_constant) uniform Push {
  uint in_count;   // N*C*H*W
  uint out_count;  // N*C*OH*OW
  uint h, w, oh, ow;
  // fast_div pairs for w, h, ow and oh: a flat index splits into (plane, row, column) without
  // the integer divides that lavapipe scalarises (10-25 % of a pool's time there).
  uint div_w_mul, div_w_shift, div_h_mul, div_h_shift;
  uint div_ow_mul, div_ow_shift, div_oh_mul, div_oh_shift;
} p;

// (plane, oh, ow) of output index o; (plane, ih, iw) of input index i.
uvec3 output_position(uint o) {
  const uint row = fast_div(o, p.div_ow_mul, p.div_ow_shift), plane = fast_div(row, p.div_oh_mul, p.div_oh_shift);
  return uvec3(plane, row - plane * p.oh, o - row * p.ow);
}
uvec3 input_position(uint i) {
  const uint row = fast_div(i, p.div_w_mul, p.div_w_shift), plane = fast_div(row, p.div_h_mul, p.div_h_shift);
  return uvec3(plane, row - plane * p.h, i - row * p.w);
}

// Output row (or column) whose window holds input row `i` at its tap `k`, or -1 if none:
// i = o*S - P + k*D  <=>  o = (i + P - k*D) / S when that divides exactly.
int window_of(int i, int k, int S, int P, int D, uint out_extent) {
  int t = i + P - k * D;
  if (t < 0 || t % S != 0) return -1;
  int o = t / S;
  return o < int(out_extent) ? o : -1;
}
