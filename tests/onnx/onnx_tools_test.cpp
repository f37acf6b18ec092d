// vkcnn-import and vkcnn-export as users run them: processes, exit codes, messages on stderr,
// and no output file after any failure.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <vkcnn/model/model_file.h>
#include <vkcnn/model/scores.h>

#include "onnx/onnx_builder.h"
#include "support/process.h"
#include "support/scratch_dir.h"

namespace vkcnn {
namespace {

using test::OnnxBuilder;

test::ScratchDir& dir() {
  static test::ScratchDir d("vkcnn-onnx-tools");
  return d;
}

test::ProcessResult run(const std::string& args) { return test::run_command(args + " 2>&1"); }

std::string tiny_model(const std::string& name) {
  OnnxBuilder b(13, 21);
  b.input(3, 8, 8);
  b.node("Conv", {"x", b.weight("c.weight", {4, 3, 3, 3})}, {"c"});
  b.node("Relu", {"c"}, {"r"});
  b.node("GlobalAveragePool", {"r"}, {"g"});
  b.node("Flatten", {"g"}, {"f"});
  b.node("Gemm", {"f", b.weight("fc.weight", {4, 2})}, {"y"});
  b.output("y", {-1, 2});
  return b.save(dir().path(name));
}

TEST(OnnxTools, ImportThenExportThenImportAgain) {
  const std::string onnx = tiny_model("tiny.onnx"), labels = dir().path("labels.txt");
  std::ofstream(labels) << "left\nright\n";
  const std::string out = dir().path("tiny.vkcnn");
  auto r = run(std::string(VKCNN_IMPORT) + " " + onnx + " -o " + out + " --labels " + labels +
               " --mean 0.5,0.5,0.5 --std 0.25,0.25,0.25 --color bgr --resize center-crop --name tiny");
  ASSERT_EQ(r.status, 0) << r.out;
  ASSERT_TRUE(std::filesystem::exists(out));
  const std::string back = dir().path("tiny-back.onnx");
  r = run(std::string(VKCNN_EXPORT) + " " + out + " -o " + back);
  ASSERT_EQ(r.status, 0) << r.out;
  const std::string again = dir().path("tiny-again.vkcnn");
  r = run(std::string(VKCNN_IMPORT) + " " + back + " -o " + again);
  ASSERT_EQ(r.status, 0) << r.out;
  // The preprocessing and labels travelled in the ONNX metadata: the two files are the same.
  EXPECT_EQ(test::slurp(again), test::slurp(out));
}

// --crop (torchvision's Resize(256) + CenterCrop(224)) lands in the model's input and survives
// an export; without center-crop it is refused and nothing is written.
TEST(OnnxTools, CropIsWrittenForCenterCropAndRefusedOtherwise) {
  const std::string onnx = tiny_model("tiny-crop.onnx"), out = dir().path("crop.vkcnn");
  auto r = run(std::string(VKCNN_IMPORT) + " " + onnx + " -o " + out + " --resize center-crop --crop 0.875");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(read_model_file(out).spec.input.crop, 0.875f);
  const std::string back = dir().path("crop-back.onnx"), again = dir().path("crop-again.vkcnn");
  ASSERT_EQ(run(std::string(VKCNN_EXPORT) + " " + out + " -o " + back).status, 0);
  ASSERT_EQ(run(std::string(VKCNN_IMPORT) + " " + back + " -o " + again).status, 0);
  EXPECT_EQ(read_model_file(again).spec.input.crop, 0.875f);

  const std::string refused = dir().path("crop-refused.vkcnn");
  r = run(std::string(VKCNN_IMPORT) + " " + onnx + " -o " + refused + " --crop 0.875");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("--crop keeps a share of the shorter side for --resize center-crop; the resize is stretch"),
            std::string::npos)
      << r.out;
  r = run(std::string(VKCNN_IMPORT) + " " + onnx + " -o " + refused + " --resize center-crop --crop 2");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("\"crop\" must be a number in [1/64, 1], got 2"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(refused));
}

// --output-kind lands in the written file, and decides how its outputs are reported: the tiny
// model ends in a Gemm (logits, softmaxed), declared sigmoid its outputs are scores as they are.
// Exported and imported again, the declaration survives in the ONNX metadata.
TEST(OnnxTools, OutputKindOverrideIsWrittenAndChangesTheScores) {
  const std::string onnx = tiny_model("tiny-kind.onnx");
  const std::string plain = dir().path("kind-plain.vkcnn"), declared = dir().path("kind-sigmoid.vkcnn");
  auto r = run(std::string(VKCNN_IMPORT) + " " + onnx + " -o " + plain);
  ASSERT_EQ(r.status, 0) << r.out;
  r = run(std::string(VKCNN_IMPORT) + " " + onnx + " -o " + declared + " --output-kind sigmoid");
  ASSERT_EQ(r.status, 0) << r.out;
  const ModelFile a = read_model_file(plain), b = read_model_file(declared);
  EXPECT_FALSE(a.spec.output.has_value());
  ASSERT_TRUE(b.spec.output.has_value());
  EXPECT_EQ(*b.spec.output, OutputKind::Sigmoid);
  const std::vector<float> out = {0.25f, 0.5f};
  const auto pa = probabilities(Graph(a.spec), out), pb = probabilities(Graph(b.spec), out);
  EXPECT_NEAR(pa[0], 1 / (1 + std::exp(0.25)), 1e-7) << "logits are softmaxed";
  EXPECT_EQ(pb, out) << "declared sigmoid: reported as they are";

  const std::string back = dir().path("kind-back.onnx"), again = dir().path("kind-again.vkcnn");
  r = run(std::string(VKCNN_EXPORT) + " " + declared + " -o " + back);
  ASSERT_EQ(r.status, 0) << r.out;
  r = run(std::string(VKCNN_IMPORT) + " " + back + " -o " + again);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(read_model_file(again).spec.output, std::optional<OutputKind>(OutputKind::Sigmoid));
}

TEST(OnnxTools, FailuresExitOneWithTheFileNamedAndWriteNothing) {
  const std::string corrupt = dir().path("corrupt.onnx");
  std::ofstream(corrupt, std::ios::binary) << "garbage\x01\x02\x03";
  OnnxBuilder b(13, 22);
  b.input(3, 8, 8);
  b.node("Conv", {"x", b.weight("c.weight", {4, 3, 3, 3})}, {"c"});
  b.node("Erf", {"c"}, {"t"}, "/a/Erf");
  b.node("GlobalAveragePool", {"t"}, {"g"});
  b.node("Flatten", {"g"}, {"f"});
  b.node("Gemm", {"f", b.weight("fc.weight", {4, 2})}, {"l"});
  auto& ls = b.node("LogSoftmax", {"l"}, {"y"}, "/b/LogSoftmax");
  OnnxBuilder::attr(ls, "axis", int64_t{0});  // over the batch: unsupported
  b.output("y", {-1, 2});
  const std::string unsupported = b.save(dir().path("unsupported.onnx"));
  const std::string tiny = tiny_model("tiny-for-options.onnx");
  struct Case {
    std::string args, message;
  };
  const std::vector<Case> cases = {
      {corrupt, corrupt + ": not a valid ONNX model"},
      {unsupported, "node '/b/LogSoftmax' (LogSoftmax)"},
      {unsupported, "node '/a/Erf' (Erf)"},
      {tiny + " --color gray", "--color gray does not fit"},
      {tiny + " --mean 1,2", "--mean has 2 values"},
      {tiny + " --resize squash", "--resize"},
      {tiny + " --output-kind probits", "--output-kind: probits not in {logits,softmax,sigmoid,log_softmax}"},
      {tiny + " --labels " + dir().path("no-such-labels.txt"), "no-such-labels.txt"},
  };
  for (const Case& c : cases) {
    const std::string out = dir().path("never.vkcnn");
    auto r = run(std::string(VKCNN_IMPORT) + " " + c.args + " -o " + out);
    EXPECT_EQ(r.status, 1) << c.args << "\n" << r.out;
    EXPECT_NE(r.out.find(c.message), std::string::npos) << c.args << "\n" << r.out;
    EXPECT_FALSE(std::filesystem::exists(out)) << c.args;
  }
  const std::string out = dir().path("never.onnx");
  auto r = run(std::string(VKCNN_EXPORT) + " " + corrupt + " -o " + out);
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find(corrupt), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace vkcnn
