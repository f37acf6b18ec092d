#version 450
#extension GL_GOOGLE_include_directive : require
// One SGD step as torch.optim.SGD defines it (dampening 0), over one parameter tensor:
//   d = grad + weight_decay * param                 (L2 weight decay, added to the gradient)
//   buf = momentum * buf + d;  d = nesterov ? d + momentum * buf : buf   (when MOMENTUM)
//   param -= lr * d
// A zeroed buf makes the first step buf = d, which is PyTorch's first-step rule.
// param, grad, buf: `count` floats.
#include "common.glsl"
layout(local_size_x = ELEMENTWISE_LOCAL_SIZE) in;
layout(constant_id = 0) const uint MOMENTUM = 1;
layout(constant_id = 1) const uint NESTEROV = 0;
layout(binding = 0) buffer Param { float param[]; };
layout(binding = 1) readonly buffer Grad { float grad[]; };
layout(binding = 2) buffer Buf { float buf[]; };  // unused without MOMENTUM
layout(push_constant) uniform Push { uint count; float lr; float momentum; float weight_decay; } p;

void main() {
  uint i = flat_index();
  if (i >= p.count) return;
  float w = param[i];
  float d = grad[i] + p.weight_decay * w;
  if (MOMENTUM != 0u) {
    float b = p.momentum * buf[i] + d;
    buf[i] = b;
    d = NESTEROV != 0u ? d + p.momentum * b : b;
  }
  param[i] = w - p.lr * d;
}
