// The window of output (oh, ow) in avgpool2d*.comp, by PyTorch's rule: the divisor counts
// padding cells (count_include_pad) but not cells past the padding that ceil_mode adds.
// Needs pool2d.glsl.
layout(constant_id = 8) const bool COUNT_INCLUDE_PAD = true;

struct AvgWindow {
  ivec2 begin, end;  // clipped to the input: [begin, end)
  float divisor;
};

AvgWindow avg_window(uint oh, uint ow) {
  ivec2 b = ivec2(int(oh) * SH - PH, int(ow) * SW - PW);
  ivec2 e = min(b + ivec2(KH, KW), ivec2(p.h, p.w) + ivec2(PH, PW));
  int padded = (e.x - b.x) * (e.y - b.y);
  AvgWindow win;
  win.begin = max(b, ivec2(0));
  win.end = min(e, ivec2(p.h, p.w));
  win.divisor = float(COUNT_INCLUDE_PAD ? padded : (win.end.x - win.begin.x) * (win.end.y - win.begin.y));
  return win;
}
