#version 450
// Training-mode batch statistics, one workgroup per channel c over its N*H*W values:
//   stats[c] = mean, stats[C + c] = 1 / sqrt(biased var + eps)   (for the normalisation and backward)
//   running_mean = (1 - momentum) running_mean + momentum mean
//   running_var  = (1 - momentum) running_var  + momentum unbiased var   (as PyTorch does)
// Two passes (mean, then the squared deviations) rather than E[x^2] - E[x]^2, which cancels
// catastrophically in fp32 when |mean| >> std.
#define LOCAL 256
layout(local_size_x = LOCAL) in;
layout(binding = 0) readonly buffer X { float x[]; };   // (N, C, H, W)
layout(binding = 1) buffer RunningMean { float running_mean[]; };  // [C]
layout(binding = 2) buffer RunningVar { float running_var[]; };    // [C]
layout(binding = 3) writeonly buffer Stats { float stats[]; };     // [2C]
layout(push_constant) uniform Push { uint N, C, S; float eps, momentum; } p;

shared float partial[LOCAL];

float workgroup_sum(float v) {
  const uint t = gl_LocalInvocationID.x;
  barrier();  // earlier readers of partial[0] are done
  partial[t] = v;
  barrier();
  for (uint s = LOCAL / 2; s > 0; s >>= 1) {
    if (t < s) partial[t] += partial[t + s];
    barrier();
  }
  return partial[0];
}

void main() {
  const uint c = gl_WorkGroupID.x, t = gl_LocalInvocationID.x;
  const uint count = p.N * p.S;
  // Element e of the channel is x[(n * C + c) * S + s] with n = e / S, s = e % S.
  float s1 = 0.0;
  for (uint e = t; e < count; e += LOCAL) s1 += x[((e / p.S) * p.C + c) * p.S + e % p.S];
  const float mean = workgroup_sum(s1) / float(count);
  float s2 = 0.0;
  for (uint e = t; e < count; e += LOCAL) {
    float d = x[((e / p.S) * p.C + c) * p.S + e % p.S] - mean;
    s2 += d * d;
  }
  const float sq = workgroup_sum(s2);
  if (t == 0) {
    stats[c] = mean;
    stats[p.C + c] = 1.0 / sqrt(sq / float(count) + p.eps);
    running_mean[c] = mix(running_mean[c], mean, p.momentum);
    running_var[c] = mix(running_var[c], sq / float(count - 1), p.momentum);
  }
}
