// libFuzzer target: any text as an architecture (what vkcnn-train --arch reads and what a model
// file's metadata holds), through parse_model_spec and the graph's shape inference.
#include <cstddef>
#include <cstdint>
#include <string>

#include <vkcnn/model/graph.h>
#include <vkcnn/model/spec.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    vkcnn::Graph graph(vkcnn::parse_model_spec(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json"));
  } catch (const vkcnn::Error&) {
  }
  return 0;
}
