// Every way an ONNX file can fail to import: the error names the file and the problem, lists
// every unsupported node at once (node, op type, attribute), and nothing is ever written.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <vkcnn/vk/check.h>

#include "onnx/onnx_builder.h"
#include "onnx_import.h"
#include "support/scratch_dir.h"

namespace vkcnn {
namespace {

using test::OnnxBuilder;

test::ScratchDir& dir() {
  static test::ScratchDir d("vkcnn-onnx-errors");
  return d;
}

// The message of the Error that importing `path` throws (a failure if none is thrown).
std::string import_error(const std::string& path, const ImportOptions& options = {}) {
  try {
    import_onnx(path, options);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << path << " imported without an error";
  return "";
}

#define EXPECT_HAS(text, part) \
  EXPECT_NE((text).find(part), std::string::npos) << "missing \"" << (part) << "\" in:\n" << (text)

// A small valid classifier: conv, relu, global pool, flatten, gemm.
OnnxBuilder tiny_classifier(int64_t channels = 3) {
  OnnxBuilder b(13, 7);
  b.input(channels, 9, 7);
  b.node("Conv", {"x", b.weight("c.weight", {4, channels, 3, 3})}, {"c"});
  b.node("Relu", {"c"}, {"r"});
  b.node("GlobalAveragePool", {"r"}, {"g"});
  b.node("Flatten", {"g"}, {"f"});
  auto& fc = b.node("Gemm", {"f", b.weight("fc.weight", {3, 4})}, {"y"});
  OnnxBuilder::attr(fc, "transB", int64_t{1});
  b.output("y", {-1, 3});
  return b;
}

TEST(OnnxImportErrors, EveryUnsupportedNodeIsListedWithItsOpAndAttribute) {
  OnnxBuilder b(13, 8);
  b.input(3, 12, 12);
  auto& c = b.node("Conv", {"x", b.weight("c.weight", {4, 3, 3, 3})}, {"c"}, "/stem/Conv");
  OnnxBuilder::attr(c, "strides", std::vector<int64_t>{2, 2});
  OnnxBuilder::attr(c, "pads", std::vector<int64_t>{0, 0, 1, 1});  // the extra cells are read on 12 pixels
  b.node("Erf", {"c"}, {"t"}, "/act/Erf");
  auto& mp = b.node("MaxPool", {"t"}, {"p"}, "/pool/MaxPool");
  OnnxBuilder::attr(mp, "kernel_shape", std::vector<int64_t>{2, 2});
  OnnxBuilder::attr(mp, "storage_order", int64_t{1});
  b.node("Clip", {"p", "p", b.floats("hi", {}, {1.f})}, {"cl"}, "/clamp/Clip");  // min computed, not a constant
  b.node("GlobalAveragePool", {"cl"}, {"g"});
  b.node("Flatten", {"g"}, {"f"});
  b.node("Gemm", {"f", b.weight("fc.weight", {4, 5})}, {"l"});
  b.node("LogSoftmax", {"l"}, {"ls"}, "/head/LogSoftmax");  // not the last op
  b.node("Softmax", {"ls"}, {"y"});
  b.output("y", {-1, 5});
  const std::string path = b.save(dir().path("unsupported.onnx"));
  const std::string e = import_error(path);
  EXPECT_HAS(e, path);
  EXPECT_HAS(e, "5 node(s) cannot be imported (Clip, Conv, Erf, LogSoftmax, MaxPool)");
  EXPECT_HAS(e, "node '/stem/Conv' (Conv): attribute pads [0, 0, 1, 1]");
  EXPECT_HAS(e, "node '/act/Erf' (Erf): operator Erf has no vkcnn layer");
  EXPECT_HAS(e, "node '/pool/MaxPool' (MaxPool): attribute storage_order");
  EXPECT_HAS(e, "node '/clamp/Clip' (Clip): min 'p' is computed by the graph");
  EXPECT_HAS(e, "node '/head/LogSoftmax' (LogSoftmax): LogSoftmax (axis 1) is supported only as the model's last op");
}

// LogSoftmax at the end over the batch axis, where vkcnn's is over the classes.
TEST(OnnxImportErrors, LogSoftmaxOverAnotherAxisIsNamedWithTheAxis) {
  OnnxBuilder b(13, 10);
  b.input(3, 6, 6);
  b.node("Conv", {"x", b.weight("c.weight", {4, 3, 3, 3})}, {"c"});
  b.node("GlobalAveragePool", {"c"}, {"g"});
  b.node("Flatten", {"g"}, {"f"});
  b.node("Gemm", {"f", b.weight("fc.weight", {4, 5})}, {"l"});
  auto& ls = b.node("LogSoftmax", {"l"}, {"y"}, "/head/LogSoftmax");
  OnnxBuilder::attr(ls, "axis", int64_t{0});
  b.output("y", {-1, 5});
  const std::string path = b.save(dir().path("log-softmax-axis.onnx"));
  const std::string e = import_error(path);
  EXPECT_HAS(e, "node '/head/LogSoftmax' (LogSoftmax): attribute axis 0 on input");
  EXPECT_HAS(e, "vkcnn's log_softmax is over the classes (axis 1)");
}

TEST(OnnxImportErrors, ConstantOperandsAndBroadcastsAreNamed) {
  OnnxBuilder b(13, 9);
  b.input(3, 5, 5);
  b.node("Add", {"x", b.weight("shift", {1, 3, 1, 1})}, {"a"}, "/shift/Add");
  b.node("Conv", {"a", b.weight("c.weight", {4, 3, 1, 1})}, {"c"});
  b.node("Conv", {"c", "c.weight2"}, {"d"}, "/computed/Conv");
  b.node("Mul", {"c", "c"}, {"m"}, "/se/Mul");
  b.node("Flatten", {"m"}, {"f"});
  b.node("Gemm", {"f", b.weight("fc.weight", {100, 2})}, {"y"});
  b.node("Relu", {"d"}, {"unused"});
  b.output("y", {-1, 2});
  // c.weight2 is neither an initializer nor computed: the checker refuses the model first.
  EXPECT_HAS(import_error(b.save(dir().path("dangling.onnx"))), "invalid ONNX model");

  OnnxBuilder ok(13, 9);
  ok.input(3, 5, 5);
  ok.node("Add", {"x", ok.weight("shift", {1, 3, 1, 1})}, {"a"}, "/shift/Add");
  ok.node("Mul", {"a", ok.weight("scale", {1, 3, 1, 1})}, {"m"}, "/se/Mul");
  ok.node("Flatten", {"m"}, {"f"});
  ok.node("Gemm", {"f", ok.weight("fc.weight", {75, 2})}, {"y"});
  ok.output("y", {-1, 2});
  const std::string e = import_error(ok.save(dir().path("constant-operand.onnx")));
  EXPECT_HAS(e, "node '/shift/Add' (Add): input 'shift' is a constant");
  EXPECT_HAS(e, "node '/se/Mul' (Mul): input 'scale' is a constant");
}

// The new ops' limits: a concat off the channel axis, a product whose broadcast is not per
// channel. A hard sigmoid other than PyTorch's is fine (ONNX's default alpha 0.2).
TEST(OnnxImportErrors, GatesAndConcatsVkcnnCannotRunAreNamed) {
  OnnxBuilder b(13, 10);
  b.input(3, 6, 6);
  b.node("Conv", {"x", b.weight("c.weight", {4, 3, 1, 1})}, {"c"});
  b.node("HardSigmoid", {"c"}, {"h"}, "/gate/HardSigmoid");  // ONNX's default alpha 0.2
  b.node("Conv", {"x", b.weight("d.weight", {1, 3, 1, 1})}, {"d"});
  b.node("Mul", {"h", "d"}, {"m"}, "/spatial/Mul");  // (N, 4, 6, 6) by (N, 1, 6, 6)
  OnnxBuilder::attr(b.node("Concat", {"m", "c"}, {"cat"}, "/join/Concat"), "axis", int64_t{2});
  b.node("GlobalAveragePool", {"cat"}, {"g"});
  b.node("Flatten", {"g"}, {"f"});
  b.node("Gemm", {"f", b.weight("fc.weight", {4, 2})}, {"y"});
  b.output("y", {-1, 2});
  const std::string e = import_error(b.save(dir().path("gates.onnx")));
  EXPECT_EQ(e.find("HardSigmoid"), std::string::npos) << e;
  EXPECT_HAS(e, "node '/spatial/Mul' (Mul): inputs of dims");
  EXPECT_HAS(e, "vkcnn's mul needs equal shapes or (N, C, H, W) and (N, C, 1, 1)");
  EXPECT_HAS(e, "node '/join/Concat' (Concat): attribute axis 2: vkcnn concatenates channels (axis 1) only");
}

TEST(OnnxImportErrors, CorruptTruncatedAndEmptyFilesNameTheFile) {
  const std::string good = tiny_classifier().save(dir().path("good.onnx"));
  std::string bytes;
  ASSERT_TRUE(tiny_classifier().model().SerializeToString(&bytes));
  import_onnx(good);  // the uncut model imports

  for (std::size_t cut : {bytes.size() / 2, bytes.size() - 3, std::size_t(10)}) {
    const std::string path = dir().path("truncated-" + std::to_string(cut) + ".onnx");
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(cut));
    const std::string e = import_error(path);
    EXPECT_HAS(e, path);
  }
  const std::string corrupt = dir().path("corrupt.onnx");
  std::ofstream(corrupt, std::ios::binary) << "\xff\xff\xff\xff not protobuf at all \x01\x02";
  EXPECT_HAS(import_error(corrupt), corrupt + ": not a valid ONNX model");
  const std::string empty = dir().path("empty.onnx");
  std::ofstream(empty, std::ios::binary).flush();
  EXPECT_HAS(import_error(empty), empty + ": empty file");
  EXPECT_HAS(import_error(dir().path("missing.onnx")), "missing.onnx: cannot read");
}

TEST(OnnxImportErrors, AModelWithoutAnImageInputIsRefused) {
  onnx::ValueInfoProto features;  // (N, 10): a feature vector, not an image
  features.set_name("features");
  auto* t = features.mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  t->mutable_shape()->add_dim()->set_dim_param("N");
  t->mutable_shape()->add_dim()->set_dim_value(10);
  OnnxBuilder b(13, 10);
  b.node("Gemm", {"features", b.weight("fc.weight", {10, 2})}, {"y"});
  b.output("y", {-1, 2});
  onnx::ModelProto with_input = b.model();
  *with_input.mutable_graph()->add_input() = features;
  const std::string path = dir().path("no-image.onnx");
  std::ofstream out(path, std::ios::binary);
  with_input.SerializeToOstream(&out);
  out.close();
  const std::string e = import_error(path);
  EXPECT_HAS(e, path + ": input 'features' (?, 10) is not an image");

  const std::string four = tiny_classifier(4).save(dir().path("four-channels.onnx"));
  EXPECT_HAS(import_error(four), four + ": input 'x' has 4 channels");
}

TEST(OnnxImportErrors, AnOutputThatIsNotNByClassesIsRefused) {
  OnnxBuilder b(13, 11);
  b.input(3, 6, 6);
  b.node("Conv", {"x", b.weight("c.weight", {4, 3, 3, 3})}, {"y"});
  b.output("y", {-1, 4, 4, 4});
  const std::string path = b.save(dir().path("image-output.onnx"));
  EXPECT_HAS(import_error(path), path + ": output 'y' (?, 4, 4, 4) is not (N, classes)");
}

TEST(OnnxImportErrors, OpsetsOutsideElevenToSeventeenAreRefused) {
  OnnxBuilder b(9, 12);
  b.input(1, 4, 4);
  b.node("Flatten", {"x"}, {"f"});
  b.node("Gemm", {"f", b.weight("fc.weight", {16, 2}), b.weight("fc.bias", {2})}, {"y"});  // C required in opset 9
  b.output("y", {-1, 2});
  const std::string path = b.save(dir().path("opset9.onnx"));
  EXPECT_HAS(import_error(path), path + ": ONNX opset 9 is not supported");
}

// proto2 strings are bytes; the .vkcnn header is JSON, which must be UTF-8.
TEST(OnnxImportErrors, NamesThatAreNotUtf8AreRefused) {
  OnnxBuilder b = tiny_classifier();
  onnx::ModelProto m = b.model();
  m.mutable_graph()->mutable_node(1)->set_name("relu\xff");
  const std::string path = dir().path("latin1.onnx");
  std::ofstream out(path, std::ios::binary);
  m.SerializeToOstream(&out);
  out.close();
  EXPECT_HAS(import_error(path), path + ": a node, initializer or metadata string is not valid UTF-8");
}

TEST(OnnxImportErrors, OptionsThatDoNotFitTheModelAreRefused) {
  const std::string path = tiny_classifier().save(dir().path("options.onnx"));
  ImportOptions gray;
  gray.color = ColorOrder::Gray;
  EXPECT_HAS(import_error(path, gray), path + ": --color gray does not fit the model's 3 input channel(s)");
  ImportOptions mean;
  mean.mean = std::vector<float>{0.5f, 0.5f};
  EXPECT_HAS(import_error(path, mean), path + ": --mean has 2 values; the model has 3 input channel(s)");
  ImportOptions std_zero;
  std_zero.std = std::vector<float>{0.f, 1.f, 1.f};
  EXPECT_HAS(import_error(path, std_zero), "input \"std\" value 0");
  ImportOptions labels;
  labels.labels = std::vector<std::string>{"a", "b"};
  EXPECT_HAS(import_error(path, labels), path + ": 2 labels for a model with 3 outputs");
}

TEST(OnnxImportErrors, OptionsAreAppliedWhenTheyFit) {
  const std::string path = tiny_classifier().save(dir().path("applied.onnx"));
  ImportOptions o;
  o.color = ColorOrder::BGR;
  o.mean = std::vector<float>{0.485f, 0.456f, 0.406f};
  o.std = std::vector<float>{0.229f, 0.224f, 0.225f};
  o.resize = ResizeMode::CenterCrop;
  o.name = "tiny";
  o.labels = std::vector<std::string>{"cat", "dog", "bird"};
  const ModelFile f = import_onnx(path, o);
  EXPECT_EQ(f.spec.input.color, ColorOrder::BGR);
  EXPECT_EQ(f.spec.input.mean, *o.mean);
  EXPECT_EQ(f.spec.input.std, *o.std);
  EXPECT_EQ(f.spec.input.resize, ResizeMode::CenterCrop);
  EXPECT_EQ(f.spec.name, "tiny");
  EXPECT_EQ(f.spec.labels, *o.labels);
  // Tensor names stay the ONNX initializer names.
  EXPECT_TRUE(f.weights.count("c.weight"));
  EXPECT_TRUE(f.weights.count("fc.weight"));
}

}  // namespace
}  // namespace vkcnn
