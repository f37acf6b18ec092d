// Reading and writing .onnx files through libonnx: protobuf parsing, onnx::checker and
// ONNX's own shape inference. Every failure is an Error whose message starts with the path.
#pragma once
#include <string>

#include <onnx/onnx_pb.h>

namespace vkcnn {

// Parses the file, runs onnx::checker on it and ONNX's shape inference (strict: an op whose
// shapes do not fit is an error), so that every value a model computes has its shape in
// graph().value_info(). Truncated or corrupt files, and models the checker refuses, throw.
onnx::ModelProto read_onnx_model(const std::string& path);
// The checker and strict shape inference of read_onnx_model, again on a model changed since
// (graph inputs bound to constants).
void check_and_infer_shapes(onnx::ModelProto& model, const std::string& path);

// Checks the model (onnx::checker), then writes it atomically: a temporary file beside `path`,
// then a rename, so a failure leaves no partial file.
void write_onnx_model(const std::string& path, const onnx::ModelProto& model);

}  // namespace vkcnn
