// The small RGB architecture the tool tests run (vkcnn-classify, vkcnn-bench): odd input size,
// strided conv, global pooling, softmax over 4 labelled classes.
#pragma once

namespace vkcnn::test {

inline constexpr const char* kTinyRgbArch = R"({
      "name": "tiny-rgb", "labels": ["red", "green", "blue", "dark"],
      "input": {"channels": 3, "height": 12, "width": 10, "color": "rgb", "mean": [0.5, 0.4, 0.3],
                "std": [0.25, 0.3, 0.2], "resize": "letterbox"},
      "layers": [
        {"type": "conv2d", "name": "c1", "out_channels": 6, "kernel": 3, "padding": 1, "stride": 2},
        {"type": "relu"},
        {"type": "global_avgpool"},
        {"type": "flatten"},
        {"type": "dense", "name": "fc", "out_features": 4},
        {"type": "softmax"}]})";

}  // namespace vkcnn::test
