#version 450
#extension GL_GOOGLE_include_directive : require
// y = (x - mean[c]) * inv_std[c] * weight[c] + bias[c], elementwise over (N, C, H, W).
// Training: mean and inv_std are this batch's, from batchnorm2d_stats.comp (stats = [mean[C], inv_std[C]]).
// Inference: mean = running_mean, inv_std = 1 / sqrt(running_var + eps).
#include "precision.glsl"
#include "common.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(constant_id = 0) const uint TRAINING = 0;
layout(binding = 0) readonly buffer X { ELEM x[]; };             // (N, C, H, W)
layout(binding = 1) writeonly buffer Y { ELEM y[]; };            // (N, C, H, W)
layout(binding = 2) readonly buffer Weight { ELEM weight[]; };   // [C]
layout(binding = 3) readonly buffer Bias { ELEM bias[]; };       // [C]
// The _fp16 variant runs only at inference, where these are running_mean and running_var.
layout(binding = 4) readonly buffer Mean { ELEM mean_src[]; };  // running_mean [C], or stats [2C]
layout(binding = 5) readonly buffer Var { ELEM var_src[]; };    // running_var [C], or stats [2C]
layout(push_constant) uniform Push { uint count, C, S; float eps; } p;

void main() {
  uint i = flat_index();
  if (i >= p.count) return;
  uint c = (i / p.S) % p.C;
  float mean = float(mean_src[c]);
  float inv_std = TRAINING != 0 ? float(var_src[p.C + c]) : 1.0 / sqrt(float(var_src[c]) + p.eps);
  y[i] = ELEM((float(x[i]) - mean) * (inv_std * float(weight[c])) + float(bias[c]));
}
