#version 450
// Fused softmax + cross-entropy with optional label smoothing, mean over the batch.
//   logits  (N, K)       one row per sample
//   labels  (N)          uint class index
//   dlogits (N, K)       += (softmax - target) / count       (only when WRITE_GRAD)
//   loss    (N)          per-sample -sum_k target_k log softmax_k
//   pred    (N)          per-sample argmax (first maximum, as torch.argmax)
// target = (1 - smoothing) * onehot(label) + smoothing / K, which is PyTorch's
// cross_entropy(label_smoothing=...). Rows >= count (padding of a short last batch) get loss 0
// and no gradient. One invocation per row: K is small (classes), N a batch.
layout(local_size_x = 64) in;
layout(constant_id = 0) const uint WRITE_GRAD = 1;
layout(binding = 0) readonly buffer Logits { float logits[]; };
layout(binding = 1) readonly buffer Labels { uint labels[]; };
layout(binding = 2) buffer DLogits { float dlogits[]; };
layout(binding = 3) writeonly buffer Loss { float loss[]; };
layout(binding = 4) writeonly buffer Pred { uint pred[]; };
layout(push_constant) uniform Push {
  uint rows;       // N: rows allocated
  uint count;      // rows that hold real samples (<= rows)
  uint classes;    // K
  float smoothing;
} p;

void main() {
  uint i = gl_GlobalInvocationID.x;
  if (i >= p.rows) return;
  if (i >= p.count) {
    loss[i] = 0.0;
    pred[i] = 0u;
    return;
  }
  uint base = i * p.classes;
  float m = logits[base];
  uint best = 0u;
  float total = 0.0;
  for (uint k = 0u; k < p.classes; ++k) {
    float x = logits[base + k];
    if (x > m) { m = x; best = k; }
    total += x;
  }
  float s = 0.0;
  for (uint k = 0u; k < p.classes; ++k) s += exp(logits[base + k] - m);
  float lse = m + log(s);
  uint label = labels[i];
  float on = 1.0 - p.smoothing, off = p.smoothing / float(p.classes);
  // sum_k target_k (lse - x_k), with sum_k target_k = 1.
  loss[i] = lse - on * logits[base + label] - off * total;
  pred[i] = best;
  if (WRITE_GRAD != 0u) {
    float inv_count = 1.0 / float(p.count);
    float inv_s = 1.0 / s;
    for (uint k = 0u; k < p.classes; ++k) {
      float target = off + (k == label ? on : 0.0);
      dlogits[base + k] += (exp(logits[base + k] - m) * inv_s - target) * inv_count;
    }
  }
}
