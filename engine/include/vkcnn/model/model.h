// A model ready for inference on a device: batchnorm folded into the preceding conv,
// activations fused into conv/dense epilogues where possible, weights uploaded once.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <vkcnn/model/graph.h>
#include <vkcnn/model/spec.h>
#include <vkcnn/model/weights.h>
#include <vkcnn/tensor.h>

namespace vkcnn {

class Model {
 public:
  // `weights` must hold every parameter the spec implies (read_model_file checks this);
  // `origin` names the model in errors.
  Model(Context& ctx, const ModelSpec& spec, const Weights& weights, const std::string& origin = "model");
  // Reads and validates a .vkcnn file (model_file.h), then builds the model.
  static std::unique_ptr<Model> load(Context& ctx, const std::string& path);

  Context& context() const { return *ctx_; }
  const ModelSpec& spec() const { return spec_; }  // as written in the file (labels, input)
  const Graph& graph() const { return *graph_; }   // after folding and fusion
  const std::string& origin() const { return origin_; }
  Shape input_shape(uint32_t batch) const { return graph_->input_shape(batch); }
  uint32_t classes() const { return graph_->classes(); }
  // Device parameters of graph node `node`, in that layer's params() order.
  const std::vector<TensorView>& params(std::size_t node) const { return param_views_[node]; }

 private:
  Context* ctx_;
  ModelSpec spec_;
  std::string origin_;
  std::unique_ptr<Graph> graph_;
  std::vector<Tensor> param_tensors_;
  std::vector<std::vector<TensorView>> param_views_;
};

}  // namespace vkcnn
