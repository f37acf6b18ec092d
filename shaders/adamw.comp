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
layout(binding = 0) buffer Param { float param[]; };
layout(binding = 1) readonly buffer Grad { float grad[]; };
layout(binding = 2) buffer ExpAvg { float m[]; };
layout(binding = 3) buffer ExpAvgSq { float v[]; };
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
  if (i >= p.count) return;
  float g = grad[i];
  float mi = m[i] + (g - m[i]) * (1.0 - p.beta1);
  float vi = p.beta2 * v[i] + (1.0 - p.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  float w = param[i] * p.decay;
  param[i] = w - p.step_size * (mi / (sqrt(vi) / p.sqrt_bc2 + p.eps));
}
