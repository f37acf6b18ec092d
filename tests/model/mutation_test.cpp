// Seeded mutation fuzzing of the model reader, run in every ctest: a few thousand mutants of a
// small valid model — bytes flipped, overwritten with JSON punctuation, sliced, duplicated,
// truncated, the header length changed, the architecture's numbers replaced by extremes —
// must each load or fail with a vkcnn::Error naming the file. Never a crash, another exception
// type or a silent wrong model: what loads is run on the device and must give finite scores.
// (tests/fuzz/ holds the open-ended libFuzzer targets; this is their deterministic floor.)
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <regex>

#include <vkcnn/model/forward_plan.h>
#include <vkcnn/model/graph.h>
#include <vkcnn/model/init.h>
#include <vkcnn/model/model.h>
#include <vkcnn/model/model_file.h>

#include "model/safetensors.h"
#include "model/test_files.h"
#include "support/gpu_test.h"

namespace vkcnn {
namespace {

// Odd sizes, a batchnorm (variance checks), a residual add and a global pool, so that
// mutated sizes can still fit together and reach the device.
const char* kArch = R"({"format": "vkcnn-model/1", "name": "fuzz",
  "input": {"channels": 3, "height": 9, "width": 7, "color": "bgr", "mean": [0.1, 0.2, 0.3], "std": [0.5, 0.6, 0.7]},
  "labels": ["a", "b", "c"],
  "layers": [
    {"type": "conv2d", "name": "c1", "out_channels": 4, "kernel": 3, "padding": 1},
    {"type": "batchnorm2d", "name": "bn"},
    {"type": "relu", "name": "r"},
    {"type": "conv2d", "name": "c2", "out_channels": 4, "kernel": [1, 3], "padding": [0, 1]},
    {"type": "add", "name": "sum", "inputs": ["r", "c2"]},
    {"type": "maxpool2d", "kernel": 2, "stride": 2},
    {"type": "global_avgpool"},
    {"type": "flatten"},
    {"type": "dense", "name": "fc", "out_features": 3},
    {"type": "softmax"}]})";

struct Outcome {
  int loaded = 0, rejected = 0, run_on_device = 0;
};

class ModelMutation : public ::testing::Test {
 protected:
  void SetUp() override {
    spec_ = parse_model_spec(kArch, "fuzz");
    weights_ = initialize_weights(Graph(spec_), 7);
    path_ = dir_.path("fuzz.vkcnn");
    write_model_file(path_, spec_, weights_);
    original_ = test::read_raw(path_);
  }

  // Loads `bytes` as a model file: a vkcnn::Error naming the file, or a model whose forward
  // pass gives finite probabilities (run on the device for the first few that load).
  void check(const std::vector<std::byte>& bytes, const std::string& what, Outcome& outcome) {
    const std::string path = dir_.path("mutant.vkcnn");
    test::write_raw(path, bytes);
    try {
      ModelFile file = read_model_file(path);
      ++outcome.loaded;
      // A mutant may be a valid model of a few GB (a 65536-row input, say): the device runs
      // only small ones.
      uint64_t activations = 0;
      const Graph graph(file.spec, path);
      for (const GraphNode& node : graph.nodes()) activations += node.output_shape.per_image();
      if (outcome.run_on_device >= kDeviceRuns || activations > (1u << 22)) return;
      ++outcome.run_on_device;
      Model model(test::context(), file.spec, file.weights, path);
      ForwardPlan plan(model, 1);
      std::vector<float> input(plan.input().shape.count(), 0.25f);
      for (float v : plan.run(input)) ASSERT_TRUE(std::isfinite(v)) << what << ": a loaded model gave " << v;
    } catch (const Error& e) {
      ++outcome.rejected;
      ASSERT_TRUE(test::starts_with(e.what(), path + ": ")) << what << ": message without the file: " << e.what();
      ASSERT_LT(std::string(e.what()).size(), 2000u) << what << ": unbounded message";
    } catch (const std::exception& e) {
      FAIL() << what << ": " << typeid(e).name() << " instead of vkcnn::Error: " << e.what();
    }
  }

  static constexpr int kDeviceRuns = 12;
  test::ScratchDir dir_{"vkcnn-mutation"};
  ModelSpec spec_;
  Weights weights_;
  std::string path_;
  std::vector<std::byte> original_;
};

