// vkcnn-export: a .vkcnn model -> ONNX (opset 13), checked with onnx::checker (docs/onnx.md).
//   vkcnn-export model.vkcnn -o model.onnx
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include <vkcnn/model/model_file.h>

#include "onnx_export.h"
#include "onnx_file.h"

int main(int argc, char** argv) {
  std::string input, output;
  CLI::App app{"vkcnn-export: convert a .vkcnn model into ONNX (opset 13) for other runtimes"};
  app.add_option("model", input, "the .vkcnn file")->required()->check(CLI::ExistingFile);
  app.add_option("-o,--output", output, "the .onnx file to write")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  }
  try {
    const vkcnn::ModelFile file = vkcnn::read_model_file(input);
    vkcnn::write_onnx_model(output, vkcnn::export_onnx(file, input));
    std::printf("%s: %zu layers -> %s\n", input.c_str(), file.spec.layers.size(), output.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vkcnn-export: %s\n", e.what());
    return 1;
  }
  return 0;
}
