// Folding the shape arithmetic of an exported graph (Shape -> Gather -> Unsqueeze -> Concat ->
// Reshape, Slice bounds from Shape -> Div -> Mul) into constants, so that shape inference sees
// every tensor's dims and the translator sees constant shapes. PyTorch's exporter writes such
// chains for every x.size() in the model (ShuffleNet's channel shuffle and chunk); their values
// are static once the image's C, H and W are fixed. A symbolic batch stays symbolic: a Reshape
// that keeps it first gets 0 ("copy the input's dim") there. What cannot be folded stays in the
// graph, and the translator then reports it.
#pragma once
#include <string>

#include <onnx/onnx_pb.h>

namespace vkcnn {

// Folds, replaces the folded values read by other nodes with initializers, removes the folded
// nodes nobody reads any more, and re-runs shape inference; repeats until nothing changes (each
// round can make the next Shape node's input known). Throws Error naming `path` when shape
// inference refuses the result.
void fold_shape_arithmetic(onnx::ModelProto& model, const std::string& path);

}  // namespace vkcnn
