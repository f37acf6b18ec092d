// vkcnn-bench --op: one layer's forward (inference and training) and backward, timed on random
// data. The kernels' own benchmark; tests never time anything.
#pragma once
#include <string>

#include <vkcnn/tensor.h>
#include <vkcnn/vk/context.h>

namespace vkcnn::bench {

struct OpTiming {
  double forward_ms = 0, training_forward_ms = 0, backward_ms = 0;  // per pass, min over runs
  double forward_cpu_ms = 0;  // CPU time per inference pass: what lavapipe spends, unaffected by other load
};

// `layer_json` is a model-spec layer entry ({"type": "conv2d", "out_channels": 64, ...}); the
// layer reads one input of `input` shape (two of the same shape for add).
OpTiming time_op(Context& ctx, const std::string& layer_json, Shape input, int runs);

}  // namespace vkcnn::bench
