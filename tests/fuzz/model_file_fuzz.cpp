// libFuzzer target: any bytes as a .vkcnn model file. The reader must return a model or throw
// vkcnn::Error; anything else (a crash, a sanitizer report, another exception) is a finding.
#include <cstddef>
#include <cstdint>
#include <span>

#include <vkcnn/model/model_file.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    vkcnn::parse_model_file(std::as_bytes(std::span(data, size)), "fuzz.vkcnn");
  } catch (const vkcnn::Error&) {
  }
  return 0;
}
