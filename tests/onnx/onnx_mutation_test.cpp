// Seeded mutation fuzzing of the ONNX reader, run in every ctest: mutants of a small valid
// model (bytes flipped, overwritten, sliced out, truncated) must each import or fail with a
// vkcnn::Error naming the file; never a crash or another exception type. What imports must
// also pass the checks that a .vkcnn file's reader applies (import_onnx ends with them).
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include <vkcnn/vk/check.h>

#include "onnx/onnx_builder.h"
#include "onnx_import.h"
#include "support/scratch_dir.h"

namespace vkcnn {
namespace {

using test::OnnxBuilder;

std::string valid_model_bytes() {
  OnnxBuilder b(13, 31);
  b.input(3, 9, 7);
  auto& c = b.node("Conv", {"x", b.weight("c.weight", {4, 3, 3, 3}), b.weight("c.bias", {4})}, {"c"});
  OnnxBuilder::attr(c, "pads", std::vector<int64_t>{1, 1, 1, 1});
  b.weight("bn.weight", {4}, 0.5f, 1.5f);
  b.weight("bn.bias", {4});
  b.weight("bn.running_mean", {4});
  b.weight("bn.running_var", {4}, 0.5f, 1.5f);
  b.node("BatchNormalization", {"c", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"}, {"n"});
  b.node("Relu", {"n"}, {"r"});
  b.node("Add", {"r", "c"}, {"s"});
  auto& mp = b.node("MaxPool", {"s"}, {"p"});
  OnnxBuilder::attr(mp, "kernel_shape", std::vector<int64_t>{2, 2});
  OnnxBuilder::attr(mp, "strides", std::vector<int64_t>{2, 2});
  b.node("GlobalAveragePool", {"p"}, {"g"});
  b.node("Flatten", {"g"}, {"f"});
  auto& fc = b.node("Gemm", {"f", b.weight("fc.weight", {3, 4}), b.weight("fc.bias", {3})}, {"l"});
  OnnxBuilder::attr(fc, "transB", int64_t{1});
  b.node("Softmax", {"l"}, {"y"});
  b.output("y", {-1, 3});
  std::string bytes;
  b.model().SerializeToString(&bytes);
  return bytes;
}

TEST(OnnxMutation, EveryMutantImportsOrFailsWithAnErrorNamingTheFile) {
  test::ScratchDir dir("vkcnn-onnx-mutation");
  const std::string original = valid_model_bytes(), path = dir.path("mutant.onnx");
  std::mt19937 rng(2024);
  int imported = 0, rejected = 0;
  for (int i = 0; i < 1500; ++i) {
    std::string m = original;
    const int kind = i % 4;
    auto pos = [&] { return std::uniform_int_distribution<std::size_t>(0, m.size() - 1)(rng); };
    if (kind == 0) {
      for (int k = 0; k < 1 + i % 3; ++k) m[pos()] ^= static_cast<char>(1 << (rng() % 8));
    } else if (kind == 1) {
      m[pos()] = static_cast<char>(rng() % 256);
    } else if (kind == 2) {
      const std::size_t at = pos();
      m.erase(at, std::min<std::size_t>(1 + rng() % 16, m.size() - at));
    } else {
      m.resize(pos());
    }
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(m.data(), static_cast<std::streamsize>(m.size()));
    try {
      import_onnx(path);
      ++imported;
    } catch (const Error& e) {
      ++rejected;
      ASSERT_EQ(std::string(e.what()).rfind(path, 0), 0u) << "mutant " << i << ": " << e.what();
    } catch (const std::exception& e) {
      FAIL() << "mutant " << i << " (kind " << kind << "): not a vkcnn::Error: " << e.what();
    }
  }
  // Both outcomes must occur, or the mutations did not reach the reader's checks.
  EXPECT_GT(imported, 0);
  EXPECT_GT(rejected, 0);
}

}  // namespace
}  // namespace vkcnn
