// Small ONNX models built in C++ with libonnx's protobuf classes, for the import tests: an
// image input with a symbolic batch, random initializers, nodes with their attributes.
#pragma once
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

namespace vkcnn::test {

class OnnxBuilder {
 public:
  explicit OnnxBuilder(int64_t opset = 13, uint32_t seed = 1);

  // The image input "x": (batch, c, h, w) with a symbolic batch.
  void input(int64_t c, int64_t h, int64_t w, const std::string& name = "x");
  // A float initializer with uniform random values in [lo, hi]; returns its name.
  std::string weight(const std::string& name, std::vector<int64_t> dims, float lo = -0.5f, float hi = 0.5f);
  // A float initializer with the given values.
  std::string floats(const std::string& name, std::vector<int64_t> dims, std::vector<float> values);
  // An INT64 initializer (Reshape's shape).
  std::string ints(const std::string& name, std::vector<int64_t> values);
  // A node; add attributes with the setters below on the result.
  onnx::NodeProto& node(const std::string& op, std::vector<std::string> inputs, std::vector<std::string> outputs,
                        const std::string& name = "");
  static void attr(onnx::NodeProto& n, const std::string& name, int64_t v);
  static void attr(onnx::NodeProto& n, const std::string& name, std::vector<int64_t> v);
  static void attr(onnx::NodeProto& n, const std::string& name, float v);
  static void attr(onnx::NodeProto& n, const std::string& name, const std::string& v);
  // The graph output, float with these dims (-1: the symbolic batch).
  void output(const std::string& name, std::vector<int64_t> dims);

  const onnx::ModelProto& model() const { return m_; }
  // Writes the model's bytes to `path`; returns `path`.
  std::string save(const std::string& path) const;

 private:
  onnx::ModelProto m_;
  std::mt19937 rng_;
};

}  // namespace vkcnn::test
