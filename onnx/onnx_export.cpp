#include "onnx_export.h"

#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include <vkcnn/model/graph.h>
#include <vkcnn/vk/check.h>

#include "layers/attributes.h"
#include "layers/pool2d.h"
#include "onnx_tensors.h"

namespace vkcnn {
namespace {

class Exporter {
 public:
  Exporter(const ModelFile& file, const std::string& origin) : file_(file), origin_(origin), graph_(file.spec, origin) {
    model_.set_ir_version(onnx::IR_VERSION);  // 8 with Debian 12's libonnx 1.12
    model_.set_producer_name("vkcnn");
    auto* opset = model_.add_opset_import();
    opset->set_domain("");
    opset->set_version(kExportOpset);
    g_ = model_.mutable_graph();
    g_->set_name(file.spec.name.empty() ? "vkcnn" : file.spec.name);
  }

  onnx::ModelProto run() {
    const InputSpec& in = file_.spec.input;
    add_value(g_->add_input(), "input", {-1, in.channels, in.height, in.width});
    for (const auto& [name, value] : file_.weights) *g_->add_initializer() = to_tensor_proto(name, value);
    const auto& nodes = graph_.nodes();
    for (std::size_t i = 0; i < nodes.size(); ++i) layer(i);
    std::string last = value_of(static_cast<int>(nodes.size()) - 1);
    if (rank_.at(last) == 4) last = flatten(last, last + ".flatten", nodes.back().output_shape);
    add_value(g_->add_output(), last, {-1, static_cast<int64_t>(graph_.classes())});
    metadata();
    return model_;
  }

 private:
  Error error(const std::string& layer, const std::string& what) const {
    return Error(origin_ + ": layer '" + layer + "': " + what);
  }

  static void add_value(onnx::ValueInfoProto* v, const std::string& name, std::vector<int64_t> dims) {
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) {
      auto* dim = t->mutable_shape()->add_dim();
      if (d < 0)
        dim->set_dim_param("batch");
      else
        dim->set_dim_value(d);
    }
  }

  std::string value_of(int node) const { return node < 0 ? "input" : graph_.nodes()[node].layer->name(); }

