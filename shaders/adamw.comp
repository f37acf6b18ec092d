#version 450
#extension GL_GOOGLE_include_directive : require
// One AdamW step as torch.optim.AdamW defines it, over one parameter tensor:
//   param *= 1 - lr * weight_decay                    (decoupled weight decay)
//   m = lerp(m, grad, 1 - beta1);  v = beta2 * v + (1 - beta2) * grad^2
//   param -= step_size * m / (sqrt(v) / sqrt_bc2 + eps)
// with step_size = lr / (1 - beta1^t) and sqrt_bc2 = sqrt(1 - beta2^t) computed on the host.
// param, grad, m, v: `count` floats.
#include "common.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(constant_id = 0) const bool VEC4 = false;  // count % 4 == 0: four floats an invocation
layout(binding = 0) buffer Param { float param[]; };
layout(binding = 1) readonly buffer Grad { float grad[]; };
layout(binding = 2) buffer ExpAvg { float m[]; };
layout(binding = 3) buffer ExpAvgSq { float v[]; };
// The same memory as vec4s: one load or store a lane for four floats (lavapipe loops over the
// lanes for each).
layout(binding = 0) buffer Param4 { vec4 param4[]; };
layout(binding = 1) readonly buffer Grad4 { vec4 grad4[]; };
layout(binding = 2) buffer ExpAvg4 { vec4 m4[]; };
layout(binding = 3) buffer ExpAvgSq4 { vec4 v4[]; };
layout(push_constant) uniform Push {
  uint count;
  float decay;      // 1 - lr * weight_decay
  float beta1;
  float beta2;
  float eps;
  float step_size;
  float sqrt_bc2;
} p;

void main() {
  uint i = flat_index();
  if (VEC4) {
    if (i >= p.count / 4) return;
    const vec4 g = grad4[i];
    const vec4 mi = m4[i] + (g - m4[i]) * (1.0 - p.beta1);
    const vec4 vi = p.beta2 * v4[i] + (1.0 - p.beta2) * g * g;
    m4[i] = mi;
    v4[i] = vi;
    param4[i] = param4[i] * p.decay - p.step_size * (mi / (sqrt(vi) / p.sqrt_bc2 + p.eps));
    return;
  }
  if (i >= p.count) return;
  float g = grad[i];
  float mi = m[i] + (g - m[i]) * (1.0 - p.beta1);
  float vi = p.beta2 * v[i] + (1.0 - p.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  float w = param[i] * p.decay;
  param[i] = w - p.step_size * (mi / (sqrt(vi) / p.sqrt_bc2 + p.eps));
}
