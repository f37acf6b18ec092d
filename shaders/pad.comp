#version 450
#extension GL_GOOGLE_include_directive : require
// Constant padding of H and W, each side on its own (ONNX Pad, PyTorch's ConstantPad2d):
// y[n][c][oh][ow] = x[n][c][oh - top][ow - left] inside the input, `value` outside.
// x: (N, C, in_h, in_w)   y: (N, C, out_h, out_w), out_h = top + in_h + bottom
#include "common.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(binding = 0) readonly buffer X { float x[]; };
layout(binding = 1) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Push { uint count; uint in_h; uint in_w; uint out_h; uint out_w; uint top; uint left; float value; } p;

void main() {
  const uint i = flat_index();
  if (i >= p.count) return;
  const uint ow = i % p.out_w, oh = (i / p.out_w) % p.out_h, nc = i / (p.out_w * p.out_h);
  // Unsigned: a cell left of or above the input wraps past in_w / in_h and reads as outside.
  const uint ih = oh - p.top, iw = ow - p.left;
  y[i] = (ih < p.in_h && iw < p.in_w) ? x[(nc * p.in_h + ih) * p.in_w + iw] : p.value;
}
