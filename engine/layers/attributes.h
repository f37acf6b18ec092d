// Reading layer attributes from a model spec's JSON, with errors that name the layer.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <vkcnn/vk/check.h>

namespace vkcnn {

class Attributes {
 public:
  Attributes(const nlohmann::json& spec, std::string layer) : spec_(spec), layer_(std::move(layer)) {}

  bool has(const char* key) const { return spec_.contains(key); }
  // A non-negative integer attribute; `fallback` < 0 means required.
  uint32_t uint(const char* key, int64_t fallback = -1) const;
  // An integer or [h, w] pair: PyTorch's kernel_size=3 or kernel_size=(3, 5).
  std::array<uint32_t, 2> pair(const char* key, int64_t fallback = -1) const;
  // An array of non-negative integers (required).
  std::vector<uint32_t> uints(const char* key) const;
  float real(const char* key, double fallback) const;
  bool flag(const char* key, bool fallback) const;
  // A string attribute (required).
  std::string text(const char* key) const;

  Error error(const std::string& what) const;

 private:
  const nlohmann::json& spec_;
  std::string layer_;
};

}  // namespace vkcnn
