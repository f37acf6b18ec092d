// vkcnn-import: an ONNX image classifier -> a .vkcnn model (docs/onnx.md).
//   vkcnn-import model.onnx -o model.vkcnn [--labels FILE] [--mean a,b,c] [--std a,b,c]
//                [--color rgb|bgr|gray] [--resize stretch|letterbox|center-crop] [--crop F] [--name NAME]
//                [--output-kind logits|softmax|sigmoid|log_softmax]
// Nothing is written unless the whole model imports; every unsupported node is listed at once.
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <vkcnn/model/model_file.h>

#include "onnx_import.h"

namespace {

struct Options {
  std::string input, output, labels, color, resize, name, output_kind;
  std::vector<float> mean, std;
  std::optional<float> crop;
};

vkcnn::ImportOptions import_options(const Options& o) {
  vkcnn::ImportOptions io;
  if (!o.labels.empty()) io.labels = vkcnn::read_labels_file(o.labels);
  if (!o.mean.empty()) io.mean = o.mean;
  if (!o.std.empty()) io.std = o.std;
  if (o.color == "rgb") io.color = vkcnn::ColorOrder::RGB;
  if (o.color == "bgr") io.color = vkcnn::ColorOrder::BGR;
  if (o.color == "gray") io.color = vkcnn::ColorOrder::Gray;
  if (o.resize == "stretch") io.resize = vkcnn::ResizeMode::Stretch;
  if (o.resize == "letterbox") io.resize = vkcnn::ResizeMode::Letterbox;
  if (o.resize == "center-crop") io.resize = vkcnn::ResizeMode::CenterCrop;
  if (o.crop) io.crop = *o.crop;
  if (!o.name.empty()) io.name = o.name;
  if (!o.output_kind.empty()) io.output = vkcnn::output_kind_from_string(o.output_kind);
  return io;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"vkcnn-import: convert an ONNX image classifier (opsets 11-17) into a .vkcnn model"};
  app.add_option("model", o.input, "the .onnx file")->required()->check(CLI::ExistingFile);
  app.add_option("-o,--output", o.output, "the .vkcnn file to write")->required();
  app.add_option("--labels", o.labels, "class labels, one per line (default: the model's metadata, else none)")
      ->check(CLI::ExistingFile);
  app.add_option("--mean", o.mean, "per-channel mean on the 0-1 pixel scale, e.g. 0.485,0.456,0.406 (default 0)")
      ->delimiter(',');
  app.add_option("--std", o.std, "per-channel std on the 0-1 pixel scale, e.g. 0.229,0.224,0.225 (default 1)")
      ->delimiter(',');
  app.add_option("--color", o.color, "channel order the model expects (default: rgb for 3 channels, gray for 1)")
      ->check(CLI::IsMember({"rgb", "bgr", "gray"}));
  app.add_option("--resize", o.resize, "how frames are fitted to the input (default: stretch)")
      ->check(CLI::IsMember({"stretch", "letterbox", "center-crop"}));
  app.add_option("--crop", o.crop,
                 "with --resize center-crop: the share of the shorter side kept, e.g. 0.875 for torchvision's "
                 "Resize(256) + CenterCrop(224) (default 1)");
  app.add_option("--name", o.name, "the model's name (default: the ONNX graph's name, else the file's stem)");
  std::vector<std::string> kinds;
  for (vkcnn::OutputKind k : vkcnn::output_kinds()) kinds.emplace_back(vkcnn::to_string(k));
  // -o/--output names the file written, so the output's kind has a name of its own.
  app.add_option("--output-kind", o.output_kind,
                 "what the model outputs, overriding what its last op implies (softmax: probabilities; sigmoid: "
                 "independent per-class scores; logits: softmax is applied; log_softmax: exp is applied)")
      ->check(CLI::IsMember(kinds));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  }
  try {
    const vkcnn::ModelFile file = vkcnn::import_onnx(o.input, import_options(o));
    vkcnn::write_model_file(o.output, file.spec, file.weights);
    std::printf("%s: %zu layers, %zu tensors -> %s\n", o.input.c_str(), file.spec.layers.size(), file.weights.size(),
                o.output.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vkcnn-import: %s\n", e.what());
    return 1;
  }
  return 0;
}
