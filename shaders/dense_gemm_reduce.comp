#version 450
#extension GL_GOOGLE_include_directive : require
// The second half of a split-K dense_gemm: C[i, j] = act(sum_z partial[z, i, j] + bias[j]), or
// C[i, j] += sum_z partial[z, i, j]. One invocation per element of C.
#include "common.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(constant_id = 0) const uint ACCUMULATE = 0;
layout(constant_id = 1) const uint HAS_BIAS = 0;
layout(constant_id = 2) const uint ACT = ACT_NONE;
layout(binding = 0) readonly buffer Partial { float partial[]; };  // [splits, I, J]
layout(binding = 1) readonly buffer Bias { float bias[]; };        // [J], read only when HAS_BIAS
layout(binding = 2) buffer C_ { float c[]; };                      // [I, J]
layout(push_constant) uniform Push { uint count, J, splits; float slope; } p;  // count = I * J

void main() {
  uint e = flat_index();
  if (e >= p.count) return;
  float s = 0.0;
  for (uint z = 0; z < p.splits; ++z) s += partial[z * p.count + e];
  if (ACCUMULATE != 0) {
    c[e] += s;
  } else {
    c[e] = activate(ACT, s + (HAS_BIAS != 0 ? bias[e % p.J] : 0.0), p.slope);
  }
}
