#include "onnx_fold.h"

#include <limits>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include <onnx/shape_inference/implementation.h>

#include <vkcnn/vk/check.h>

#include "onnx_attributes.h"
#include "onnx_tensors.h"

namespace vkcnn {
namespace {

using onnx_import::find_attribute;
using onnx_import::int_attribute;
using Values = std::vector<int64_t>;

// The symbolic batch inside a folded value: it may move (Gather, Concat) but not be computed with.
constexpr int64_t kBatch = std::numeric_limits<int64_t>::min();
// Shape vectors are short; a longer integer tensor is data, not shape arithmetic.
constexpr std::size_t kMaxValues = 64;

bool has_batch(const Values& v) {
  for (int64_t x : v)
    if (x == kBatch) return true;
  return false;
}

// Inputs that the ONNX spec defines as 1-D integer vectors, where a folded value can stand as
// an INT64 initializer. Elsewhere (a Concat still being computed) a scalar must stay a scalar,
// so only these are replaced.
bool takes_shape_vector(const onnx::NodeProto& node, int k) {
  const std::string& op = node.op_type();
  if (op == "Slice") return k >= 1 && k <= 4;
  return k == 1 && (op == "Reshape" || op == "Split" || op == "Pad" || op == "Unsqueeze" || op == "Squeeze" ||
                    op == "Expand" || op == "Tile");
}

class Folder {
 public:
  explicit Folder(onnx::ModelProto& model) : model_(model), g_(*model.mutable_graph()) {}

  // One round; true when the graph changed.
  bool round() {
    read_dims();
    known_.clear();
    folded_nodes_.clear();
    for (const auto& t : g_.initializer())
      if (is_integer(t) && t.dims_size() <= 1) {
        try {
          auto v = int_tensor(t);
          if (v.size() <= kMaxValues) known_[t.name()] = v;
        } catch (const Error&) {
        }
      }
    std::set<std::string> folded_values;
    for (int i = 0; i < g_.node_size(); ++i) {
      const auto& node = g_.node(i);
      if (node.output_size() != 1) continue;
      auto v = evaluate(node);
      if (!v || v->size() > kMaxValues) continue;
      known_[node.output(0)] = *v;
      folded_values.insert(node.output(0));
      folded_nodes_.insert(i);
    }
    bool changed = false;
    for (int i = 0; i < g_.node_size(); ++i) {
      if (folded_nodes_.count(i)) continue;
      auto& node = *g_.mutable_node(i);
      for (int k = 0; k < node.input_size(); ++k) {
        if (!folded_values.count(node.input(k)) || !takes_shape_vector(node, k)) continue;
        Values v = known_.at(node.input(k));
        // Reshape's 0 copies the input's dim: the batch, where it stays first.
        if (node.op_type() == "Reshape" && k == 1 && !v.empty() && v[0] == kBatch &&
            int_attribute(node, "allowzero", 0) == 0)
          v[0] = 0;
        if (has_batch(v)) continue;
        const std::string name = node.input(k) + "/folded";
        if (!initializer_names_.count(name)) {
          auto* t = g_.add_initializer();
          t->set_name(name);
          t->set_data_type(onnx::TensorProto::INT64);
          t->add_dims(static_cast<int64_t>(v.size()));
          for (int64_t x : v) t->add_int64_data(x);
          initializer_names_.insert(name);
        }
        node.set_input(k, name);
        changed = true;
      }
    }
    return remove_unread_folded_nodes() || changed;
  }

 private:
  void read_dims() {
    dims_.clear();
    initializer_names_.clear();
    for (const auto& t : g_.initializer()) initializer_names_.insert(t.name());
    auto put = [&](const onnx::ValueInfoProto& v) {
      if (!v.type().has_tensor_type() || !v.type().tensor_type().has_shape()) return;
      Values d;
      for (const auto& dim : v.type().tensor_type().shape().dim())
        d.push_back(dim.has_dim_value() ? dim.dim_value() : -1);
      dims_[v.name()] = d;
    };
    for (const auto& v : g_.input()) put(v);
    for (const auto& v : g_.value_info()) put(v);
    for (const auto& v : g_.output()) put(v);
  }

  const Values* value(const onnx::NodeProto& node, int k) const {
    if (k >= node.input_size() || node.input(k).empty()) return nullptr;
    auto it = known_.find(node.input(k));
    return it == known_.end() ? nullptr : &it->second;
  }