  onnx::NodeProto* node(const std::string& op, const std::string& name, std::vector<std::string> inputs,
                        const std::string& output) {
    auto* n = g_->add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const auto& i : inputs) n->add_input(i);
    n->add_output(output);
    return n;
  }
  static void attr(onnx::NodeProto* n, const char* name, std::vector<int64_t> v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t x : v) a->add_ints(x);
  }
  static void attr(onnx::NodeProto* n, const char* name, int64_t v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void attr_s(onnx::NodeProto* n, const char* name, const std::string& v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(v);
  }
  // A 1-D INT64 initializer (shapes, pads, slice bounds).
  void ints(const std::string& name, std::vector<int64_t> v) {
    auto* t = g_->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(static_cast<int64_t>(v.size()));
    for (int64_t x : v) t->add_int64_data(x);
  }
  static void attr_f(onnx::NodeProto* n, const char* name, float v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(v);
  }

  std::string flatten(const std::string& in, const std::string& out, const Shape& s) {
    attr(node("Flatten", out, {in}, out), "axis", int64_t{1});
    rank_[out] = 2;
    return out;
  }

  void layer(std::size_t i) {
    const GraphNode& gn = graph_.nodes()[i];
    const Layer& l = *gn.layer;
    const std::string name = l.name(), type(l.type());
    std::vector<std::string> ins;
    if (gn.inputs.empty()) ins.push_back(value_of(static_cast<int>(i) - 1));
    for (int in : gn.inputs) ins.push_back(value_of(in));
    for (const auto& in : ins)
      if (!rank_.count(in)) rank_[in] = 4;
    const nlohmann::json& spec = file_.spec.layers[i].attributes;
    const Attributes a(spec, name);
    int rank = rank_.at(ins[0]);
    auto needs_image = [&] {
      if (rank != 4)
        throw error(name, type + " reads the (N, features) output of a dense layer, which ONNX's " +
                              "ops would need reshaped; not exported");
    };
    if (type == "conv2d") {
      needs_image();
      const auto k = a.pair("kernel"), s = a.pair("stride", 1), p = a.pair("padding", 0), d = a.pair("dilation", 1);
      std::vector<std::string> inputs{ins[0], name + ".weight"};
      if (a.flag("bias", true)) inputs.push_back(name + ".bias");
      auto* n = node("Conv", name, inputs, name);
      attr(n, "kernel_shape", {k[0], k[1]});
      attr(n, "strides", {s[0], s[1]});
      attr(n, "pads", {p[0], p[1], p[0], p[1]});
      attr(n, "dilations", {d[0], d[1]});
      attr(n, "group", int64_t{a.uint("groups", 1)});
    } else if (type == "batchnorm2d") {
      needs_image();
      auto* n = node("BatchNormalization", name,
                     {ins[0], name + ".weight", name + ".bias", name + ".running_mean", name + ".running_var"}, name);
      attr_f(n, "epsilon", a.real("eps", 1e-5));
    } else if (type == "relu" || type == "sigmoid") {
      node(type == "relu" ? "Relu" : "Sigmoid", name, ins, name);
    } else if (type == "tanh") {
      node("Tanh", name, ins, name);
    } else if (type == "hard_sigmoid" || type == "hard_swish") {
      // hard_sigmoid's alpha and beta are ONNX's (PyTorch's 1/6 and 1/2 by default); HardSwish
      // needs opset 14, so hard_swish is written as x * HardSigmoid(x) with PyTorch's.
      const std::string gate = type == "hard_sigmoid" ? name : name + ".gate";
      auto* n = node("HardSigmoid", gate, ins, gate);
      const bool own = type == "hard_sigmoid";
      attr_f(n, "alpha", own ? a.real("alpha", 1.0 / 6.0) : 1.0 / 6.0);
      attr_f(n, "beta", own ? a.real("beta", 0.5) : 0.5);
      if (type == "hard_swish") node("Mul", name, {ins[0], gate}, name);
    } else if (type == "silu") {
      node("Sigmoid", name + ".gate", ins, name + ".gate");
      node("Mul", name, {ins[0], name + ".gate"}, name);
    } else if (type == "mul") {
      if (rank_.at(ins[0]) != rank_.at(ins[1])) throw error(name, "multiplies values of different ranks");
      node("Mul", name, ins, name);  // a (N, C, 1, 1) second input broadcasts as in vkcnn
    } else if (type == "concat") {
      for (const auto& in : ins)
        if (rank_.at(in) != rank) throw error(name, "concatenates values of different ranks");
      attr(node("Concat", name, ins, name), "axis", int64_t{1});
    } else if (type == "leaky_relu") {
      attr_f(node("LeakyRelu", name, ins, name), "alpha", a.real("negative_slope", 0.01));
    } else if (type == "relu6") {
      *g_->add_initializer() = to_tensor_proto(name + ".min", {{}, {0.f}});
      *g_->add_initializer() = to_tensor_proto(name + ".max", {{}, {6.f}});
      node("Clip", name, {ins[0], name + ".min", name + ".max"}, name);
    } else if (type == "clamp") {
      // Clip's bounds are optional inputs (opset 11+): an empty name is an absent bound.
      std::vector<std::string> clip_ins{ins[0], "", ""};
      for (const char* bound : {"min", "max"})
        if (a.has(bound)) {
          const std::string init = name + "." + bound;
          *g_->add_initializer() = to_tensor_proto(init, {{}, {a.real(bound, 0)}});
          clip_ins[bound[1] == 'i' ? 1 : 2] = init;
        }
      if (clip_ins[2].empty()) clip_ins.pop_back();
      if (clip_ins.back().empty()) clip_ins.pop_back();
      node("Clip", name, clip_ins, name);
    } else if (type == "maxpool2d" || type == "avgpool2d") {
      needs_image();
      const bool max = type == "maxpool2d";
      const PoolGeometry geo = PoolGeometry::parse(a, max);
      auto* n = node(max ? "MaxPool" : "AveragePool", name, ins, name);
      attr(n, "kernel_shape", {geo.kernel[0], geo.kernel[1]});
      attr(n, "strides", {geo.stride[0], geo.stride[1]});
      attr(n, "pads", {geo.padding[0], geo.padding[1], geo.padding[0], geo.padding[1]});
      attr(n, "ceil_mode", int64_t{geo.ceil_mode});
      if (max)
        attr(n, "dilations", {geo.dilation[0], geo.dilation[1]});
      else
        attr(n, "count_include_pad", int64_t{a.flag("count_include_pad", true)});
    } else if (type == "global_avgpool") {
      needs_image();
      node("GlobalAveragePool", name, ins, name);
    } else if (type == "add") {
      if (rank_.at(ins[0]) != rank_.at(ins[1])) throw error(name, "adds values of different ranks");
      node("Add", name, ins, name);
    } else if (type == "flatten") {
      if (rank == 4)
        flatten(ins[0], name, gn.output_shape);
      else
        node("Identity", name, ins, name);
      rank = 2;
    } else if (type == "dropout") {
      node("Identity", name, ins, name);
    } else if (type == "dense") {
      // dense reads (N, C, H, W) as (N, C*H*W); Gemm wants the flat matrix.
      std::string x = rank == 4 ? flatten(ins[0], name + ".flatten", gn.output_shape) : ins[0];
      std::vector<std::string> inputs{x, name + ".weight"};
      if (a.flag("bias", true)) inputs.push_back(name + ".bias");
      attr(node("Gemm", name, inputs, name), "transB", int64_t{1});
      rank = 2;
    } else if (type == "pad") {
      needs_image();
      const auto p = a.array_size("padding") > 0 ? a.uints("padding") : std::vector<uint32_t>(4, a.uint("padding"));
      ints(name + ".pads", {0, 0, p[2], p[0], 0, 0, p[3], p[1]});  // ONNX: begins of N, C, H, W, then ends
      *g_->add_initializer() = to_tensor_proto(name + ".value", {{}, {a.real("value", 0.0)}});
      attr_s(node("Pad", name, {ins[0], name + ".pads", name + ".value"}, name), "mode", "constant");
    } else if (type == "channel_shuffle") {
      // As torchvision's channel_shuffle exports: (N, g, C/g, H, W), swap g and C/g, back to (N, C, H, W).
      needs_image();
      const Shape& s = gn.output_shape;
      const int64_t g = a.uint("groups");
      ints(name + ".grouped_shape", {0, g, s.c / g, s.h, s.w});
      ints(name + ".shape", {0, s.c, s.h, s.w});
      node("Reshape", name + ".grouped", {ins[0], name + ".grouped_shape"}, name + ".grouped");
      attr(node("Transpose", name + ".transposed", {name + ".grouped"}, name + ".transposed"), "perm", {0, 2, 1, 3, 4});
      node("Reshape", name, {name + ".transposed", name + ".shape"}, name);
    } else if (type == "channel_slice") {
      needs_image();
      ints(name + ".starts", {a.uint("start")});
      ints(name + ".ends", {a.uint("end")});
      ints(name + ".axes", {1});
      node("Slice", name, {ins[0], name + ".starts", name + ".ends", name + ".axes"}, name);
    } else if (type == "softmax" || type == "log_softmax") {
      attr(node(type == "softmax" ? "Softmax" : "LogSoftmax", name, ins, name), "axis", int64_t{1});
    } else {
      throw error(name, "layer type " + type + " has no ONNX export yet");
    }
    rank_[name] = rank;
  }

  void metadata() {
    const nlohmann::json spec = to_json(file_.spec);
    auto* input = model_.add_metadata_props();
    input->set_key("vkcnn.input");
    input->set_value(spec.at("input").dump());
    auto* name = model_.add_metadata_props();  // the graph's name cannot be empty; the model's can
    name->set_key("vkcnn.name");
    name->set_value(file_.spec.name);
    auto* labels = model_.add_metadata_props();
    labels->set_key("vkcnn.labels");
    labels->set_value(spec.at("labels").dump());
    if (file_.spec.output) {  // declared, not inferred: keep it (vkcnn-import reads it back)
      auto* output = model_.add_metadata_props();
      output->set_key("vkcnn.output");
      output->set_value(to_string(*file_.spec.output));
    }
  }

  const ModelFile& file_;
  std::string origin_;
  Graph graph_;
  onnx::ModelProto model_;
  onnx::GraphProto* g_ = nullptr;
  std::map<std::string, int> rank_;  // ONNX rank of each value: 4 (N, C, H, W) or 2 (N, F)
};

}  // namespace

onnx::ModelProto export_onnx(const ModelFile& file, const std::string& origin) {
  onnx::ModelProto model = Exporter(file, origin).run();
  try {
    onnx::checker::check_model(model);
    onnx::ModelProto inferred = model;
    onnx::ShapeInferenceOptions strict{true, 1, false};
    onnx::shape_inference::InferShapes(inferred, onnx::OpSchemaRegistry::Instance(), strict);
  } catch (const std::exception& e) {
    throw Error(origin + ": the exported ONNX model is invalid (a vkcnn bug): " + e.what());
  }
  return model;
}

}  // namespace vkcnn
