#include "onnx/onnx_builder.h"

#include <fstream>
#include <stdexcept>

namespace vkcnn::test {
namespace {

void set_dims(onnx::ValueInfoProto* v, const std::string& name, const std::vector<int64_t>& dims) {
  v->set_name(name);
  auto* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) {
    auto* dim = t->mutable_shape()->add_dim();
    if (d < 0)
      dim->set_dim_param("N");
    else
      dim->set_dim_value(d);
  }
}

}  // namespace

OnnxBuilder::OnnxBuilder(int64_t opset, uint32_t seed) : rng_(seed) {
  m_.set_ir_version(onnx::IR_VERSION);
  m_.set_producer_name("vkcnn-tests");
  auto* o = m_.add_opset_import();
  o->set_domain("");
  o->set_version(opset);
  m_.mutable_graph()->set_name("test-graph");
}

void OnnxBuilder::input(int64_t c, int64_t h, int64_t w, const std::string& name) {
  set_dims(m_.mutable_graph()->add_input(), name, {-1, c, h, w});
}

std::string OnnxBuilder::weight(const std::string& name, std::vector<int64_t> dims, float lo, float hi) {
  std::size_t n = 1;
  for (int64_t d : dims) n *= static_cast<std::size_t>(d);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> values(n);
  for (float& v : values) v = u(rng_);
  return floats(name, std::move(dims), std::move(values));
}

std::string OnnxBuilder::floats(const std::string& name, std::vector<int64_t> dims, std::vector<float> values) {
  auto* t = m_.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t->add_dims(d);
  for (float v : values) t->add_float_data(v);
  return name;
}

std::string OnnxBuilder::ints(const std::string& name, std::vector<int64_t> values) {
  auto* t = m_.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::INT64);
  t->add_dims(static_cast<int64_t>(values.size()));
  for (int64_t v : values) t->add_int64_data(v);
  return name;
}

onnx::NodeProto& OnnxBuilder::node(const std::string& op, std::vector<std::string> inputs,
                                   std::vector<std::string> outputs, const std::string& name) {
  auto* n = m_.mutable_graph()->add_node();
  n->set_op_type(op);
  n->set_name(name.empty() ? "/" + op + "_" + std::to_string(m_.graph().node_size()) : name);
  for (const auto& i : inputs) n->add_input(i);
  for (const auto& o : outputs) n->add_output(o);
  return *n;
}

void OnnxBuilder::attr(onnx::NodeProto& n, const std::string& name, int64_t v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}
void OnnxBuilder::attr(onnx::NodeProto& n, const std::string& name, std::vector<int64_t> v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}
void OnnxBuilder::attr(onnx::NodeProto& n, const std::string& name, float v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}
void OnnxBuilder::attr(onnx::NodeProto& n, const std::string& name, const std::string& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}

void OnnxBuilder::output(const std::string& name, std::vector<int64_t> dims) {
  set_dims(m_.mutable_graph()->add_output(), name, dims);
}

std::string OnnxBuilder::save(const std::string& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!m_.SerializeToOstream(&out)) throw std::runtime_error("cannot write " + path);
  return path;
}

}  // namespace vkcnn::test
