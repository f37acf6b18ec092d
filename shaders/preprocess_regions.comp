#version 450
#extension GL_GOOGLE_include_directive : require
// Frame bytes -> one normalised model input image per region (crop) of the frame, all regions
// in one dispatch (z = region). Each region is preprocessed exactly as preprocess.comp does a
// whole frame, with the region's rectangle in place of the frame (engine/include/vkcnn/preprocess.h).
// frame: the frame's bytes read as little-endian uint words.
// dst:   (N, C, H, W) floats; region z writes image z.
// items: per region, its rectangle and the destination -> source mapping (host-written per frame).
layout(local_size_x = 16, local_size_y = 16) in;

layout(constant_id = 0) const uint FORMAT = 0;  // PixelFormat, as in preprocess.comp
layout(constant_id = 1) const uint COLOR = 1;   // ColorOrder of the model input: 0 gray, 1 RGB, 2 BGR

struct Item {
  int box_x0, box_y0, box_x1, box_y1;      // destination pixels that see the region (rest: black)
  float scale_x, base_x, scale_y, base_y;  // source coordinate in the region = dst * scale + base
  uint crop_x, crop_y, crop_w, crop_h;     // the region in frame pixels
};

layout(binding = 0) readonly buffer Frame { uint frame[]; };
layout(binding = 1) writeonly buffer Dst { float dst[]; };
layout(binding = 2) readonly buffer Items { Item items[]; };

layout(push_constant) uniform Push {
  uint stride0, stride1, stride2;  // bytes per row of each plane
  uint offset0, offset1, offset2;  // byte offset of each plane
  uint dst_w, dst_h, count;        // count: regions in items
  float mul0, mul1, mul2, add0, add1, add2;  // value = pixel * mul + add, per output channel
} p;

#include "preprocess_pixels.glsl"

void main() {
  uint x = gl_GlobalInvocationID.x, y = gl_GlobalInvocationID.y, z = gl_GlobalInvocationID.z;
  if (x >= p.dst_w || y >= p.dst_h || z >= p.count) return;
  Item it = items[z];
  vec3 pixel = vec3(0.0);
  if (int(x) >= it.box_x0 && int(x) < it.box_x1 && int(y) >= it.box_y0 && int(y) < it.box_y1)
    pixel = sample_bilinear(float(x) * it.scale_x + it.base_x, float(y) * it.scale_y + it.base_y, it.crop_x,
                            it.crop_y, it.crop_w, it.crop_h);
  uint plane = p.dst_w * p.dst_h;
  uint i = z * plane * (COLOR == 0u ? 1u : 3u) + y * p.dst_w + x;
  dst[i] = pixel.x * p.mul0 + p.add0;
  if (COLOR != 0u) {
    dst[i + plane] = pixel.y * p.mul1 + p.add1;
    dst[i + 2u * plane] = pixel.z * p.mul2 + p.add2;
  }
}
