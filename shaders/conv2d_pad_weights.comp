#version 450
#extension GL_GOOGLE_include_directive : require
// The weights as rows of K taps padded with zeros to a multiple of 4 (32-bit, in the layer's
// scratch), so that conv2d_subgroup.comp reads every row as vec4s (W_VEC4) where K is not a
// multiple of 4: ResNet's 7x7 stem on 3 channels (147 taps), refcnn's 3x3 on one (9). There a
// row costs one texel call per four taps instead of four. The copy, a few thousand floats, is
// made once when an inference plan is prepared and before every forward pass in training.
// w: (rows, k) as float texels (16-bit ones widen)   padded: (rows, k_padded)
#include "common.glsl"
#include "fast_div.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(binding = 0) uniform samplerBuffer W;
layout(binding = 1) writeonly buffer Padded { float padded[]; };
layout(push_constant) uniform Push {
  uint count;               // rows * k_padded
  uint k, k_padded;
  uint div_mul, div_shift;  // fast_div by k_padded
} p;

void main() {
  const uint i = flat_index();
  if (i >= p.count) return;
  const uint row = fast_div(i, p.div_mul, p.div_shift), t = i - row * p.k_padded;
  padded[i] = t < p.k ? texelFetch(W, int(row * p.k + t)).x : 0.0;
}
