// ONNX models built here, imported, run on the GPU (batchnorm folded, activations fused) and
// compared with a double-precision evaluation of the ONNX graph by ONNX's own definitions
// (onnx/onnx_reference.cpp), on random data, odd image sizes and two batch sizes.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include <vkcnn/model/forward_plan.h>
#include <vkcnn/model/scores.h>

#include "onnx/onnx_builder.h"
#include "onnx/onnx_reference.h"
#include "onnx_import.h"
#include "support/gpu_test.h"
#include "support/scratch_dir.h"

namespace vkcnn {
namespace {

using test::OnnxBuilder;

void expect_import_matches_reference(const OnnxBuilder& b, const std::string& what, uint32_t seed) {
  static test::ScratchDir dir("vkcnn-onnx-forward");
  const std::string path = b.save(dir.path(what + ".onnx"));
  const ModelFile file = import_onnx(path);
  Model model(test::context(), file.spec, file.weights, path);
  for (uint32_t batch : {1u, 3u}) {
    ForwardPlan plan(model, batch);
    std::mt19937 rng(seed + batch);
    auto x = test::random_floats(plan.input().shape.count(), rng, -2.f, 2.f);
    auto ref = test::onnx_reference_forward(b.model(), batch, test::to_double(x));
    EXPECT_CLOSE_TO_REFERENCE(plan.run(x), ref, test::kForwardTolerance, what + " batch " + std::to_string(batch));
  }
}

// Batchnorm with statistics far from the identity, so that folding it into the conv is tested.
void batch_norm(OnnxBuilder& b, const std::string& name, int64_t c, const std::string& in, const std::string& out) {
  b.weight(name + ".weight", {c}, 0.5f, 1.5f);
  b.weight(name + ".bias", {c});
  b.weight(name + ".running_mean", {c});
  b.weight(name + ".running_var", {c}, 0.5f, 1.5f);
  auto& n = b.node("BatchNormalization",
                   {in, name + ".weight", name + ".bias", name + ".running_mean", name + ".running_var"}, {out});
  OnnxBuilder::attr(n, "epsilon", 1e-3f);
}

TEST(OnnxImport, ConvBatchnormReluPoolGemmSoftmaxMatchesReference) {
  OnnxBuilder b(13, 1);
  b.input(3, 13, 11);
  auto& c1 = b.node("Conv", {"x", b.weight("conv1.weight", {8, 3, 3, 3}), b.weight("conv1.bias", {8})}, {"c1"});
  OnnxBuilder::attr(c1, "pads", std::vector<int64_t>{1, 1, 1, 1});
  batch_norm(b, "bn1", 8, "c1", "b1");
  b.node("Relu", {"b1"}, {"r1"});
  auto& mp = b.node("MaxPool", {"r1"}, {"p1"});
  OnnxBuilder::attr(mp, "kernel_shape", std::vector<int64_t>{2, 2});
  OnnxBuilder::attr(mp, "strides", std::vector<int64_t>{2, 2});
  auto& c2 = b.node("Conv", {"p1", b.weight("conv2.weight", {6, 8, 3, 3})}, {"c2"});
  OnnxBuilder::attr(c2, "strides", std::vector<int64_t>{2, 1});
  OnnxBuilder::attr(c2, "dilations", std::vector<int64_t>{1, 2});
  OnnxBuilder::attr(c2, "pads", std::vector<int64_t>{1, 2, 1, 2});
  b.node("Clip", {"c2", b.floats("zero", {}, {0.f}), b.floats("six", {}, {6.f})}, {"a2"});
  b.node("GlobalAveragePool", {"a2"}, {"g"});
  OnnxBuilder::attr(b.node("Flatten", {"g"}, {"f"}), "axis", int64_t{1});
  auto& fc = b.node("Gemm", {"f", b.weight("fc.weight", {5, 6}), b.weight("fc.bias", {5})}, {"logits"});
  OnnxBuilder::attr(fc, "transB", int64_t{1});
  OnnxBuilder::attr(fc, "alpha", 0.7f);
  OnnxBuilder::attr(fc, "beta", 1.3f);
  b.node("Softmax", {"logits"}, {"prob"});
  b.output("prob", {-1, 5});
  expect_import_matches_reference(b, "conv-bn-relu-pool-gemm", 1);
}

TEST(OnnxImport, DepthwiseGroupedLeakyAveragePoolReduceMeanMatchesReference) {
  OnnxBuilder b(13, 2);
  b.input(3, 15, 9);
  auto& dw = b.node("Conv", {"x", b.weight("dw.weight", {6, 1, 3, 3}), b.weight("dw.bias", {6})}, {"d"});
  OnnxBuilder::attr(dw, "group", int64_t{3});
  OnnxBuilder::attr(dw, "auto_pad", std::string("SAME_UPPER"));
  OnnxBuilder::attr(b.node("LeakyRelu", {"d"}, {"l"}), "alpha", 0.2f);
  auto& g = b.node("Conv", {"l", b.weight("grouped.weight", {4, 3, 1, 1})}, {"gr"});
  OnnxBuilder::attr(g, "group", int64_t{2});
  batch_norm(b, "bn", 4, "gr", "gb");
  auto& ap = b.node("AveragePool", {"gb"}, {"ap"});
  OnnxBuilder::attr(ap, "kernel_shape", std::vector<int64_t>{3, 3});
  OnnxBuilder::attr(ap, "strides", std::vector<int64_t>{2, 2});
  OnnxBuilder::attr(ap, "pads", std::vector<int64_t>{1, 1, 1, 1});
  auto& ap2 = b.node("AveragePool", {"ap"}, {"ap2"});
  OnnxBuilder::attr(ap2, "kernel_shape", std::vector<int64_t>{3, 3});
  OnnxBuilder::attr(ap2, "pads", std::vector<int64_t>{1, 1, 1, 1});
  OnnxBuilder::attr(ap2, "count_include_pad", int64_t{1});
  auto& rm = b.node("ReduceMean", {"ap2"}, {"m"});
  OnnxBuilder::attr(rm, "axes", std::vector<int64_t>{-1, 2});
  OnnxBuilder::attr(rm, "keepdims", int64_t{0});
  b.node("Gemm", {"m", b.weight("head.weight", {4, 7}), b.weight("head.bias", {1, 7})}, {"logits"});
  b.output("logits", {-1, 7});
  expect_import_matches_reference(b, "depthwise-grouped", 2);
}

TEST(OnnxImport, ResidualAddMatMulBiasAndSigmoidHeadMatchReferenceWithoutSoftmax) {
  OnnxBuilder b(13, 3);
  b.input(3, 7, 13);
  auto& stem = b.node("Conv", {"x", b.weight("stem.weight", {5, 3, 3, 3}), b.weight("stem.bias", {5})}, {"s"});
  OnnxBuilder::attr(stem, "pads", std::vector<int64_t>{1, 1, 1, 1});
  b.node("Relu", {"s"}, {"sr"});
  auto& c = b.node("Conv", {"sr", b.weight("branch.weight", {5, 5, 3, 3})}, {"br"});
  OnnxBuilder::attr(c, "pads", std::vector<int64_t>{1, 1, 1, 1});
  b.node("Add", {"br", "sr"}, {"res"});
  b.node("Relu", {"res"}, {"rr"});
  b.node("Dropout", {"rr"}, {"dr"});
  b.node("Reshape", {"dr", b.ints("flat_shape", {0, -1})}, {"flat"});
  b.node("MatMul", {"flat", b.weight("fc.weight_t", {5 * 7 * 13, 4})}, {"mm"});
  b.node("Add", {"mm", b.weight("fc.bias", {4})}, {"logits"});
  b.node("Identity", {"logits"}, {"id"});
  b.node("Sigmoid", {"id"}, {"scores"});
  b.output("scores", {-1, 4});
  expect_import_matches_reference(b, "residual-sigmoid", 3);

  static test::ScratchDir dir("vkcnn-onnx-sigmoid");
  const ModelFile file = import_onnx(b.save(dir.path("m.onnx")));
  EXPECT_EQ(file.spec.layers.back().type, "sigmoid");
  const Model model(test::context(), file.spec, file.weights, "residual-sigmoid");
  EXPECT_TRUE(outputs_independent_scores(model.graph())) << "a sigmoid head must not get a softmax on top";
  EXPECT_FALSE(outputs_probabilities(model.graph()));
}

// pads [0, 0, 1, 1] with stride 2 on 13 pixels: the extra bottom/right cell is never read, so
// the symmetric layer is exact (6 x 6 either way). SAME_LOWER with stride 1 pads one each side.
TEST(OnnxImport, AsymmetricPadsThatAreNeverReadMatchReference) {
  OnnxBuilder b(13, 4);
  b.input(1, 13, 13);
  auto& c = b.node("Conv", {"x", b.weight("a.weight", {4, 1, 3, 3}), b.weight("a.bias", {4})}, {"a"});
  OnnxBuilder::attr(c, "strides", std::vector<int64_t>{2, 2});
  OnnxBuilder::attr(c, "pads", std::vector<int64_t>{0, 0, 1, 1});
  auto& s = b.node("Conv", {"a", b.weight("s.weight", {4, 4, 3, 3})}, {"s"});
  OnnxBuilder::attr(s, "auto_pad", std::string("SAME_LOWER"));
  b.node("Flatten", {"s"}, {"f"});
  b.node("Gemm", {"f", b.weight("fc.weight", {4 * 6 * 6, 3}), b.weight("fc.bias", {3})}, {"y"});
  b.output("y", {-1, 3});
  expect_import_matches_reference(b, "asymmetric-pads", 4);
}

TEST(OnnxImport, MaxPoolCeilAndFloorModeMatchReference) {
  for (int64_t ceil_mode : {0, 1}) {
    OnnxBuilder b(13, 5);
    b.input(3, 12, 11);
    auto& mp = b.node("MaxPool", {"x"}, {"p"});
    OnnxBuilder::attr(mp, "kernel_shape", std::vector<int64_t>{3, 3});
    OnnxBuilder::attr(mp, "strides", std::vector<int64_t>{2, 2});
    OnnxBuilder::attr(mp, "ceil_mode", ceil_mode);
    auto& ap = b.node("AveragePool", {"p"}, {"a"});
    OnnxBuilder::attr(ap, "kernel_shape", std::vector<int64_t>{2, 2});
    OnnxBuilder::attr(ap, "strides", std::vector<int64_t>{2, 2});
    OnnxBuilder::attr(ap, "ceil_mode", ceil_mode);
    b.node("Flatten", {"a"}, {"f"});
    const int64_t features = ceil_mode ? 3 * 3 * 3 : 3 * 2 * 2;
    b.node("Gemm", {"f", b.weight("fc.weight", {features, 6})}, {"y"});
    b.output("y", {-1, 6});
    expect_import_matches_reference(b, "pool-ceil-" + std::to_string(ceil_mode), 5);
  }
}

// Opset 11: Clip's bounds from Constant nodes, Softmax's axis defaulting to 1.
TEST(OnnxImport, Opset11ClipFromConstantsAndSoftmaxDefaultAxisMatchReference) {
  OnnxBuilder b(11, 6);
  b.input(3, 9, 9);
  auto& lo = b.node("Constant", {}, {"lo"});
  auto& hi = b.node("Constant", {}, {"hi"});
  for (auto [n, v] : {std::pair{&lo, 0.f}, {&hi, 6.f}}) {
    auto* a = n->add_attribute();
    a->set_name("value");
    a->set_type(onnx::AttributeProto::TENSOR);
    a->mutable_t()->set_data_type(onnx::TensorProto::FLOAT);
    a->mutable_t()->add_float_data(v);
  }
  auto& c = b.node("Conv", {"x", b.weight("c.weight", {4, 3, 3, 3}, -2.f, 2.f)}, {"c"});
  OnnxBuilder::attr(c, "auto_pad", std::string("VALID"));
  b.node("Clip", {"c", "lo", "hi"}, {"r6"});
  b.node("GlobalAveragePool", {"r6"}, {"g"});
  b.node("Flatten", {"g"}, {"f"});
  b.node("Gemm", {"f", b.weight("fc.weight", {4, 3})}, {"l"});
  b.node("Softmax", {"l"}, {"p"});
  b.output("p", {-1, 3});
  expect_import_matches_reference(b, "opset11", 6);
}

// A PyTorch-style head ending in nn.LogSoftmax(dim=1) (before NLLLoss): the imported model's
// output is the log-probabilities of the double reference, and the scores users see
// (probabilities()) are exp of them.
TEST(OnnxImport, LogSoftmaxHeadGivesLogProbabilitiesAndScoresThatAreTheirExp) {
  OnnxBuilder b(13, 12);
  b.input(3, 10, 9);
  b.node("Conv", {"x", b.weight("c.weight", {6, 3, 3, 3}, -1.f, 1.f), b.weight("c.bias", {6})}, {"c"});
  b.node("Relu", {"c"}, {"r"});
  b.node("GlobalAveragePool", {"r"}, {"g"});
  b.node("Flatten", {"g"}, {"f"});
  b.node("Gemm", {"f", b.weight("fc.weight", {6, 7}, -3.f, 3.f)}, {"l"});
  b.node("LogSoftmax", {"l"}, {"y"});
  b.output("y", {-1, 7});
  expect_import_matches_reference(b, "log-softmax", 12);

  static test::ScratchDir dir("vkcnn-onnx-logsoftmax");
  const std::string path = b.save(dir.path("log-softmax.onnx"));
  const ModelFile file = import_onnx(path);
  ASSERT_EQ(file.spec.layers.back().type, "log_softmax");
  Model model(test::context(), file.spec, file.weights, path);
  EXPECT_EQ(output_kind(model.graph()), OutputKind::LogSoftmax);
  const uint32_t batch = 2;
  ForwardPlan plan(model, batch);
  std::mt19937 rng(13);
  auto x = test::random_floats(plan.input().shape.count(), rng, -2.f, 2.f);
  const auto out = plan.run(x);
  const auto ref = test::onnx_reference_forward(b.model(), batch, test::to_double(x));
  const std::size_t classes = 7;
  for (std::size_t n = 0; n < batch; ++n) {
    const auto p = probabilities(model.graph(), std::span(out).subspan(n * classes, classes));
    std::vector<double> expected(classes);
    double sum = 0;
    for (std::size_t k = 0; k < classes; ++k) sum += expected[k] = std::exp(ref[n * classes + k]);
    EXPECT_NEAR(sum, 1.0, 1e-9) << "the reference is log-probabilities";
    EXPECT_CLOSE_TO_REFERENCE(p, expected, test::kForwardTolerance, "probabilities of image " + std::to_string(n));
  }
}

// Clip with bounds other than relu6's and relu's becomes clamp: both bounds, min only (max
// left empty), max only (min an empty name), each after a conv that must not fuse it.
TEST(OnnxImport, ClipWithAnyBoundsBecomesClampAndMatchesReference) {
  OnnxBuilder b(13, 8);
  b.input(3, 9, 7);
  b.node("Conv", {"x", b.weight("c1.weight", {5, 3, 3, 3}, -1.f, 1.f)}, {"c1"});
  b.node("Clip", {"c1", b.floats("lo", {}, {-0.5f}), b.floats("hi", {}, {0.75f})}, {"a1"}, "/both/Clip");
  b.node("Conv", {"a1", b.weight("c2.weight", {6, 5, 1, 1}, -1.f, 1.f)}, {"c2"});
  b.node("Clip", {"c2", b.floats("lo2", {}, {-0.25f})}, {"a2"}, "/low/Clip");
  b.node("Clip", {"a2", "", b.floats("hi2", {}, {0.5f})}, {"a3"}, "/high/Clip");
  b.node("GlobalAveragePool", {"a3"}, {"g"});
  b.node("Flatten", {"g"}, {"f"});
  b.node("Gemm", {"f", b.weight("fc.weight", {6, 4})}, {"y"});
  b.output("y", {-1, 4});
  expect_import_matches_reference(b, "clip-any", 8);

  static test::ScratchDir dir("vkcnn-onnx-clip");
  const ModelFile file = import_onnx(b.save(dir.path("clip.onnx")));
  std::vector<std::string> clamps;
  for (const LayerSpec& l : file.spec.layers)
    if (l.type == "clamp")
      clamps.push_back(l.attributes.value("min", nlohmann::json("none")).dump() + "," +
                       l.attributes.value("max", nlohmann::json("none")).dump());
  EXPECT_EQ(clamps, (std::vector<std::string>{"-0.5,0.75", "-0.25,\"none\"", "\"none\",0.5"}));
}

}  // namespace
}  // namespace vkcnn

