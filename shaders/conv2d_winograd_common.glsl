// Shared by the conv2d_winograd*.comp shaders: a 3x3 stride-1 convolution in Winograd's
// F(m x m, 3 x 3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2015).
// Each m x m block of outputs ("tile") is computed from an a x a block of input, a = m + 2,
// as Y = A^T [ (G g G^T) .* (B^T d B) ] A: the a*a elementwise products, summed over input
// channels, are a*a independent GEMMs (conv2d_winograd_gemm.comp) that need
// 9m^2 / a^2 times fewer multiplies than the direct convolution: 2.25x for m = 2, 4x for m = 4.
// The same shaders serve the input gradient of training (a convolution of dy with the
// transposed, rotated kernel), through FLIP and ACCUMULATE.
// Values must match engine/layers/conv2d_winograd.cpp. Constant ids start at 6, after the GEMM
// core's 0..5 (shaders/conv2d_gemm.glsl).
#include "fast_div.glsl"
layout(constant_id = 6) const uint OT = 2;              // output tile side m: 2 or 4
layout(constant_id = 7) const uint PH = 1;              // zero padding of the input
layout(constant_id = 8) const uint PW = 1;
layout(constant_id = 9) const uint ACT = ACT_NONE;      // output: fused activation
layout(constant_id = 10) const bool HAS_BIAS = false;   // output: add bias[cout]
layout(constant_id = 11) const bool ACCUMULATE = false; // output: y += instead of y =
layout(constant_id = 12) const bool FLIP = false;       // weight: use w[ci][co][2-i][2-j]

const uint IT = OT + 2;   // input tile side a
const uint POSITIONS = IT * IT;  // transform positions: 16 or 36

// Mirrors the push block of engine/layers/conv2d_winograd.cpp. Sizes are those of the
// convolution being run (for an input gradient: cin = the layer's cout and the other way
// round). Tiles are numbered over the whole batch; a dispatch handles tiles
// [tile0, tile0 + tiles), so that the scratch holds one chunk of V and M at a time.
// Per transform position: U (cin, cout) rows of output channels, V (chunk, cin) and
// M (chunk, cout) rows of one tile each. Rows start on 16-byte boundaries, so that a GEMM may
// read them as vec4s; the padding at the end of a row is never written and never used.
layout(push_constant) uniform Push {
  uint batch, cin, h, w;      // x: (batch, cin, h, w)
  uint cout, oh, ow;          // y: (batch, cout, oh, ow)
  uint tiles_w, tiles_img;    // tiles per output row, per image
  uint tile0, tiles;          // this chunk
  uint u_off, v_off, m_off;   // where U, V and M start in the scratch buffer (floats)
  uint cin_stride;            // V's row length: cin rounded up to 4
  uint cout_stride;           // U's and M's row length: cout rounded up to 4
  uint chunk;                 // tiles V and M have room for (rows per transform position)
  uint div_img_mul, div_img_shift, div_tw_mul, div_tw_shift;  // n / tiles_img, n / tiles_w
  float slope;                // leaky_relu's negative slope
} p;

// Tile -> (image, first output row, first output column).
uvec3 tile_origin(uint tile) {
  const uint img = fast_div(tile, p.div_img_mul, p.div_img_shift), r = tile - img * p.tiles_img;
  const uint ty = fast_div(r, p.div_tw_mul, p.div_tw_shift), tx = r - ty * p.tiles_w;
  return uvec3(img, ty * OT, tx * OT);
}

// The three 1-D transforms, applied along rows and then columns. Written out rather than as
// matrix products so that no multiply by 0 or 1 is left to the compiler. F(4,3) uses the
// points 0, +-1, +-2 and infinity; its G carries the 1/4, 1/6, 1/24 factors.
// B^T d: a inputs -> a transformed values.
float[6] input_line(float d[6]) {
  float o[6];
  if (OT == 2) {
    o[0] = d[0] - d[2];
    o[1] = d[1] + d[2];
    o[2] = d[2] - d[1];
    o[3] = d[1] - d[3];
    o[4] = 0.0;
    o[5] = 0.0;
  } else {
    o[0] = fma(4.0, d[0], fma(-5.0, d[2], d[4]));
    o[1] = fma(-4.0, d[1] + d[2], d[3] + d[4]);
    o[2] = fma(4.0, d[1] - d[2], d[4] - d[3]);
    o[3] = fma(2.0, d[3] - d[1], d[4] - d[2]);
    o[4] = fma(2.0, d[1] - d[3], d[4] - d[2]);
    o[5] = fma(4.0, d[1], fma(-5.0, d[3], d[5]));
  }
  return o;
}
// G g: 3 weights -> a transformed values.
float[6] weight_line(float g[3]) {
  float o[6];
  if (OT == 2) {
    o[0] = g[0];
    o[1] = 0.5 * (g[0] + g[1] + g[2]);
    o[2] = 0.5 * (g[0] - g[1] + g[2]);
    o[3] = g[2];
    o[4] = 0.0;
    o[5] = 0.0;
  } else {
    o[0] = 0.25 * g[0];
    o[1] = (-1.0 / 6.0) * (g[0] + g[1] + g[2]);
    o[2] = (-1.0 / 6.0) * (g[0] - g[1] + g[2]);
    o[3] = fma(1.0 / 24.0, g[0], fma(1.0 / 12.0, g[1], (1.0 / 6.0) * g[2]));
    o[4] = fma(1.0 / 24.0, g[0], fma(-1.0 / 12.0, g[1], (1.0 / 6.0) * g[2]));
    o[5] = g[2];
  }
  return o;
}
// A^T m: a products -> m outputs.
float[4] output_line(float v[6]) {
  float o[4];
  if (OT == 2) {
    o[0] = v[0] + v[1] + v[2];
    o[1] = v[1] - v[2] - v[3];
    o[2] = 0.0;
    o[3] = 0.0;
  } else {
    const float s = v[1] + v[2], d = v[1] - v[2], s2 = v[3] + v[4], d2 = v[3] - v[4];
    o[0] = v[0] + s + s2;
    o[1] = fma(2.0, d2, d);
    o[2] = fma(4.0, s2, s);
    o[3] = fma(8.0, d2, d) + v[5];
  }
  return o;
}
