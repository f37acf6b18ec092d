#version 450
#extension GL_GOOGLE_include_directive : require
// For y = a * b with one b per (image, channel) plane: db[plane] += sum over the plane of
// dy * a. One workgroup per plane; its 64 invocations stride over the pixels and reduce in
// shared memory.
layout(local_size_x = 64) in;
layout(binding = 0) readonly buffer A { float a[]; };
layout(binding = 1) readonly buffer DY { float dy[]; };
layout(binding = 2) buffer DB { float db[]; };
layout(push_constant) uniform Push { uint planes; uint plane; } p;
shared float partial[64];

void main() {
  const uint id = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x, t = gl_LocalInvocationID.x;
  const uint base = id * p.plane;
  float s = 0.0;
  if (id < p.planes)
    for (uint i = t; i < p.plane; i += 64) s += dy[base + i] * a[base + i];
  partial[t] = s;
  barrier();
  for (uint half_ = 32; half_ > 0; half_ /= 2) {
    if (t < half_) partial[t] += partial[t + half_];
    barrier();
  }
  if (t == 0 && id < p.planes) db[id] += partial[0];
}
