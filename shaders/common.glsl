// Shared by the elementwise shaders: a flat index over a 2-D grid of 256-wide groups, so that
// tensors past 65535 * 256 elements still fit in one dispatch (see elementwise_groups()).
#define ELEMENTWISE_LOCAL_SIZE 256
uint flat_index() {
  return gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * ELEMENTWISE_LOCAL_SIZE;
}

// Activation kinds (ACT_NONE, ACT_RELU, ...), generated from engine/include/vkcnn/layers/activations.def.
#include "activations.glsl"

float activate(uint kind, float x, float slope) {
  if (kind == ACT_RELU) return max(x, 0.0);
  if (kind == ACT_RELU6) return clamp(x, 0.0, 6.0);
  if (kind == ACT_LEAKY_RELU) return x >= 0.0 ? x : x * slope;
  if (kind == ACT_SIGMOID) return 1.0 / (1.0 + exp(-x));
  // 1 - 2 / (e^2|x| + 1): finite for every x (GLSL's tanh may divide inf by inf).
  if (kind == ACT_TANH) return sign(x) * (1.0 - 2.0 / (exp(2.0 * abs(x)) + 1.0));
  if (kind == ACT_HARD_SIGMOID) return clamp(x / 6.0 + 0.5, 0.0, 1.0);
  if (kind == ACT_HARD_SWISH) return x * clamp(x / 6.0 + 0.5, 0.0, 1.0);
  if (kind == ACT_SILU) return x / (1.0 + exp(-x));
  return x;
}

// d act / d x, from the input x and the output y (sigmoid and tanh are cheaper from y).
float activation_derivative(uint kind, float x, float y, float slope) {
  if (kind == ACT_RELU) return x > 0.0 ? 1.0 : 0.0;
  if (kind == ACT_RELU6) return (x > 0.0 && x < 6.0) ? 1.0 : 0.0;
  if (kind == ACT_LEAKY_RELU) return x >= 0.0 ? 1.0 : slope;
  if (kind == ACT_SIGMOID) return y * (1.0 - y);
  if (kind == ACT_TANH) return 1.0 - y * y;
  if (kind == ACT_HARD_SIGMOID) return (x > -3.0 && x < 3.0) ? 1.0 / 6.0 : 0.0;
  if (kind == ACT_HARD_SWISH) return x <= -3.0 ? 0.0 : (x >= 3.0 ? 1.0 : (2.0 * x + 3.0) / 6.0);
  if (kind == ACT_SILU) {
    const float s = 1.0 / (1.0 + exp(-x));
    return s * (1.0 + x * (1.0 - s));
  }
  return 1.0;
}

// The activation layer's full set of parameters: a and b on top of the slope, clamp's bounds or
// hard_sigmoid's alpha and beta (ActivationParams). At a bound clamp's gradient passes (PyTorch's
// clamp: 1 where min <= x <= max), unlike relu6's (0 at 0 and 6).
float activate(uint kind, float x, float slope, float a, float b) {
  if (kind == ACT_CLAMP) return min(max(x, a), b);
  if (kind == ACT_HARD_SIGMOID) return clamp(a * x + b, 0.0, 1.0);
  return activate(kind, x, slope);
}
float activation_derivative(uint kind, float x, float y, float slope, float a, float b) {
  if (kind == ACT_CLAMP) return (x >= a && x <= b) ? 1.0 : 0.0;
  if (kind == ACT_HARD_SIGMOID) {
    const float t = a * x + b;
    return (t > 0.0 && t < 1.0) ? a : 0.0;
  }
  return activation_derivative(kind, x, y, slope);
}
