// Shared by preprocess.comp and preprocess_regions.comp: reading one source pixel of a frame as
// the model's channels, and bilinear sampling inside a rectangle of the frame. Include after the
// FORMAT and COLOR constants, the `frame` buffer and a push block `p` with src/plane fields
// stride0..2 and offset0..2.
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

// Bilinear sample at source coordinate (fx, fy), relative to the rectangle's corner (x0, y0) of
// size (w, h); neighbour indices are clamped to the rectangle's edge, so nothing outside it is read.
vec3 sample_bilinear(float fx, float fy, uint x0, uint y0, uint w, uint h) {
  float fx0 = floor(fx), fy0 = floor(fy);
  float wx = fx - fx0, wy = fy - fy0;
  int xmax = int(w) - 1, ymax = int(h) - 1;
  uint xa = x0 + uint(clamp(int(fx0), 0, xmax)), xb = x0 + uint(clamp(int(fx0) + 1, 0, xmax));
  uint ya = y0 + uint(clamp(int(fy0), 0, ymax)), yb = y0 + uint(clamp(int(fy0) + 1, 0, ymax));
  vec3 top = mix(model_pixel(xa, ya), model_pixel(xb, ya), wx);
  vec3 bottom = mix(model_pixel(xa, yb), model_pixel(xb, yb), wx);
  return mix(top, bottom, wy);
}
