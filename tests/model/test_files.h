// Helpers for the file-format tests: raw byte files, error capture (and support/scratch_dir.h).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

#include <vkcnn/vk/check.h>

#include "support/scratch_dir.h"

namespace vkcnn::test {

inline std::vector<std::byte> to_bytes(std::string_view s) {
  auto b = std::as_bytes(std::span(s.data(), s.size()));
  return {b.begin(), b.end()};
}

inline std::vector<std::byte> f32_bytes(const std::vector<float>& v) {
  auto b = std::as_bytes(std::span(v));
  return {b.begin(), b.end()};
}

// A safetensors image: the 8-byte little-endian `declared` length (the header's size unless a
// test lies about it), the header text, the data.
inline std::vector<std::byte> safetensors_image(std::string_view header, const std::vector<std::byte>& data,
                                                std::optional<uint64_t> declared = std::nullopt) {
  uint64_t n = declared.value_or(header.size());
  std::vector<std::byte> out;
  for (int i = 0; i < 8; ++i) out.push_back(std::byte((n >> (8 * i)) & 0xff));
  auto h = to_bytes(header);
  out.insert(out.end(), h.begin(), h.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

inline void write_raw(const std::string& path, std::span<const std::byte> bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw std::runtime_error("cannot write " + path);
}

inline std::vector<std::byte> read_raw(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto b = std::as_bytes(std::span(chars));
  return {b.begin(), b.end()};
}

// The message of the vkcnn::Error that `fn` throws; "(no error)" when it throws none.
inline std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

inline bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }
inline bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace vkcnn::test