// One mutation of a model file's bytes, described in `what`: mostly in the 8-byte length and
// the JSON header (`header_bytes` long), where the parsing is.
std::vector<std::byte> mutate(std::vector<std::byte> b, uint64_t header_bytes, std::mt19937& rng, std::string& what) {
  static const std::string punctuation = "{}[]\":,-+.eE0123456789 \\tnul\xff";
  const std::size_t end = rng() % 8 ? std::min<std::size_t>(b.size(), 8 + header_bytes) : b.size();
  auto at = [&] { return std::uniform_int_distribution<std::size_t>(0, end - 1)(rng); };
  switch (rng() % 6) {
    case 0: {
      const std::size_t p = at();
      b[p] ^= std::byte(1u << (rng() % 8));
      what = "bit flip at " + std::to_string(p);
      break;
    }
    case 1: {
      const std::size_t p = at();
      b[p] = std::byte(punctuation[rng() % punctuation.size()]);
      what = "byte " + std::to_string(p) + " overwritten";
      break;
    }
    case 2: {
      const std::size_t p = at();
      b.resize(p);
      what = "truncated to " + std::to_string(p);
      break;
    }
    case 3: {
      const std::size_t p = at(), q = std::min(b.size(), p + 1 + rng() % 64);
      std::vector<std::byte> slice(b.begin() + p, b.begin() + q);
      b.insert(b.begin() + at(), slice.begin(), slice.end());
      what = "slice [" + std::to_string(p) + ", " + std::to_string(q) + ") duplicated";
      break;
    }
    case 4: {
      const std::size_t p = at(), q = std::min(b.size(), p + 1 + rng() % 64);
      b.erase(b.begin() + p, b.begin() + q);
      what = "bytes [" + std::to_string(p) + ", " + std::to_string(q) + ") removed";
      break;
    }
    default: {
      const int byte = rng() % 8;
      b[byte] = std::byte(rng() & 0xff);
      what = "length byte " + std::to_string(byte) + " changed";
      break;
    }
  }
  return b;
}

uint64_t header_length(const std::vector<std::byte>& file) {
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = n << 8 | std::to_integer<uint64_t>(file[i]);
  return n;
}

TEST_F(ModelMutation, ByteMutantsLoadOrFailWithAnError) {
  std::mt19937 rng(20261202);
  Outcome outcome;
  for (int i = 0; i < 3000; ++i) {
    std::string what;
    std::vector<std::byte> b = mutate(original_, header_length(original_), rng, what);
    check(b, what, outcome);
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(outcome.rejected, 1000) << "mutants are supposed to break the file";
  EXPECT_GT(outcome.loaded, 0) << "mutants of the weights are supposed to load";
}

// The shipped model, as a user would damage it (the probe that found the nesting crash used it).
TEST_F(ModelMutation, MutantsOfTheShippedModelLoadOrFailWithAnError) {
  const std::vector<std::byte> shipped = test::read_raw(std::string(VKCNN_SOURCE_DIR) + "/models/fashion-mnist.vkcnn");
  ASSERT_GT(shipped.size(), 8u);
  std::mt19937 rng(600);
  Outcome outcome;
  for (int i = 0; i < 600; ++i) {
    std::string what;
    check(mutate(shipped, header_length(shipped), rng, what), what, outcome);
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(outcome.rejected, 200);
}

// The architecture's numbers and strings replaced by values at and past every limit, the file
// written again with the original tensors (whose shapes then rarely fit) and with fresh ones.
TEST_F(ModelMutation, ArchitectureMutantsLoadOrFailWithAnError) {
  std::mt19937 rng(7);
  const std::vector<std::string> numbers = {"0",      "-1",         "1",        "2",          "3",          "65535",
                                            "65536",  "16777216",   "16777217", "4294967295", "4294967296", "1e39",
                                            "-1e39",  "1e-45",      "0.5",      "NaN",        "[]",         "[1]",
                                            "[0, 0]", "[65536, 1]", "{}",       "null",       "true",       "\"x\""};
  const std::regex token(R"(-?[0-9][0-9.eE+-]*|"[a-z_0-9]+")");
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  const std::string arch = kArch;
  for (auto it = std::sregex_iterator(arch.begin(), arch.end(), token); it != std::sregex_iterator(); ++it)
    spans.emplace_back(it->position(), it->length());
  Outcome outcome;
  for (int i = 0; i < 1500; ++i) {
    std::string mutated = arch;
    const auto [p, n] = spans[rng() % spans.size()];
    const std::string& v = numbers[rng() % numbers.size()];
    const std::string what = "architecture token " + mutated.substr(p, n) + " at " + std::to_string(p) + " -> " + v;
    mutated.replace(p, n, v);
    ModelSpec spec;
    try {
      spec = parse_model_spec(mutated, "mutant");
    } catch (const Error&) {
      ++outcome.rejected;
      continue;
    }
    // Fresh weights where the mutant's graph allows them (small ones only), else the original.
    Weights weights = weights_;
    try {
      Graph g(spec, "mutant");
      uint64_t total = 0;
      for (const ParamEntry& p : g.params()) total += *safetensors::element_count(p.dims);
      if (total < (1u << 20)) weights = initialize_weights(g, 1);
    } catch (const Error&) {
    }
    std::map<std::string, safetensors::TensorRef> refs;
    for (const auto& [name, p] : weights)
      refs.emplace(name, safetensors::TensorRef{"F32", p.dims, std::as_bytes(std::span(p.values))});
    check(safetensors::serialize({{"vkcnn.model", mutated}, {"format", "pt"}}, refs, "mutant"), what, outcome);
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(outcome.rejected, 100);
  EXPECT_GT(outcome.loaded, 10) << "some mutants are valid models and must load";
}

}  // namespace
}  // namespace vkcnn
