// Reading an ONNX node's attributes. onnx::checker has already refused unknown attribute names
// and wrong attribute types, so these only supply the op's defaults.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

namespace vkcnn::onnx_import {

inline const onnx::AttributeProto* find_attribute(const onnx::NodeProto& node, const char* name) {
  for (const auto& a : node.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}
inline int64_t int_attribute(const onnx::NodeProto& node, const char* name, int64_t fallback) {
  const auto* a = find_attribute(node, name);
  return a ? a->i() : fallback;
}
inline float float_attribute(const onnx::NodeProto& node, const char* name, float fallback) {
  const auto* a = find_attribute(node, name);
  return a ? a->f() : fallback;
}
inline std::string string_attribute(const onnx::NodeProto& node, const char* name, const std::string& fallback) {
  const auto* a = find_attribute(node, name);
  return a ? a->s() : fallback;
}
inline std::vector<int64_t> ints_attribute(const onnx::NodeProto& node, const char* name,
                                           std::vector<int64_t> fallback) {
  const auto* a = find_attribute(node, name);
  return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : fallback;
}

// "[1, 2, 3]" for messages.
inline std::string list_text(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

}  // namespace vkcnn::onnx_import
