// ONNX tensors (initializers, Constant values) to and from the host tensors of a .vkcnn file.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include <vkcnn/model/weights.h>

namespace vkcnn {

// The values of a FLOAT, DOUBLE or FLOAT16 tensor (from raw_data or the typed fields) as floats
// with its dims. Throws Error "tensor '<name>': ..." for other types, external data or a
// value count that does not match the dims.
HostParam float_tensor(const onnx::TensorProto& t);
// INT64, INT32 and BOOL tensors: shapes, axes, flags.
bool is_integer(const onnx::TensorProto& t);
// The values of an INT64, INT32 or BOOL tensor (Reshape's shape, Dropout's training_mode);
// throws Error otherwise.
std::vector<int64_t> int_tensor(const onnx::TensorProto& t);

// A FLOAT tensor named `name` holding `p` (as raw little-endian data, as PyTorch writes it).
onnx::TensorProto to_tensor_proto(const std::string& name, const HostParam& p);

}  // namespace vkcnn
