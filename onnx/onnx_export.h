// .vkcnn model -> ONNX (vkcnn-export), so that a model trained with vkcnn-train runs in any
// ONNX runtime.
#pragma once
#include <string>

#include <onnx/onnx_pb.h>

#include <vkcnn/model/model_file.h>

namespace vkcnn {

// The opset the exported models declare.
inline constexpr int64_t kExportOpset = 13;

// One ONNX node per layer (a Flatten before a dense layer that reads an image, and at the end
// when the last layer leaves (N, C, 1, 1)); initializers keep the .vkcnn tensor names; the input
// is "input" (batch, C, H, W) with a symbolic batch; the preprocessing and labels go into the
// metadata ("vkcnn.input", "vkcnn.labels"), which vkcnn-import reads back. The result passes
// onnx::checker and shape inference. Throws Error starting with `origin`.
onnx::ModelProto export_onnx(const ModelFile& file, const std::string& origin);

}  // namespace vkcnn
