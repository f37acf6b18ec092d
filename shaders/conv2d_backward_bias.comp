#version 450
#extension GL_GOOGLE_include_directive : require
// db[co] += sum of dy over every image and pixel of channel co: one workgroup per channel,
// a strided sum per invocation over all (image, pixel) pairs, then a tree in shared memory
// (subgroup-size agnostic). Where VEC4 (oh*ow a multiple of 4, so a vec4 never spans two
// planes) each invocation reads four pixels at once: on lavapipe one texel call (or one vector
// load) instead of four. 64 invocations, not 256: lavapipe runs a workgroup's subgroups one
// after another and switches between them at every barrier, so the tree's barriers cost by
// the subgroup; with the (image, pixel) pairs shared out, 64 still keep every lane busy.
// dy: (batch, cout, oh, ow)   db: (cout)
#include "common.glsl"
#include "conv2d_common.glsl"
#include "texel_inputs.glsl"
const uint LOCAL = 64;
layout(local_size_x = LOCAL) in;
layout(constant_id = 17) const bool VEC4 = false;
FLOAT_INPUT(0, dy)
layout(binding = 1) buffer DB { float db[]; };
shared float partial_sums[LOCAL];

void main() {
  const uint co = gl_WorkGroupID.x, tid = gl_LocalInvocationID.x;
  const uint per_plane = VEC4 ? p.oh * p.ow / 4 : p.oh * p.ow;  // vec4s or floats of one (image, channel)
  vec4 sum4 = vec4(0.0);
  float sum = 0.0;
  // Pair t = img * per_plane + i, walked with img and i kept up to date (no divide a step).
  uint img = 0, i = tid;
  while (i >= per_plane) {
    i -= per_plane;
    ++img;
  }
  for (; img < p.batch;) {
    const uint at = (img * p.cout + co) * per_plane + i;
    if (VEC4)
      sum4 += READ4(dy, at);
    else
      sum += READ(dy, at);
    i += LOCAL;
    while (i >= per_plane) {
      i -= per_plane;
      ++img;
    }
  }
  partial_sums[tid] = sum + (sum4.x + sum4.y) + (sum4.z + sum4.w);
  barrier();
  for (uint half_size = LOCAL / 2; half_size > 0; half_size /= 2) {
    if (tid < half_size) partial_sums[tid] += partial_sums[tid + half_size];
    barrier();
  }
  if (tid == 0) db[co] += partial_sums[0];
}
