// The readers under test take paths: each input is written to one private file first.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace vkcnn::fuzz {

inline std::string write_input(const char* name, const uint8_t* data, size_t size) {
  static const std::string dir = [] {
    std::string pattern = "/tmp/vkcnn-fuzz-XXXXXX";
    if (!mkdtemp(pattern.data())) std::abort();
    return pattern;
  }();
  const std::string path = dir + "/" + name;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f || std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  return path;
}

}  // namespace vkcnn::fuzz
