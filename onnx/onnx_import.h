// ONNX classifier -> .vkcnn model (vkcnn-import). See docs/onnx.md for the op table.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include <vkcnn/model/model_file.h>
#include <vkcnn/model/spec.h>

namespace vkcnn {

// What ONNX does not carry: the preprocessing and the labels. Unset fields keep what the model's
// metadata says (a model exported by vkcnn-export carries them), else the defaults: color gray
// or rgb by channel count, mean 0, std 1 (pixels scaled to [0, 1]), resize stretch, the graph's
// name (or the file's stem), no labels.
struct ImportOptions {
  std::optional<std::vector<std::string>> labels;  // one per class
  std::optional<std::vector<float>> mean, std;     // one per channel, 0-1 scale
  std::optional<ColorOrder> color;
  std::optional<ResizeMode> resize;
  std::optional<float> crop;  // center-crop's share of the shorter side (InputSpec::crop)
  std::optional<std::string> name;
  // What the output is (vkcnn-import --output-kind), overriding what the last op implies.
  std::optional<OutputKind> output;

  // Test mode, for running ONNX's own node tests (vkcnn-onnx-test) rather than importing a
  // classifier: the one graph input may be any float tensor of rank 1 to 4 with fixed dims, read
  // as (N, C, H, W) with trailing dims of 1 appended (so ONNX's axis i stays axis i), and the one
  // output any float tensor of fixed dims, compared element by element. No preprocessing (mean
  // 0, std 1), metadata or the options above. The result runs in process (Model, ForwardPlan);
  // with channels other than 1 or 3 it is no valid .vkcnn file and must not be written.
  bool tensor_io = false;
  // Graph inputs bound to fixed values before translating (any mode): each tensor, named after
  // a graph input, becomes an initializer. Node tests feed weights, pads and shapes as inputs.
  std::vector<onnx::TensorProto> constant_inputs;
};

// Reads, checks and translates `path`. The model must have one NCHW float image input (1 or 3
// channels, a symbolic batch is fine) and one (N, classes) output (any tensors in test mode), computed by ops that map
// onto vkcnn's layers. Throws Error starting with the path; for unsupported nodes one Error
// lists every one of them (node name, op type, attribute). The result passes the checks that
// read_model_file applies, so it can be written as it is.
ModelFile import_onnx(const std::string& path, const ImportOptions& options = {});
// The same for a model already read and checked (read_onnx_model, check_and_infer_shapes);
// `origin` (its file) starts every error.
ModelFile import_onnx(onnx::ModelProto model, const std::string& origin, const ImportOptions& options = {});

// Labels from a text file, one per line (trailing empty lines ignored); Error naming the file.
std::vector<std::string> read_labels_file(const std::string& path);

}  // namespace vkcnn
