#include "layers/attributes.h"

#include <algorithm>
#include <cmath>

#include <vkcnn/model/json_text.h>

namespace vkcnn {

Error Attributes::error(const std::string& what) const { return Error("layer '" + layer_ + "': " + what); }

uint32_t Attributes::uint(const char* key, int64_t fallback) const {
  if (!spec_.contains(key)) {
    if (fallback < 0) throw error(std::string("missing attribute \"") + key + "\"");
    return static_cast<uint32_t>(fallback);
  }
  const auto& v = spec_.at(key);
  if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > (1 << 24))
    throw error(std::string("attribute \"") + key + "\" must be a non-negative integer, got " + json_excerpt(v));
  return v.get<uint32_t>();
}

std::array<uint32_t, 2> Attributes::pair(const char* key, int64_t fallback) const {
  if (spec_.contains(key) && spec_.at(key).is_array()) {
    const auto& v = spec_.at(key);
    auto ok = [](const nlohmann::json& e) {
      return e.is_number_integer() && e.get<int64_t>() >= 0 && e.get<int64_t>() <= (1 << 24);
    };
    if (v.size() != 2 || !ok(v[0]) || !ok(v[1]))
      throw error(std::string("attribute \"") + key + "\" must be an integer or [h, w], got " + json_excerpt(v));
    return {v[0].get<uint32_t>(), v[1].get<uint32_t>()};
  }
  uint32_t s = uint(key, fallback);
  return {s, s};
}

std::vector<uint32_t> Attributes::uints(const char* key) const {
  if (!spec_.contains(key)) throw error(std::string("missing attribute \"") + key + "\"");
  const auto& v = spec_.at(key);
  auto ok = [](const nlohmann::json& e) {
    return e.is_number_integer() && e.get<int64_t>() >= 0 && e.get<int64_t>() <= (1 << 24);
  };
  if (!v.is_array() || v.size() > 64 || !std::all_of(v.begin(), v.end(), ok))
    throw error(std::string("attribute \"") + key + "\" must be an array of non-negative integers, got " +
                json_excerpt(v));
  std::vector<uint32_t> out;
  for (const auto& e : v) out.push_back(e.get<uint32_t>());
  return out;
}

std::size_t Attributes::array_size(const char* key) const {
  if (!spec_.contains(key)) throw error(std::string("missing attribute \"") + key + "\"");
  const auto& v = spec_.at(key);
  return v.is_array() ? v.size() : 0;
}

float Attributes::real(const char* key, double fallback) const {
  if (!spec_.contains(key)) return static_cast<float>(fallback);
  const auto& v = spec_.at(key);
  // Checked after the conversion to float, where 1e39 becomes infinite.
  if (!v.is_number() || !std::isfinite(v.get<float>()))
    throw error(std::string("attribute \"") + key + "\" must be a finite number, got " + json_excerpt(v));
  return v.get<float>();
}

bool Attributes::flag(const char* key, bool fallback) const {
  if (!spec_.contains(key)) return fallback;
  const auto& v = spec_.at(key);
  if (!v.is_boolean())
    throw error(std::string("attribute \"") + key + "\" must be true or false, got " + json_excerpt(v));
  return v.get<bool>();
}

std::string Attributes::text(const char* key) const {
  if (!spec_.contains(key)) throw error(std::string("missing attribute \"") + key + "\"");
  const auto& v = spec_.at(key);
  if (!v.is_string()) throw error(std::string("attribute \"") + key + "\" must be a string, got " + json_excerpt(v));
  return v.get<std::string>();
}

}  // namespace vkcnn
