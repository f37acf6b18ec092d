// Double-precision evaluation of an ONNX graph by ONNX's definitions, built from the
// operations' CPU references (tests/reference/): the oracle for imported models. Covers the
// ops vkcnn-import translates; anything else throws.
#pragma once
#include <cstdint>
#include <vector>

#include <onnx/onnx_pb.h>

namespace vkcnn::test {

// x: (batch, C, H, W) for the graph's single non-initializer input. Returns the graph's
// first output, flattened.
std::vector<double> onnx_reference_forward(const onnx::ModelProto& model, int64_t batch, const std::vector<double>& x);

}  // namespace vkcnn::test
