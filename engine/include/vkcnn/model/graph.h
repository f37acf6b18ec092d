// A model spec turned into layers wired together, with every shape and parameter known.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <vkcnn/layers/layer.h>
#include <vkcnn/model/spec.h>

namespace vkcnn {

struct GraphNode {
  std::unique_ptr<Layer> layer;
  std::vector<int> inputs;        // node indices; -1 = the model input
  Shape output_shape;             // at batch 1
  std::vector<ParamDesc> params;  // Layer::params() for this node's input shapes
};

struct ParamEntry {
  std::string name;  // "<layer>.<suffix>", PyTorch's state_dict key
  std::vector<int64_t> dims;
  bool trainable = true;
  bool non_negative = false;  // ParamDesc::non_negative
  int node = 0;
  int index = 0;  // position in the node's params
};

class Graph {
 public:
  // Builds the layers and infers every shape; throws Error naming `origin`, the layer and the
  // mismatch (e.g. a dense layer whose input size does not match, add of different shapes).
  explicit Graph(ModelSpec spec, const std::string& origin = "model");

  const ModelSpec& spec() const { return spec_; }
  const std::vector<GraphNode>& nodes() const { return nodes_; }
  std::vector<GraphNode>& nodes() { return nodes_; }
  // Every parameter the weights must provide, in layer order.
  const std::vector<ParamEntry>& params() const { return params_; }

  Shape input_shape(uint32_t batch) const;
  Shape output_shape(uint32_t batch) const;
  uint32_t classes() const { return static_cast<uint32_t>(output_shape(1).per_image()); }

 private:
  ModelSpec spec_;
  std::vector<GraphNode> nodes_;
  std::vector<ParamEntry> params_;
};

Shape with_batch(Shape s, uint32_t batch);

}  // namespace vkcnn
