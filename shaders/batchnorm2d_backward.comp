#version 450
// Training-mode batchnorm backward, one workgroup per channel c, with x_hat = (x - mean) inv_std and
// M = N*H*W values per channel:
//   dbias[c]   += sum dy
//   dweight[c] += sum dy x_hat
//   dx         += weight[c] inv_std (dy - sum dy / M - x_hat sum(dy x_hat) / M)
// The sums need the whole channel before any dx, so the workgroup reduces, then walks the channel again.
// FROZEN (inference-mode forward with running statistics, a layer that fine-tuning keeps fixed): the
// statistics are constants, so only dx += weight[c] dy / sqrt(running_var[c] + eps) remains; binding 3
// holds running_var and bindings 0, 5, 6 are not read.
#define LOCAL 256
layout(local_size_x = LOCAL) in;
layout(constant_id = 0) const uint WANT_DX = 1;
layout(constant_id = 1) const uint FROZEN = 0;
layout(binding = 0) readonly buffer X { float x[]; };            // (N, C, H, W)
layout(binding = 1) readonly buffer DY { float dy[]; };          // (N, C, H, W)
layout(binding = 2) readonly buffer Weight { float weight[]; };  // [C]
layout(binding = 3) readonly buffer Stats { float stats[]; };    // [mean[C], inv_std[C]] from forward; FROZEN: running_var [C]
layout(binding = 4) buffer DX { float dx[]; };                   // (N, C, H, W); unused without WANT_DX
layout(binding = 5) buffer DWeight { float dweight[]; };         // [C]
layout(binding = 6) buffer DBias { float dbias[]; };             // [C]
layout(push_constant) uniform Push { uint N, C, S; float eps; } p;

shared vec2 partial[LOCAL];

void main() {
  const uint c = gl_WorkGroupID.x, t = gl_LocalInvocationID.x;
  const uint count = p.N * p.S;
  if (FROZEN != 0) {
    // The same expression as batchnorm2d.comp's inference normalisation.
    const float scale = weight[c] * (1.0 / sqrt(stats[c] + p.eps));
    for (uint e = t; e < count; e += LOCAL) {
      uint i = ((e / p.S) * p.C + c) * p.S + e % p.S;
      dx[i] += scale * dy[i];
    }
    return;
  }
  const float mean = stats[c], inv_std = stats[p.C + c];

  vec2 s = vec2(0.0);  // (sum dy, sum dy x_hat)
  for (uint e = t; e < count; e += LOCAL) {
    uint i = ((e / p.S) * p.C + c) * p.S + e % p.S;
    float g = dy[i];
    s += vec2(g, g * (x[i] - mean) * inv_std);
  }
  partial[t] = s;
  barrier();
  for (uint k = LOCAL / 2; k > 0; k >>= 1) {
    if (t < k) partial[t] += partial[t + k];
    barrier();
  }
  const vec2 sums = partial[0];
  if (t == 0) {
    dbias[c] += sums.x;
    dweight[c] += sums.y;
  }
  if (WANT_DX == 0) return;

  const float scale = weight[c] * inv_std;
  const float mean_dy = sums.x / float(count), mean_dy_xhat = sums.y / float(count);
  for (uint e = t; e < count; e += LOCAL) {
    uint i = ((e / p.S) * p.C + c) * p.S + e % p.S;
    float x_hat = (x[i] - mean) * inv_std;
    dx[i] += scale * (dy[i] - mean_dy - x_hat * mean_dy_xhat);
  }
}
