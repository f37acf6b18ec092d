#version 450
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

uint byte_at(uint a) { return (frame[a >> 2] >> ((a & 3u) * 8u)) & 0xffu; }

// BT.601 limited range (Y 16..235, chroma 16..240), as GStreamer's videoconvert for SD.
vec3 yuv_to_rgb(float y, float u, float v) {
  float c = 1.1643836 * (y - 16.0);
  u -= 128.0;
  v -= 128.0;
  vec3 rgb = vec3(c + 1.596027 * v, c - 0.391762 * u - 0.812968 * v, c + 2.017232 * u);
  return clamp(rgb, 0.0, 255.0);
}

// The source pixel (x, y) as RGB in [0, 255]; x, y inside the frame.
vec3 rgb_at(uint x, uint y) {
  if (FORMAT <= 5u) {
    uint bpp = FORMAT <= 1u ? 3u : 4u;
    uint a = p.offset0 + y * p.stride0 + x * bpp;
    vec3 c = vec3(byte_at(a), byte_at(a + 1u), byte_at(a + 2u));
    bool red_first = FORMAT == 0u || FORMAT == 2u || FORMAT == 4u;
    return red_first ? c : c.bgr;
  }
  if (FORMAT == 6u) return vec3(byte_at(p.offset0 + y * p.stride0 + x));
  float luma = float(byte_at(p.offset0 + y * p.stride0 + x));
  uint cx = x >> 1, cy = y >> 1;
  float u, v;
  if (FORMAT == 7u) {
    uint a = p.offset1 + cy * p.stride1 + cx * 2u;
    u = float(byte_at(a));
    v = float(byte_at(a + 1u));
  } else {
    u = float(byte_at(p.offset1 + cy * p.stride1 + cx));
    v = float(byte_at(p.offset2 + cy * p.stride2 + cx));
  }
  return yuv_to_rgb(luma, u, v);
}

// What the model's channels see of one source pixel: (gray, -, -), (R, G, B) or (B, G, R).
vec3 model_pixel(uint x, uint y) {
  vec3 c = rgb_at(x, y);
  if (COLOR == 0u) return vec3(FORMAT == 6u ? c.r : dot(c, vec3(0.299, 0.587, 0.114)), 0.0, 0.0);
  return COLOR == 1u ? c : c.bgr;
}

void main() {
  uint x = gl_GlobalInvocationID.x, y = gl_GlobalInvocationID.y;
  if (x >= p.dst_w || y >= p.dst_h) return;
  vec3 pixel = vec3(0.0);  // letterbox border: black
  if (int(x) >= p.box_x0 && int(x) < p.box_x1 && int(y) >= p.box_y0 && int(y) < p.box_y1) {
    float fx = float(x) * p.scale_x + p.base_x, fy = float(y) * p.scale_y + p.base_y;
    float x0 = floor(fx), y0 = floor(fy);
    float wx = fx - x0, wy = fy - y0;
    int xmax = int(p.src_w) - 1, ymax = int(p.src_h) - 1;
    uint xa = uint(clamp(int(x0), 0, xmax)), xb = uint(clamp(int(x0) + 1, 0, xmax));
    uint ya = uint(clamp(int(y0), 0, ymax)), yb = uint(clamp(int(y0) + 1, 0, ymax));
    vec3 top = mix(model_pixel(xa, ya), model_pixel(xb, ya), wx);
    vec3 bottom = mix(model_pixel(xa, yb), model_pixel(xb, yb), wx);
    pixel = mix(top, bottom, wy);
  }
  uint plane = p.dst_w * p.dst_h;
  uint i = p.dst_base + y * p.dst_w + x;
  dst[i] = pixel.x * p.mul0 + p.add0;
  if (COLOR != 0u) {
    dst[i + plane] = pixel.y * p.mul1 + p.add1;
    dst[i + 2u * plane] = pixel.z * p.mul2 + p.add2;
  }
}
