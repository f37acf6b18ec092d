#version 450
#extension GL_GOOGLE_include_directive : require
// y = x converted between 32-bit and 16-bit floats (round to nearest even; beyond 65504 the
// 16-bit value is infinite). Where a plan stores a layer's tensors as fp16 and its neighbour's
// as fp32 (engine/layers/cast.h). TO_FP16 picks the direction.
#extension GL_EXT_shader_16bit_storage : require
#include "common.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(constant_id = 0) const bool TO_FP16 = true;
layout(binding = 0) readonly buffer X32 { float x32[]; };
layout(binding = 0) readonly buffer X16 { float16_t x16[]; };  // the same memory
layout(binding = 1) writeonly buffer Y32 { float y32[]; };
layout(binding = 1) writeonly buffer Y16 { float16_t y16[]; };  // the same memory
layout(push_constant) uniform Push { uint count; } p;

void main() {
  uint i = flat_index();
  if (i >= p.count) return;
  if (TO_FP16)
    y16[i] = float16_t(x32[i]);
  else
    y32[i] = float(x16[i]);
}
