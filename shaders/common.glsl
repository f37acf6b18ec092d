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
  return x;
}

// d act / d x, from the input x and the output y (sigmoid is cheaper from y).
float activation_derivative(uint kind, float x, float y, float slope) {
  if (kind == ACT_RELU) return x > 0.0 ? 1.0 : 0.0;
  if (kind == ACT_RELU6) return (x > 0.0 && x < 6.0) ? 1.0 : 0.0;
  if (kind == ACT_LEAKY_RELU) return x >= 0.0 ? 1.0 : slope;
  if (kind == ACT_SIGMOID) return y * (1.0 - y);
  return 1.0;
}