namespace vkcnn {
namespace {

// MobileNetV3's and EfficientNet's pieces as PyTorch exports them: HardSwish, a squeeze-and-
// excitation gate (HardSigmoid with alpha 1/6, its Mul with the per-channel factor first), SiLU
// as x * Sigmoid(x), Tanh; then SqueezeNet's fire module (Concat of two branches), one through
// a HardSigmoid with ONNX's own alpha and beta (a layer of its own, not fused into the conv).
TEST(OnnxImport, GatesNewActivationsAndConcatMatchReference) {
  OnnxBuilder b(14, 7);
  b.input(3, 11, 9);
  auto& c1 = b.node("Conv", {"x", b.weight("stem.weight", {8, 3, 3, 3}), b.weight("stem.bias", {8})}, {"c1"});
  OnnxBuilder::attr(c1, "pads", std::vector<int64_t>{1, 1, 1, 1});
  b.node("HardSwish", {"c1"}, {"h1"});
  b.node("GlobalAveragePool", {"h1"}, {"sq"});
  b.node("Conv", {"sq", b.weight("se.fc.weight", {8, 8, 1, 1}), b.weight("se.fc.bias", {8})}, {"se1"});
  auto& hs = b.node("HardSigmoid", {"se1"}, {"gate"});
  OnnxBuilder::attr(hs, "alpha", 1.f / 6.f);
  b.node("Mul", {"gate", "h1"}, {"excited"});
  b.node("Sigmoid", {"excited"}, {"sig"});
  b.node("Mul", {"excited", "sig"}, {"silu"});
  b.node("Conv", {"silu", b.weight("e1.weight", {4, 8, 1, 1})}, {"e1"});
  auto& hs_onnx = b.node("HardSigmoid", {"e1"}, {"h_e1"});
  OnnxBuilder::attr(hs_onnx, "alpha", 0.2f);
  OnnxBuilder::attr(hs_onnx, "beta", 0.45f);
  auto& e3 = b.node("Conv", {"silu", b.weight("e3.weight", {5, 8, 3, 3})}, {"e3"});
  OnnxBuilder::attr(e3, "pads", std::vector<int64_t>{1, 1, 1, 1});
  b.node("Tanh", {"e3"}, {"t3"});
  OnnxBuilder::attr(b.node("Concat", {"h_e1", "t3", "silu"}, {"fire"}), "axis", int64_t{1});
  b.node("GlobalAveragePool", {"fire"}, {"g"});
  OnnxBuilder::attr(b.node("Flatten", {"g"}, {"f"}), "axis", int64_t{1});
  auto& fc = b.node("Gemm", {"f", b.weight("fc.weight", {6, 17}), b.weight("fc.bias", {6})}, {"logits"});
  OnnxBuilder::attr(fc, "transB", int64_t{1});
  b.node("Softmax", {"logits"}, {"prob"});
  b.output("prob", {-1, 6});
  expect_import_matches_reference(b, "gates-activations-concat", 7);
}

}  // namespace
}  // namespace vkcnn
