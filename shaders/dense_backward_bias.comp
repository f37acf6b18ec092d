#version 450
#extension GL_GOOGLE_include_directive : require
// db[m] += sum_n dy[n, m]: one invocation per output feature, walking the batch; neighbouring
// invocations read neighbouring words of each row of dy.
#include "common.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(binding = 0) readonly buffer DY { float dy[]; };  // [N, M]
layout(binding = 1) buffer DB { float db[]; };           // [M]
layout(push_constant) uniform Push { uint N, M; } p;

void main() {
  uint m = flat_index();
  if (m >= p.M) return;
  float s = 0.0;
  for (uint n = 0; n < p.N; ++n) s += dy[n * p.M + m];
  db[m] += s;
}
