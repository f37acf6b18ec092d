#version 450
#extension GL_GOOGLE_include_directive : require
// y = (x - mean[c]) * inv_std[c] * weight[c] + bias[c], elementwise over (N, C, H, W).
// Training: mean and inv_std are this batch's, from batchnorm2d_stats.comp (stats = [mean[C], inv_std[C]]).
// Inference: mean = running_mean, inv_std = 1 / sqrt(running_var + eps).
#include "common.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(constant_id = 0) const uint TRAINING = 0;
layout(binding = 0) readonly buffer X { float x[]; };             // (N, C, H, W)
layout(binding = 1) writeonly buffer Y { float y[]; };            // (N, C, H, W)
layout(binding = 2) readonly buffer Weight { float weight[]; };   // [C]
layout(binding = 3) readonly buffer Bias { float bias[]; };       // [C]
layout(binding = 4) readonly buffer Mean { float mean_src[]; };   // running_mean [C], or stats [2C]
layout(binding = 5) readonly buffer Var { float var_src[]; };     // running_var [C], or stats [2C]
layout(push_constant) uniform Push { uint count, C, S; float eps; } p;

void main() {
  uint i = flat_index();
  if (i >= p.count) return;
  uint c = (i / p.S) % p.C;
  float mean = mean_src[c];
  float inv_std = TRAINING != 0 ? var_src[p.C + c] : 1.0 / sqrt(var_src[c] + p.eps);
  y[i] = (x[i] - mean) * (inv_std * weight[c]) + bias[c];
}
