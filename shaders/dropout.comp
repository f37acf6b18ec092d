#version 450
#extension GL_GOOGLE_include_directive : require
// Forward (ACCUMULATE false): y = x * mask * scale. Backward (ACCUMULATE true): dx += dy * mask
// * scale. One shader for both so that the mask cannot differ between them.
// mask = hash(seed, i) >= threshold, threshold = round(p * 2^32), scale = 1 / (1 - p).
// in, out: any shape, `count` elements.
#include "common.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(constant_id = 0) const bool ACCUMULATE = false;
layout(binding = 0) readonly buffer In { float src[]; };
layout(binding = 1) buffer Out { float dst[]; };
layout(push_constant) uniform Push { uint count; uint seed; uint threshold; float scale; } p;

// Chris Wellons' "lowbias32" integer hash: every output bit depends on every input bit.
uint mix32(uint v) {
  v ^= v >> 16;
  v *= 0x7feb352du;
  v ^= v >> 15;
  v *= 0x846ca68bu;
  v ^= v >> 16;
  return v;
}

// Stateless per element: the key mixes the seed first so that seeds s and s+1 give unrelated
// masks rather than shifted copies; the reference (tests/reference/dropout.cpp) does the same.
uint dropout_hash(uint seed, uint i) {
  uint key = mix32(seed ^ 0x9e3779b9u);
  return mix32(mix32(i ^ key) + key);
}

void main() {
  uint i = flat_index();
  if (i >= p.count) return;
  float v = dropout_hash(p.seed, i) >= p.threshold ? src[i] * p.scale : 0.0;
  if (ACCUMULATE) dst[i] += v;
  else dst[i] = v;
}
