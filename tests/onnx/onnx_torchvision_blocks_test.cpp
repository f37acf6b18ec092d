// Graphs exactly as torch.onnx.export writes them: one small model per torchvision family, built
// from torchvision's own blocks by scripts/make-onnx-blocks.py and committed under
// tests/data/onnx-blocks/ with its input and PyTorch's output in float64. Each is imported, the
// input fed to the plan as it is (no preprocessing) and the output compared with PyTorch's; the
// models built in C++ elsewhere in this folder cannot reproduce the exporter's Shape arithmetic,
// Clip, Pad and Split forms exactly, these can. No torch is needed here.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include <vkcnn/model/forward_plan.h>
#include <vkcnn/model/scores.h>

#include "onnx_import.h"
#include "support/gpu_test.h"

namespace vkcnn {
namespace {

// Absolute, on probabilities or logits as the model outputs them.
constexpr double kTolerance = 1e-4;

// Every family scripts/make-onnx-blocks.py writes; a family missing from the folder fails.
const std::vector<std::string> kFamilies = {"resnet",    "mobilenet_v2", "mobilenet_v3",  "efficientnet", "squeezenet",
                                            "googlenet", "densenet",     "shufflenet_v2", "mnasnet",      "regnet"};

std::filesystem::path data_dir() { return std::filesystem::path(VKCNN_SOURCE_DIR) / "tests/data/onnx-blocks"; }

const nlohmann::json& manifest() {
  static const nlohmann::json m = [] {
    std::ifstream in(data_dir() / "manifest.json");
    if (!in) throw std::runtime_error((data_dir() / "manifest.json").string() + ": cannot be read");
    return nlohmann::json::parse(in);
  }();
  return m;
}

const nlohmann::json& family_entry(const std::string& family) {
  for (const auto& f : manifest().at("families"))
    if (f.at("name") == family) return f;
  throw std::runtime_error("manifest.json has no family " + family);
}

// Raw little-endian values (the machines vkcnn runs on are little-endian), exactly `count` of them.
template <typename T>
std::vector<T> read_raw(const std::filesystem::path& path, std::size_t count) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error(path.string() + ": cannot be read");
  const auto bytes = static_cast<std::size_t>(in.tellg());
  if (bytes != count * sizeof(T))
    throw std::runtime_error(path.string() + ": " + std::to_string(bytes) + " bytes, expected " +
                             std::to_string(count * sizeof(T)));
  std::vector<T> values(count);
  in.seekg(0);
  in.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(bytes));
  return values;
}

std::size_t product(const nlohmann::json& shape) {
  std::size_t n = 1;
  for (const auto& d : shape) n *= d.get<std::size_t>();
  return n;
}

class TorchvisionBlock : public ::testing::TestWithParam<std::string> {};

TEST_P(TorchvisionBlock, ImportedModelMatchesPyTorch) {
  const std::string family = GetParam();
  const auto& entry = family_entry(family);
  const auto in_shape = entry.at("input_shape").get<std::vector<uint32_t>>();
  const auto out_shape = entry.at("output_shape").get<std::vector<uint32_t>>();
  ASSERT_EQ(in_shape.size(), 4u) << family;
  ASSERT_EQ(out_shape.size(), 2u) << family;
  const auto input = read_raw<float>(data_dir() / (family + ".input.f32"), product(entry.at("input_shape")));
  const auto expected = read_raw<double>(data_dir() / (family + ".expected.f64"), product(entry.at("output_shape")));

  const std::string path = (data_dir() / (family + ".onnx")).string();
  const ModelFile file = import_onnx(path);
  Model model(test::context(), file.spec, file.weights, path);
  EXPECT_EQ(outputs_probabilities(model.graph()), entry.at("probabilities").get<bool>())
      << family << ": the importer kept or dropped the final softmax";

  // Batch 1 as exported, and batch 2 (the image twice: the symbolic batch) where each row must match.
  for (uint32_t batch : {1u, 2u}) {
    ForwardPlan plan(model, batch);
    const Shape want{batch, in_shape[1], in_shape[2], in_shape[3]};
    ASSERT_EQ(plan.input().shape, want) << family << ": plan input " << plan.input().shape.str();
    std::vector<float> x;
    for (uint32_t b = 0; b < batch; ++b) x.insert(x.end(), input.begin(), input.end());
    const auto out = plan.run(x);
    ASSERT_EQ(out.size(), std::size_t(batch) * out_shape[1]) << family << " batch " << batch;
    double max_error = 0;
    std::size_t worst = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
      const double e = std::abs(double(out[i]) - expected[i % expected.size()]);
      if (!(e <= max_error)) max_error = e, worst = i;  // NaN counts as the worst
    }
    // Printed also when it passes: how close PyTorch and vkcnn are, family by family.
    std::printf("%s batch %u: max abs error %.3g\n", family.c_str(), batch, max_error);
    EXPECT_LT(max_error, kTolerance) << family << " batch " << batch << ": max abs error " << max_error << " at output "
                                     << worst << " (vkcnn " << out[worst] << ", PyTorch "
                                     << expected[worst % expected.size()] << ")";
  }
}

INSTANTIATE_TEST_SUITE_P(OnnxBlocks, TorchvisionBlock, ::testing::ValuesIn(kFamilies),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// The folder, the manifest and the list above agree: a family the script makes that is not
// tested, or a test list that ran over an empty folder, fails here.
TEST(OnnxBlocks, FolderHoldsEveryFamilyTheScriptMakes) {
  std::set<std::string> listed;
  for (const auto& f : manifest().at("families")) listed.insert(f.at("name").get<std::string>());
  std::set<std::string> onnx_files;
  for (const auto& e : std::filesystem::directory_iterator(data_dir()))
    if (e.path().extension() == ".onnx") onnx_files.insert(e.path().stem().string());
  const std::set<std::string> tested(kFamilies.begin(), kFamilies.end());
  EXPECT_EQ(listed, tested) << "manifest.json and kFamilies differ: rerun scripts/make-onnx-blocks.py or "
                               "update kFamilies";
  EXPECT_EQ(onnx_files, tested) << "the .onnx files in " << data_dir().string() << " and kFamilies differ";
  for (const auto& family : kFamilies)
    for (const char* suffix : {".input.f32", ".expected.f64"})
      EXPECT_TRUE(std::filesystem::is_regular_file(data_dir() / (family + suffix)))
          << family << suffix << " is missing";
}

// The committed outputs are far from flat, or a wrong fold or head could pass at 1e-4.
TEST(OnnxBlocks, ExpectedOutputsAreNotFlat) {
  for (const auto& family : kFamilies) {
    const auto& entry = family_entry(family);
    const auto expected = read_raw<double>(data_dir() / (family + ".expected.f64"), product(entry.at("output_shape")));
    const auto [lo, hi] = std::minmax_element(expected.begin(), expected.end());
    EXPECT_GT(*hi - *lo, entry.at("probabilities").get<bool>() ? 0.1 : 1.0) << family;
  }
}

}  // namespace
}  // namespace vkcnn