  std::optional<Values> evaluate(const onnx::NodeProto& node) const {
    if (!node.domain().empty() && node.domain() != "ai.onnx") return std::nullopt;
    const std::string& op = node.op_type();
    if (op == "Constant") {
      const auto* a = find_attribute(node, "value");
      // INT64/INT32 only: a BOOL constant (Dropout's training_mode) is no shape and keeps its type.
      if (!a || !a->has_t() || a->t().dims_size() > 1 ||
          (a->t().data_type() != onnx::TensorProto::INT64 && a->t().data_type() != onnx::TensorProto::INT32))
        return std::nullopt;
      try {
        return int_tensor(a->t());
      } catch (const Error&) {
        return std::nullopt;
      }
    }
    if (op == "Shape") {
      auto it = dims_.find(node.input(0));
      if (it == dims_.end() || it->second.empty()) return std::nullopt;
      Values d = it->second;
      for (std::size_t i = 0; i < d.size(); ++i)
        if (d[i] < 0) {
          if (i != 0) return std::nullopt;  // only the batch may be symbolic
          d[i] = kBatch;
        }
      const int64_t rank = static_cast<int64_t>(d.size());
      auto clamp = [&](int64_t x) { return std::clamp(x < 0 ? x + rank : x, int64_t(0), rank); };
      const int64_t start = clamp(int_attribute(node, "start", 0)), end = clamp(int_attribute(node, "end", rank));
      return start < end ? Values(d.begin() + start, d.begin() + end) : Values{};
    }
    if (op == "Identity" || op == "Unsqueeze" || op == "Squeeze") {
      const Values* x = value(node, 0);
      return x ? std::optional(*x) : std::nullopt;
    }
    if (op == "Cast") {
      const int64_t to = int_attribute(node, "to", 0);
      const Values* x = value(node, 0);
      if (!x || (to != onnx::TensorProto::INT64 && to != onnx::TensorProto::INT32)) return std::nullopt;
      return *x;
    }
    if (op == "Gather") {
      const Values *data = value(node, 0), *indices = value(node, 1);
      if (!data || !indices || int_attribute(node, "axis", 0) != 0) return std::nullopt;
      Values out;
      const int64_t n = static_cast<int64_t>(data->size());
      for (int64_t i : *indices) {
        if (i < -n || i >= n) return std::nullopt;
        out.push_back((*data)[i < 0 ? i + n : i]);
      }
      return out;
    }
    if (op == "Concat") {
      Values out;
      for (int k = 0; k < node.input_size(); ++k) {
        const Values* x = value(node, k);
        if (!x) return std::nullopt;
        out.insert(out.end(), x->begin(), x->end());
      }
      return out;
    }
    if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") {
      const Values *a = value(node, 0), *b = value(node, 1);
      if (!a || !b || has_batch(*a) || has_batch(*b) || a->empty() || b->empty()) return std::nullopt;
      if (a->size() != b->size() && a->size() != 1 && b->size() != 1) return std::nullopt;
      Values out(std::max(a->size(), b->size()));
      for (std::size_t i = 0; i < out.size(); ++i) {
        const int64_t x = (*a)[a->size() == 1 ? 0 : i], y = (*b)[b->size() == 1 ? 0 : i];
        if (op == "Div" && y == 0) return std::nullopt;
        out[i] = op == "Add"   ? x + y
                 : op == "Sub" ? x - y
                 : op == "Mul" ? x * y
                               : x / y;  // ONNX's integer Div truncates
      }
      return out;
    }
    return std::nullopt;
  }

  // Folded nodes whose outputs nothing reads any more (neither a node nor the graph's outputs).
  bool remove_unread_folded_nodes() {
    std::set<std::string> read;
    for (int i = 0; i < g_.node_size(); ++i)
      if (!folded_nodes_.count(i))
        for (const auto& in : g_.node(i).input()) read.insert(in);
    for (const auto& o : g_.output()) read.insert(o.name());
    // Folded nodes read by folded nodes that stay: walk back from the end.
    std::vector<bool> keep(g_.node_size(), true);
    for (int i = g_.node_size() - 1; i >= 0; --i) {
      if (!folded_nodes_.count(i)) continue;
      if (!read.count(g_.node(i).output(0))) {
        keep[i] = false;
      } else {
        for (const auto& in : g_.node(i).input()) read.insert(in);
      }
    }
    google::protobuf::RepeatedPtrField<onnx::NodeProto> kept;
    bool removed = false;
    for (int i = 0; i < g_.node_size(); ++i) {
      if (keep[i])
        *kept.Add() = g_.node(i);
      else
        removed = true;
    }
    if (removed) g_.mutable_node()->Swap(&kept);
    return removed;
  }

  onnx::ModelProto& model_;
  onnx::GraphProto& g_;
  std::map<std::string, Values> dims_;
  std::map<std::string, Values> known_;
  std::set<int> folded_nodes_;
  std::set<std::string> initializer_names_;
};

}  // namespace

void fold_shape_arithmetic(onnx::ModelProto& model, const std::string& path) {
  Folder folder(model);
  // Every round folds at least one node away; a graph has finitely many.
  while (folder.round()) {
    model.mutable_graph()->clear_value_info();
    try {
      onnx::ShapeInferenceOptions strict{/*check_type=*/true, /*error_mode=*/1, /*enable_data_propagation=*/false};
      onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), strict);
    } catch (const std::exception& e) {
      throw Error(path + ": shape inference fails on the graph with its shape arithmetic folded: " + e.what());
    }
  }
}

}  // namespace vkcnn
