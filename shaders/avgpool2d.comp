#version 450
#extension GL_GOOGLE_include_directive : require
// y = mean of x over each window (see avgpool2d.glsl for the divisor).
// x (N, C, H, W), y (N, C, OH, OW).
#include "precision.glsl"
#include "common.glsl"
#include "pool2d.glsl"
#include "avgpool2d.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(binding = 0) readonly buffer X { ELEM x[]; };
layout(binding = 1) writeonly buffer Y { ELEM y[]; };

void main() {
  uint o = flat_index();
  if (o >= p.out_count) return;
  const uvec3 at_out = output_position(o);
  const uint plane = at_out.x, oh = at_out.y, ow = at_out.z;
  AvgWindow win = avg_window(oh, ow);
  uint base = plane * p.h * p.w;

  float sum = 0.0;
  for (int ih = win.begin.x; ih < win.end.x; ++ih)
    for (int iw = win.begin.y; iw < win.end.y; ++iw) sum += float(x[base + uint(ih) * p.w + uint(iw)]);
  // A window of padding only (possible with ceil_mode) averages to 0, as in PyTorch.
  y[o] = ELEM((win.begin.x < win.end.x && win.begin.y < win.end.y) ? sum / win.divisor : 0.0);
}
