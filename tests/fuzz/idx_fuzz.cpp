// libFuzzer target: any bytes as an IDX images file (gzipped or not) beside a valid labels file.
#include <cstddef>
#include <cstdint>
#include <vector>

#include <vkcnn/vk/check.h>

#include "file_input.h"
#include "idx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string labels = [] {
    std::vector<uint8_t> b = {0, 0, 8, 1, 0, 0, 0, 4, 0, 1, 2, 3};
    return vkcnn::fuzz::write_input("labels", b.data(), b.size());
  }();
  const std::string images = vkcnn::fuzz::write_input("images", data, size);
  try {
    vkcnn::trainer::read_idx(images, labels, std::vector<std::string>(10, "c"));
  } catch (const vkcnn::Error&) {
  }
  return 0;
}
