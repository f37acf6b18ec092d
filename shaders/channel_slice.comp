#version 450
#extension GL_GOOGLE_include_directive : require
// Channels [start, start + out_channels) of the input (ONNX Slice or Split on axis 1; PyTorch's
// x[:, a:b] and chunk): y[n][c] = x[n][start + c].
// x: (N, in_channels, H, W)   y: (N, out_channels, H, W)
#include "common.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(binding = 0) readonly buffer X { float x[]; };
layout(binding = 1) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Push { uint count; uint plane; uint in_channels; uint out_channels; uint start; } p;

void main() {
  const uint i = flat_index();
  if (i >= p.count) return;
  const uint per_image = p.out_channels * p.plane, n = i / per_image, r = i - n * per_image;
  y[i] = x[n * p.in_channels * p.plane + p.start * p.plane + r];
}
