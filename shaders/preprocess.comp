#version 450
#extension GL_GOOGLE_include_directive : require
// Frame bytes -> one normalised model input image (C, H, W); engine/include/vkcnn/preprocess.h states the
// exact semantics (geometry, bilinear sampling, color conversion, normalisation).
// frame: the frame's bytes read as little-endian uint words (no 8-bit storage needed).
// dst:   (N, C, H, W) floats; this dispatch writes image p.dst_base / (C*H*W).
layout(local_size_x = 16, local_size_y = 16) in;

// PixelFormat (engine/include/vkcnn/preprocess.h): 0 RGB, 1 BGR, 2 RGBA, 3 BGRA, 4 RGBx, 5 BGRx, 6 GRAY8,
// 7 NV12, 8 I420.
layout(constant_id = 0) const uint FORMAT = 0;
// ColorOrder of the model input: 0 gray, 1 RGB, 2 BGR.
layout(constant_id = 1) const uint COLOR = 1;

layout(binding = 0) readonly buffer Frame { uint frame[]; };
layout(binding = 1) writeonly buffer Dst { float dst[]; };

layout(push_constant) uniform Push {
  uint src_w, src_h;
  uint stride0, stride1, stride2;  // bytes per row of each plane
  uint offset0, offset1, offset2;  // byte offset of each plane
  uint dst_w, dst_h, dst_base;     // dst_base: first element of the image in dst
  int box_x0, box_y0, box_x1, box_y1;  // destination pixels that see the frame (rest: black)
  float scale_x, base_x, scale_y, base_y;  // source coordinate = dst * scale + base
  float mul0, mul1, mul2, add0, add1, add2;  // value = pixel * mul + add, per output channel
} p;

#include "preprocess_pixels.glsl"

void main() {
  uint x = gl_GlobalInvocationID.x, y = gl_GlobalInvocationID.y;
  if (x >= p.dst_w || y >= p.dst_h) return;
  vec3 pixel = vec3(0.0);  // letterbox border: black
  if (int(x) >= p.box_x0 && int(x) < p.box_x1 && int(y) >= p.box_y0 && int(y) < p.box_y1)
    pixel = sample_bilinear(float(x) * p.scale_x + p.base_x, float(y) * p.scale_y + p.base_y, 0u, 0u, p.src_w, p.src_h);
  uint plane = p.dst_w * p.dst_h;
  uint i = p.dst_base + y * p.dst_w + x;
  dst[i] = pixel.x * p.mul0 + p.add0;
  if (COLOR != 0u) {
    dst[i + plane] = pixel.y * p.mul1 + p.add1;
    dst[i + 2u * plane] = pixel.z * p.mul2 + p.add2;
  }
}
