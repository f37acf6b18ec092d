// vkcnn-onnx-test as its users (and ctest's OnnxNodeTests.*) run it, on copies of ONNX's node
// tests that are broken on purpose: a wrong expected value is a FAIL, an unreadable test a
// message naming the file, and both exit 1. Also the importer's test mode itself.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <vkcnn/vk/check.h>

#include "onnx_import.h"
#include "onnx_tensors.h"
#include "support/process.h"
#include "support/scratch_dir.h"

namespace vkcnn {
namespace {

namespace fs = std::filesystem;

test::ScratchDir& dir() {
  static test::ScratchDir d("vkcnn-onnx-node-tests");
  return d;
}

const fs::path kNode = VKCNN_ONNX_NODE_TESTS;

test::ProcessResult run(const std::string& args) {
  return test::run_command(std::string(VKCNN_ONNX_TEST) + " " + args + " 2>&1");
}

// A copy of node test `name` under the scratch dir as `as`.
fs::path copy_test(const std::string& name, const std::string& as) {
  const fs::path to = dir().path(as);
  fs::remove_all(to);
  fs::copy(kNode / name, to, fs::copy_options::recursive);
  return to;
}

onnx::TensorProto read_tensor(const fs::path& file) {
  onnx::TensorProto t;
  std::ifstream in(file, std::ios::binary);
  EXPECT_TRUE(t.ParseFromIstream(&in)) << file;
  return t;
}

void write_tensor(const fs::path& file, const onnx::TensorProto& t) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  ASSERT_TRUE(t.SerializeToOstream(&out)) << file;
}

TEST(OnnxNodeTestsTool, PassesUnsupportedAndTheSummary) {
  auto r = run((kNode / "test_relu").string() + " " + (kNode / "test_add").string());
  EXPECT_EQ(r.status, 0) << r.out;  // UNSUPPORTED alone is no failure
  EXPECT_NE(r.out.find("PASS test_relu\n"), std::string::npos) << r.out;
  EXPECT_NE(
      r.out.find(
          "UNSUPPORTED test_add: 1 node(s) cannot be imported (Add): node 'Add -> sum' (Add): input 'y' is a constant"),
      std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("1 passed, 1 unsupported, 0 failed\n"), std::string::npos) << r.out;
  // --expect-pass: a family where nothing maps onto vkcnn is then an error.
  r = run("--expect-pass " + (kNode / "test_add").string());
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("no test passed (--expect-pass)"), std::string::npos) << r.out;
}

TEST(OnnxNodeTestsTool, AWrongExpectedValueFailsWithTheErrorAndItsIndex) {
  const fs::path t = copy_test("test_relu", "test_relu_wrong");
  const fs::path out = t / "test_data_set_0" / "output_0.pb";
  HostParam want = float_tensor(read_tensor(out));
  want.values.at(7) += 0.5f;
  write_tensor(out, to_tensor_proto("y", want));
  auto r = run(t.string());
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("FAIL test_relu_wrong max error 0.500000 at index 7\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("0 passed, 0 unsupported, 1 failed\n"), std::string::npos) << r.out;
  // Just inside the tolerance (1e-4 + 1e-4 |want|) still passes; just outside does not.
  want = float_tensor(read_tensor(kNode / "test_relu" / "test_data_set_0" / "output_0.pb"));
  const float w = want.values.at(3);
  want.values.at(3) = w + 0.9f * (1e-4f + 1e-4f * std::abs(w));
  write_tensor(out, to_tensor_proto("y", want));
  r = run(t.string());
  EXPECT_EQ(r.status, 0) << r.out;
  want.values.at(3) = w + 1.5f * (1e-4f + 1e-4f * std::abs(w));
  write_tensor(out, to_tensor_proto("y", want));
  r = run(t.string());
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("at index 3\n"), std::string::npos) << r.out;
}

