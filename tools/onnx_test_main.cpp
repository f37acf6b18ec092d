// vkcnn-onnx-test: ONNX's own backend node tests (Debian's libonnx-testdata) through vkcnn.
//   vkcnn-onnx-test DIR... [--device D] [--expect-pass]
// Each DIR holds model.onnx and test_data_set_*/{input,output}_*.pb. The model is imported in
// the importer's test mode (any tensor in and out, no preprocessing; the inputs after the first
// are bound as constants, as the engine runs one input), run on the device in fp32 and every
// output value compared at |got - want| <= 1e-4 + 1e-4 * |want|. One line per test:
//   PASS name | FAIL name max error E at index I | UNSUPPORTED name: the importer's reason
// then "N passed, M unsupported, K failed". Exit 1 on any FAIL or unreadable test (the file is
// named on stderr); UNSUPPORTED alone is exit 0.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <onnx/onnx_pb.h>
#include <onnx/version_converter/convert.h>

#include <vkcnn/model/forward_plan.h>
#include <vkcnn/model/model.h>
#include <vkcnn/vk/check.h>
#include <vkcnn/vk/context.h>

#include "onnx_file.h"
#include "onnx_import.h"
#include "onnx_tensors.h"

namespace {

namespace fs = std::filesystem;
using vkcnn::Error;

constexpr double kAbsTolerance = 1e-4, kRelTolerance = 1e-4;
constexpr int kConvertToOpset = 11;  // the first opset vkcnn-import reads

std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(file.string() + ": cannot open");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) throw Error(file.string() + ": cannot read");
  return bytes.str();
}

onnx::TensorProto read_tensor(const fs::path& file) {
  onnx::TensorProto t;
  const std::string bytes = read_bytes(file);
  if (bytes.empty() || !t.ParseFromString(bytes))
    throw Error(file.string() + ": not a TensorProto (empty, truncated or corrupt)");
  return t;
}

// <prefix>0.pb, <prefix>1.pb, ... up to the first number that is missing.
std::vector<onnx::TensorProto> read_numbered(const fs::path& dir, const std::string& prefix) {
  std::vector<onnx::TensorProto> tensors;
  for (int i = 0; fs::exists(dir / (prefix + std::to_string(i) + ".pb")); ++i)
    tensors.push_back(read_tensor(dir / (prefix + std::to_string(i) + ".pb")));
  return tensors;
}

// Float values of a tensor read from `file`; its own error (wrong type, value count) names it.
std::vector<float> values_of(const onnx::TensorProto& t, const fs::path& file) {
  try {
    return vkcnn::float_tensor(t).values;
  } catch (const std::exception& e) {
    throw Error(file.string() + ": " + e.what());
  }
}

onnx::ModelProto read_model(const fs::path& model_path) {
  onnx::ModelProto model;
  if (!model.ParseFromString(read_bytes(model_path)) || !model.has_graph())
    throw Error(model_path.string() + ": not a valid ONNX model (truncated or corrupt)");
  return model;
}

int64_t opset_of(const onnx::ModelProto& model) {
  int64_t opset = 0;
  for (const auto& o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") opset = o.version();
  return opset;
}

// What vkcnn-import's users are told to do with a model older than opset 11: ONNX's version
// converter. Node tests of ops unchanged since opset 1 or 6 carry those opsets.
onnx::ModelProto importable(const onnx::ModelProto& model, const fs::path& model_path) {
  onnx::ModelProto m =
      opset_of(model) < kConvertToOpset ? onnx::version_conversion::ConvertVersion(model, kConvertToOpset) : model;
  vkcnn::check_and_infer_shapes(m, model_path.string());
  return m;
}

// The graph inputs that the test data feeds (those that are not initializers), in order.
std::vector<std::string> fed_inputs(const onnx::ModelProto& model) {
  std::set<std::string> initializers;
  for (const auto& t : model.graph().initializer()) initializers.insert(t.name());
  std::vector<std::string> names;
  for (const auto& v : model.graph().input())
    if (!initializers.count(v.name())) names.push_back(v.name());
  return names;
}

// The importer's message on one line, without the model's path it starts with.
std::string reason(const std::string& message, const std::string& model_path) {
  std::string r = message.starts_with(model_path + ": ") ? message.substr(model_path.size() + 2) : message;
  for (std::size_t at; (at = r.find(":\n  ")) != std::string::npos;) r.replace(at, 4, ": ");
  for (std::size_t at; (at = r.find("\n  ")) != std::string::npos;) r.replace(at, 3, "; ");
  std::replace(r.begin(), r.end(), '\n', ' ');
  return r;
}

enum class Outcome { Pass, Fail, Unsupported };

struct Result {
  Outcome outcome;
  std::string line;
};

// Compares got with want value by value; the detail of a failure, or empty.
std::string compare(const std::vector<float>& got, const std::vector<float>& want) {
  if (got.size() != want.size())
    return ": " + std::to_string(got.size()) + " values, the expected output has " + std::to_string(want.size());
  double worst = 0;
  std::size_t worst_at = 0;
  bool ok = true;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double g = got[i], w = want[i];
    if (std::isnan(g) && std::isnan(w)) continue;
    const double error = std::abs(g - w);
    if (!(error <= kAbsTolerance + kRelTolerance * std::abs(w))) ok = false;
    if (!(error <= worst)) {  // NaN counts as the worst
      worst = error;
      worst_at = i;
    }
  }
  if (ok) return "";
  return " max error " + std::to_string(worst) + " at index " + std::to_string(worst_at);
}

