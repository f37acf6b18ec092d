// The translation of an ONNX graph's nodes into vkcnn layers: one function per ONNX op,
// collecting every unsupported node or attribute instead of stopping at the first.
#pragma once
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <onnx/onnx_pb.h>

#include <vkcnn/model/spec.h>
#include <vkcnn/model/weights.h>

namespace vkcnn::onnx_import {

// An ONNX value's dims as shape inference found them; -1 where a dim is symbolic or unknown.
using Dims = std::vector<int64_t>;

// What one node becomes: a vkcnn layer, or nothing (the output is its input: Dropout,
// Identity, Flatten of something already flat).
struct LayerPlan {
  std::string type;  // the vkcnn layer type; empty for an alias
  nlohmann::json attributes = nlohmann::json::object();
  std::vector<std::string> inputs;                        // the ONNX values it reads (computed, never constants)
  std::string name;                                       // the layer's name (from its weights' names where it has any)
  std::vector<std::pair<std::string, HostParam>> params;  // suffix ("weight", ...) and value
  std::string also_computes;                              // a second ONNX value it stands for (a MatMul's bias Add)
};

class GraphTranslator {
 public:
  // `image` is the name of the graph input that holds the image.
  GraphTranslator(const onnx::ModelProto& model, const std::string& image);

  // Translates every node in order; afterwards problems() lists whatever could not be.
  void translate();
  const std::vector<std::string>& problems() const { return problems_; }
  // The op types of the nodes in problems(), sorted.
  const std::set<std::string>& problem_ops() const { return problem_ops_; }
  const std::vector<LayerSpec>& layers() const { return layers_; }
  const Weights& weights() const { return weights_; }
  // The vkcnn layer that computes ONNX value `name` ("input" for the image); nullopt if none.
  std::optional<std::string> producer(const std::string& name) const;
  const Dims* dims(const std::string& name) const;

 private:
  std::optional<LayerPlan> plan(const onnx::NodeProto& node, std::size_t index);
  // Makes `plan` the producer of `output` (one of the node's outputs).
  void apply(const onnx::NodeProto& node, LayerPlan plan, const std::string& output);

  // The ops (onnx_ops.cpp); each returns nullopt after recording why it cannot be translated.
  std::optional<LayerPlan> conv(const onnx::NodeProto& node);
  std::optional<LayerPlan> batch_norm(const onnx::NodeProto& node);
  std::optional<LayerPlan> activation(const onnx::NodeProto& node);
  std::optional<LayerPlan> clip(const onnx::NodeProto& node);
  std::optional<LayerPlan> pool(const onnx::NodeProto& node);
  std::optional<LayerPlan> global_pool(const onnx::NodeProto& node);
  std::optional<LayerPlan> gemm(const onnx::NodeProto& node);
  std::optional<LayerPlan> matmul(const onnx::NodeProto& node, std::size_t index);
  std::optional<LayerPlan> add(const onnx::NodeProto& node);
  std::optional<LayerPlan> mul(const onnx::NodeProto& node);
  std::optional<LayerPlan> concat(const onnx::NodeProto& node);
  std::optional<LayerPlan> flatten(const onnx::NodeProto& node);
  std::optional<LayerPlan> softmax(const onnx::NodeProto& node);
  std::optional<LayerPlan> alias(const onnx::NodeProto& node);
  // onnx_ops_layout.cpp: ops that move values without computing (Pad, ShuffleNet's channel
  // shuffle as Reshape -> Transpose -> Reshape, Slice and Split on the channels).
  std::optional<LayerPlan> pad(const onnx::NodeProto& node);
  std::optional<LayerPlan> reshape(const onnx::NodeProto& node);
  std::optional<LayerPlan> transpose(const onnx::NodeProto& node);
  std::optional<LayerPlan> slice(const onnx::NodeProto& node);
  void split(const onnx::NodeProto& node);  // one channel_slice per output, applied here
  void constant(const onnx::NodeProto& node);
  void add_constant(const onnx::TensorProto& t);                       // records a problem for a tensor it cannot read
  bool copy_constant(const std::string& from, const std::string& to);  // false: `from` is no constant

  // Recording why a node cannot be translated: "node '<name>' (<op>): <what>".
  void unsupported(const onnx::NodeProto& node, const std::string& what);
  // A constant input (initializer or Constant output); records a problem when it is missing.
  const HostParam* constant_input(const onnx::NodeProto& node, int index, const char* role);
  bool is_constant(const std::string& name) const { return constants_.count(name) > 0; }
  // Input `index` must be a computed 4-D (N, C, H, W) value; records a problem otherwise.
  const Dims* image_input(const onnx::NodeProto& node, int index);
  std::string layer_name(const onnx::NodeProto& node, const std::string& weight, const char* suffix);
  std::string node_name(const onnx::NodeProto& node) const;

  const onnx::ModelProto& model_;
  int64_t opset_ = 0;
  std::map<std::string, HostParam> constants_;  // initializers and Constant outputs (floats)
  std::map<std::string, std::vector<int64_t>> int_constants_;
  std::map<std::string, Dims> dims_;
  std::map<std::string, std::string> producers_;  // ONNX value -> vkcnn layer ("input": the image)
  std::set<std::string> poisoned_;                // values of nodes that could not be translated
  std::set<std::string> layer_names_{"input"};
  std::map<std::string, std::size_t> absorbed_;
  // The 5-D views inside a channel shuffle: the (N, g, C/g, H, W) Reshape of `source` and,
  // once `transposed`, its (N, C/g, g, H, W) Transpose. Nothing else may read them.
  struct ShuffleView {
    std::string source;
    int64_t groups = 0;
    bool transposed = false;
  };
  std::map<std::string, ShuffleView> shuffle_views_;  // Add nodes folded into a MatMul, by output
  std::vector<LayerSpec> layers_;
  Weights weights_;
  std::vector<std::string> problems_;
  std::set<std::string> problem_ops_;
};

}  // namespace vkcnn::onnx_import