TEST(OnnxNodeTestsTool, UnreadableTestsNameTheFileAndExitOne) {
  const fs::path missing = dir().path("test_no_such_op");
  const fs::path corrupt = copy_test("test_relu", "test_relu_corrupt");
  std::ofstream(corrupt / "test_data_set_0" / "input_0.pb", std::ios::binary | std::ios::trunc)
      << "garbage\x01\x02\x03";
  const fs::path truncated = copy_test("test_relu", "test_relu_truncated");
  const fs::path out = truncated / "test_data_set_0" / "output_0.pb";
  const std::string bytes = test::slurp(out);
  std::ofstream(out, std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() / 2);
  const fs::path no_model = copy_test("test_relu", "test_relu_no_model");
  fs::remove(no_model / "model.onnx");
  const fs::path bad_model = copy_test("test_relu", "test_relu_bad_model");
  std::ofstream(bad_model / "model.onnx", std::ios::binary | std::ios::trunc) << "garbage\x01\x02\x03";
  struct Case {
    fs::path dir;
    std::string message;
  };
  const std::vector<Case> cases = {
      {missing, missing.string() + ": not a directory"},
      {corrupt, (corrupt / "test_data_set_0" / "input_0.pb").string() + ": not a TensorProto"},
      {truncated, (truncated / "test_data_set_0" / "output_0.pb").string() + ": not a TensorProto"},
      {no_model, (no_model / "model.onnx").string() + ": missing"},
      {bad_model, (bad_model / "model.onnx").string() + ": not a valid ONNX model"},
  };
  for (const Case& c : cases) {
    // With a good test after it: that one still runs, and the summary counts the bad one.
    auto r = run(c.dir.string() + " " + (kNode / "test_relu").string());
    EXPECT_EQ(r.status, 1) << c.dir << "\n" << r.out;
    EXPECT_NE(r.out.find("vkcnn-onnx-test: " + c.message), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("PASS test_relu\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("1 passed, 0 unsupported, 0 failed, 1 unreadable\n"), std::string::npos) << r.out;
  }
}

std::string import_error(const fs::path& path, const ImportOptions& options) {
  try {
    import_onnx(path.string(), options);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error importing " << path;
  return "";
}

TEST(OnnxImportTestMode, AnyTensorInAndOutOnlyInTestMode) {
  const fs::path relu = kNode / "test_relu" / "model.onnx";  // x: (3, 4, 5)
  // vkcnn-import's users keep the image checks.
  EXPECT_NE(import_error(relu, {}).find(relu.string() + ": input 'x' (3, 4, 5) is not an image"), std::string::npos);
  ImportOptions options;
  options.tensor_io = true;
  const ModelFile file = import_onnx(relu.string(), options);
  // ONNX's axis i stays axis i: (3, 4, 5) runs as a batch of 3 (4, 5, 1) items, unnormalised.
  EXPECT_EQ(file.spec.input.channels, 4u);
  EXPECT_EQ(file.spec.input.height, 5u);
  EXPECT_EQ(file.spec.input.width, 1u);
  EXPECT_EQ(file.spec.input.mean, std::vector<float>(4, 0.f));
  EXPECT_EQ(file.spec.input.std, std::vector<float>(4, 1.f));

  const fs::path split = kNode / "test_split_equal_parts_1d" / "model.onnx";
  EXPECT_NE(
      import_error(split, options).find(split.string() + ": the model has 3 outputs; vkcnn computes one output tensor"),
      std::string::npos);
  const fs::path uint8 = kNode / "test_maxpool_2d_uint8" / "model.onnx";
  EXPECT_NE(import_error(uint8, options).find("input 'x' (1, 1, 5, 5) is not a float tensor of rank 1 to 4"),
            std::string::npos);
  const fs::path add = kNode / "test_add" / "model.onnx";  // inputs x and y
  EXPECT_NE(import_error(add, options)
                .find(add.string() + ": the model has 2 inputs besides its weights and bound constants"),
            std::string::npos);
}

TEST(OnnxImportTestMode, BoundInputsBecomeConstants) {
  const fs::path conv = kNode / "test_basic_conv_with_padding";  // inputs x and W
  ImportOptions options;
  options.tensor_io = true;
  onnx::TensorProto w = read_tensor(conv / "test_data_set_0" / "input_1.pb");
  w.set_name("W");
  options.constant_inputs = {w};
  const ModelFile file = import_onnx((conv / "model.onnx").string(), options);
  ASSERT_EQ(file.spec.layers.size(), 1u);
  EXPECT_EQ(file.spec.layers[0].type, "conv2d");
  ASSERT_EQ(file.weights.size(), 1u);
  EXPECT_EQ(file.weights.begin()->second.values, float_tensor(w).values);
  // Only graph inputs can be bound.
  w.set_name("nope");
  options.constant_inputs = {w};
  EXPECT_NE(
      import_error(conv / "model.onnx", options)
          .find((conv / "model.onnx").string() + ": cannot bind 'nope' to a constant: the graph has no such input"),
      std::string::npos);
}

}  // namespace
}  // namespace vkcnn