Result run_test(vkcnn::Context& ctx, const fs::path& dir) {
  const std::string name = dir.filename().empty() ? dir.parent_path().filename().string() : dir.filename().string();
  if (!fs::is_directory(dir))
    throw Error(dir.string() + ": not a directory (a node test holds model.onnx and test_data_set_*)");
  const fs::path model_path = dir / "model.onnx";
  if (!fs::is_regular_file(model_path)) throw Error(model_path.string() + ": missing");
  const onnx::ModelProto model_proto = read_model(model_path);
  const std::vector<std::string> inputs = fed_inputs(model_proto);
  const int64_t opset = opset_of(model_proto);
  std::vector<fs::path> sets;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_directory() && entry.path().filename().string().starts_with("test_data_set_"))
      sets.push_back(entry.path());
  std::sort(sets.begin(), sets.end());
  if (sets.empty()) throw Error(dir.string() + ": no test_data_set_* directories");

  for (const fs::path& set : sets) {
    std::vector<onnx::TensorProto> in = read_numbered(set, "input_");
    const std::vector<onnx::TensorProto> out = read_numbered(set, "output_");
    if (in.size() != inputs.size())
      throw Error(set.string() + ": " + std::to_string(in.size()) + " input_*.pb files for the model's " +
                  std::to_string(inputs.size()) + " inputs");
    if (out.empty()) throw Error(set.string() + ": no output_*.pb files");
    for (std::size_t i = 0; i < in.size(); ++i) in[i].set_name(inputs[i]);

    vkcnn::ImportOptions options;
    options.tensor_io = true;
    if (in.size() > 1) options.constant_inputs.assign(in.begin() + 1, in.end());
    vkcnn::ModelFile file;
    try {
      file = vkcnn::import_onnx(importable(model_proto, model_path), model_path.string(), options);
    } catch (const std::exception& e) {
      const std::string converted =
          opset < kConvertToOpset ? " (opset " + std::to_string(opset) + ", converted to 11)" : "";
      return {Outcome::Unsupported, "UNSUPPORTED " + name + converted + ": " + reason(e.what(), model_path.string())};
    }
    if (in.empty()) throw Error(set.string() + ": no input_*.pb files");  // the import needs one input
    if (out.size() != 1)
      throw Error(set.string() + ": " + std::to_string(out.size()) + " output_*.pb files for the model's one output");
    const std::vector<float> x = values_of(in[0], set / "input_0.pb");
    const std::vector<float> want = values_of(out[0], set / "output_0.pb");
    const vkcnn::InputSpec& is = file.spec.input;
    const std::size_t per_item = std::size_t(is.channels) * is.height * is.width;
    if (x.empty() || x.size() % per_item != 0)
      throw Error((set / "input_0.pb").string() + ": " + std::to_string(x.size()) +
                  " values do not fill whole (C, H, W) = (" + std::to_string(is.channels) + ", " +
                  std::to_string(is.height) + ", " + std::to_string(is.width) + ") items");
    std::vector<float> got;
    try {
      const vkcnn::Model model(ctx, file.spec, file.weights, model_path.string());
      vkcnn::ForwardPlan plan(model, static_cast<uint32_t>(x.size() / per_item));
      got = plan.run(x);
    } catch (const std::exception& e) {  // imported, yet the engine cannot run it
      return {Outcome::Fail, "FAIL " + name + ": " + e.what()};
    }
    const std::string detail = compare(got, want);
    if (!detail.empty())
      return {Outcome::Fail,
              "FAIL " + name + detail + (sets.size() > 1 ? " (" + set.filename().string() + ")" : std::string())};
  }
  return {Outcome::Pass, "PASS " + name};
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> dirs;
  std::string device;
  bool expect_pass = false;
  CLI::App app{"vkcnn-onnx-test: run ONNX backend node tests (model.onnx, test_data_set_*) through vkcnn"};
  app.add_option("dirs", dirs, "node test directories, e.g. /usr/share/libonnx-testdata/data/node/test_relu")
      ->required();
  app.add_option("--device", device,
                 "Vulkan device index or name substring (default: VKCNN_DEVICE, else a discrete GPU)");
  app.add_flag("--expect-pass", expect_pass, "also exit 1 when no test passes (all unsupported)");
  CLI11_PARSE(app, argc, argv);

  std::unique_ptr<vkcnn::Context> ctx;
  try {
    ctx = std::make_unique<vkcnn::Context>(vkcnn::ContextOptions{device});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vkcnn-onnx-test: %s\n", e.what());
    return 1;
  }
  int passed = 0, unsupported = 0, failed = 0, unreadable = 0;
  for (const std::string& d : dirs) {
    try {
      const Result r = run_test(*ctx, fs::path(d));
      std::printf("%s\n", r.line.c_str());
      std::fflush(stdout);
      (r.outcome == Outcome::Pass ? passed : r.outcome == Outcome::Fail ? failed : unsupported) += 1;
    } catch (const std::exception& e) {
      std::fflush(stdout);
      std::fprintf(stderr, "vkcnn-onnx-test: %s\n", e.what());
      ++unreadable;
    }
  }
  std::printf("%d passed, %d unsupported, %d failed", passed, unsupported, failed);
  if (unreadable) std::printf(", %d unreadable", unreadable);
  std::printf("\n");
  if (expect_pass && passed == 0) {
    std::fprintf(stderr, "vkcnn-onnx-test: no test passed (--expect-pass)\n");
    return 1;
  }
  return failed || unreadable ? 1 : 0;
}
