#version 450
#extension GL_GOOGLE_include_directive : require
// db[co] += sum of dy over every image and pixel of channel co: one workgroup per channel,
// a strided sum per invocation, then a tree in shared memory (subgroup-size agnostic).
// dy: (batch, cout, oh, ow)   db: (cout)
#include "common.glsl"
#include "conv2d_common.glsl"
layout(local_size_x = 256) in;
layout(binding = 0) readonly buffer DY { float dy[]; };
layout(binding = 1) buffer DB { float db[]; };
shared float partial_sums[256];

void main() {
  const uint co = gl_WorkGroupID.x, tid = gl_LocalInvocationID.x;
  const uint OHW = p.oh * p.ow;
  float sum = 0.0;
  for (uint img = 0; img < p.batch; ++img) {
    const uint base = (img * p.cout + co) * OHW;
    for (uint i = tid; i < OHW; i += 256) sum += dy[base + i];
  }
  partial_sums[tid] = sum;
  barrier();
  for (uint half_size = 128; half_size > 0; half_size /= 2) {
    if (tid < half_size) partial_sums[tid] += partial_sums[tid + half_size];
    barrier();
  }
  if (tid == 0) db[co] += partial_sums[0];
}
