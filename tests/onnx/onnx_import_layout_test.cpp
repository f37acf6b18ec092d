// DenseNet's and ShuffleNet's building blocks as PyTorch exports them, built in C++: Pad before
// an average pool and Concat (a dense block and transition); a ShuffleNet unit with its channel
// shuffle written out as PyTorch writes x.size() (Shape -> Gather -> Div -> Cast -> Unsqueeze ->
// Concat -> Reshape, Transpose, Reshape) and its chunk as Slice with computed bounds or Split.
// Each is imported, run on the GPU and compared with the double evaluation of the ONNX graph;
// then exported and re-imported. The errors name the nodes vkcnn cannot read.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include <vkcnn/model/forward_plan.h>

#include "onnx/onnx_builder.h"
#include "onnx/onnx_reference.h"
#include "onnx_export.h"
#include "onnx_file.h"
#include "onnx_import.h"
#include "support/gpu_test.h"
#include "support/scratch_dir.h"

namespace vkcnn {
namespace {

using test::OnnxBuilder;

test::ScratchDir& dir() {
  static test::ScratchDir d("vkcnn-onnx-layout");
  return d;
}

std::vector<float> run(const ModelFile& f, uint32_t batch, const std::vector<float>& x) {
  Model model(test::context(), f.spec, f.weights, f.spec.name);
  ForwardPlan plan(model, batch);
  return plan.run(x);
}

// Import against the reference at two batch sizes; then export -> import gives the same outputs.
void expect_matches_reference_and_round_trips(const OnnxBuilder& b, const std::string& what,
                                              const std::vector<std::string>& layer_types) {
  const ModelFile file = import_onnx(b.save(dir().path(what + ".onnx")));
  std::set<std::string> types;
  for (const auto& l : file.spec.layers) types.insert(l.type);
  for (const auto& t : layer_types) EXPECT_TRUE(types.count(t)) << what << " has no " << t << " layer";
  const Graph graph(file.spec, what);
  for (uint32_t batch : {1u, 3u}) {
    std::mt19937 rng(batch);
    auto x = test::random_floats(graph.input_shape(batch).count(), rng, -2.f, 2.f);
    auto y = run(file, batch, x);
    EXPECT_CLOSE_TO_REFERENCE(y, test::onnx_reference_forward(b.model(), batch, test::to_double(x)),
                              test::kForwardTolerance, what + " batch " + std::to_string(batch));
    if (batch == 3) {
      const std::string path = dir().path(what + "-exported.onnx");
      write_onnx_model(path, export_onnx(file, what));
      EXPECT_EQ(run(import_onnx(path), batch, x), y) << what << ": export -> import computes something else";
    }
  }
}

int64_t scalar_index(OnnxBuilder& b, const std::string& name, int64_t i) {
  auto& c = b.node("Constant", {}, {name});
  auto* a = c.add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  a->mutable_t()->set_data_type(onnx::TensorProto::INT64);
  a->mutable_t()->add_int64_data(i);
  return i;
}

// x.size(axis) as PyTorch exports it: Shape -> Gather of a scalar index; the result's name.
std::string size_of(OnnxBuilder& b, const std::string& x, int64_t axis, const std::string& p) {
  b.node("Shape", {x}, {p + "shape"});
  scalar_index(b, p + "axis", axis);
  OnnxBuilder::attr(b.node("Gather", {p + "shape", p + "axis"}, {p + "size"}), "axis", int64_t{0});
  return p + "size";
}

std::string unsqueezed(OnnxBuilder& b, const std::string& s) {
  b.node("Unsqueeze", {s, b.ints(s + ".axes", {0})}, {s + ".1d"});
  return s + ".1d";
}

// torchvision's channel_shuffle(x, groups) on an (N, C, H, W) value, as opset 13 exports it.
void channel_shuffle(OnnxBuilder& b, const std::string& x, int64_t groups, const std::string& out) {
  const std::string n = size_of(b, x, 0, x + "/n"), c = size_of(b, x, 1, x + "/c");
  const std::string h = size_of(b, x, 2, x + "/h"), w = size_of(b, x, 3, x + "/w");
  scalar_index(b, x + "/groups", groups);
  b.node("Div", {c, x + "/groups"}, {x + "/per_group"});
  OnnxBuilder::attr(b.node("Cast", {x + "/per_group"}, {x + "/per_group_i"}), "to", int64_t{7});
  const std::string n1 = unsqueezed(b, n), m1 = unsqueezed(b, x + "/per_group_i");
  const std::string h1 = unsqueezed(b, h), w1 = unsqueezed(b, w);
  OnnxBuilder::attr(b.node("Concat", {n1, b.ints(x + "/g", {groups}), m1, h1, w1}, {x + "/shape5"}), "axis",
                    int64_t{0});
  b.node("Reshape", {x, x + "/shape5"}, {x + "/grouped"});
  OnnxBuilder::attr(b.node("Transpose", {x + "/grouped"}, {x + "/swapped"}), "perm",
                    std::vector<int64_t>{0, 2, 1, 3, 4});
  OnnxBuilder::attr(b.node("Concat", {n1, b.ints(x + "/minus1", {-1}), h1, w1}, {x + "/shape4"}), "axis", int64_t{0});
  b.node("Reshape", {x + "/swapped", x + "/shape4"}, {out});
}

TEST(OnnxImportLayout, DenseBlockWithPadConcatAndTransitionMatchesReference) {
  OnnxBuilder b(13, 11);
  b.input(3, 11, 9);
  auto& stem = b.node("Conv", {"x", b.weight("stem.weight", {6, 3, 3, 3})}, {"s"});
  OnnxBuilder::attr(stem, "pads", std::vector<int64_t>{1, 1, 1, 1});
  b.node("Relu", {"s"}, {"sr"});
  // A dense layer: its new features joined to its input.
  auto& grow = b.node("Conv", {"sr", b.weight("grow.weight", {5, 6, 3, 3})}, {"g"});
  OnnxBuilder::attr(grow, "pads", std::vector<int64_t>{1, 1, 1, 1});
  OnnxBuilder::attr(b.node("Concat", {"sr", "g"}, {"block"}), "axis", int64_t{1});
  // The transition: DenseNet's all-zero Pad, then an asymmetric one with a value, then pools.
  b.node("Pad", {"block", b.ints("zero_pads", {0, 0, 0, 0, 0, 0, 0, 0})}, {"p0"});
  auto& ap = b.node("AveragePool", {"p0"}, {"a"});
  OnnxBuilder::attr(ap, "kernel_shape", std::vector<int64_t>{2, 2});
  OnnxBuilder::attr(ap, "strides", std::vector<int64_t>{2, 2});
  auto& pad = b.node("Pad", {"a", b.ints("pads", {0, 0, 1, 0, 0, 0, 2, 3}), b.floats("fill", {}, {-0.75f})}, {"p1"});
  OnnxBuilder::attr(pad, "mode", std::string("constant"));
  auto& mp = b.node("MaxPool", {"p1"}, {"m"});
  OnnxBuilder::attr(mp, "kernel_shape", std::vector<int64_t>{3, 3});
  b.node("GlobalAveragePool", {"m"}, {"gap"});
  b.node("Flatten", {"gap"}, {"f"});
  auto& fc = b.node("Gemm", {"f", b.weight("fc.weight", {4, 11}), b.weight("fc.bias", {4})}, {"logits"});
  OnnxBuilder::attr(fc, "transB", int64_t{1});
  b.node("Softmax", {"logits"}, {"prob"});
  b.output("prob", {-1, 4});
  expect_matches_reference_and_round_trips(b, "dense-block", {"pad", "concat"});
}

// Two ShuffleNet V2 units: a downsampling one (both branches, Concat, shuffle) and a basic one
// whose input is cut in two by Slice with bounds computed from its shape (or by Split).
void shuffle_units(OnnxBuilder& b, bool split) {
  b.input(3, 13, 11);
  auto& l = b.node("Conv", {"x", b.weight("left.weight", {4, 3, 3, 3})}, {"l"});
  OnnxBuilder::attr(l, "pads", std::vector<int64_t>{1, 1, 1, 1});
  auto& r = b.node("Conv", {"x", b.weight("right.weight", {4, 3, 1, 1})}, {"r"});
  OnnxBuilder::attr(r, "group", int64_t{1});
  b.node("Relu", {"r"}, {"rr"});
  OnnxBuilder::attr(b.node("Concat", {"l", "rr"}, {"u1"}), "axis", int64_t{1});
  channel_shuffle(b, "u1", 2, "s1");
  if (split) {
    OnnxBuilder::attr(b.node("Split", {"s1", b.ints("halves", {3, 5})}, {"x1", "x2"}), "axis", int64_t{1});
  } else {
    // chunk(2, dim=1): ends from (C + 1) / 2 as PyTorch computes them.
    const std::string c = size_of(b, "s1", 1, "s1/c");
    b.node("Add", {unsqueezed(b, c), b.ints("one", {1})}, {"c_plus"});
    b.node("Div", {"c_plus", b.ints("two", {2})}, {"half"});
    b.node("Slice", {"s1", b.ints("zero", {0}), "half", b.ints("axis1", {1})}, {"x1"});
    b.node("Mul", {"half", b.ints("two_again", {2})}, {"end"});
    b.node("Slice", {"s1", "half", "end", b.ints("axis1_again", {1})}, {"x2"});
  }
  const int64_t right = split ? 5 : 4;
  auto& dw = b.node("Conv", {"x2", b.weight("dw.weight", {right, 1, 3, 3})}, {"d"});
  OnnxBuilder::attr(dw, "group", right);
  OnnxBuilder::attr(dw, "pads", std::vector<int64_t>{1, 1, 1, 1});
  b.node("Relu", {"d"}, {"dr"});
  OnnxBuilder::attr(b.node("Concat", {"x1", "dr"}, {"u2"}), "axis", int64_t{1});
  channel_shuffle(b, "u2", 4, "s2");
  b.node("GlobalAveragePool", {"s2"}, {"gap"});
  b.node("Flatten", {"gap"}, {"f"});
  auto& fc = b.node("Gemm", {"f", b.weight("fc.weight", {5, 8}), b.weight("fc.bias", {5})}, {"logits"});
  OnnxBuilder::attr(fc, "transB", int64_t{1});
  b.output("logits", {-1, 5});
}

TEST(OnnxImportLayout, ShuffleUnitsWithComputedShapesAndSliceMatchReference) {
  OnnxBuilder b(13, 12);
  shuffle_units(b, false);
  expect_matches_reference_and_round_trips(b, "shuffle-slice", {"channel_shuffle", "channel_slice"});
}

TEST(OnnxImportLayout, ShuffleUnitsWithSplitMatchReference) {
  OnnxBuilder b(13, 13);
  shuffle_units(b, true);
  expect_matches_reference_and_round_trips(b, "shuffle-split", {"channel_shuffle", "channel_slice"});
}

TEST(OnnxImportLayout, LayoutOpsVkcnnCannotRunAreAllNamed) {
  OnnxBuilder b(13, 14);
  b.input(3, 8, 8);
  b.node("Conv", {"x", b.weight("c.weight", {4, 3, 1, 1})}, {"c"});
  OnnxBuilder::attr(b.node("Pad", {"c", b.ints("pads", {0, 0, 1, 1, 0, 0, 1, 1})}, {"p"}, "/reflect/Pad"), "mode",
                    std::string("reflect"));
  b.node("Pad", {"c", b.ints("cpads", {0, 1, 0, 0, 0, 0, 0, 0})}, {"q"}, "/channels/Pad");
  OnnxBuilder::attr(b.node("Transpose", {"c"}, {"t"}, "/nhwc/Transpose"), "perm", std::vector<int64_t>{0, 2, 3, 1});
  b.node("Slice", {"c", b.ints("s", {1}), b.ints("e", {5}), b.ints("a", {2})}, {"h"}, "/rows/Slice");
  b.node("Shape", {"c"}, {"shape"}, "/dynamic/Shape");  // read as data: no shape vkcnn-import can fold
  OnnxBuilder::attr(b.node("Cast", {"shape"}, {"shape_f"}), "to", int64_t{1});
  b.node("Reshape", {"c", b.ints("five", {0, 3, 3, 8, 8})}, {"odd"}, "/odd/Reshape");
  b.node("GlobalAveragePool", {"c"}, {"g"});
  b.node("Flatten", {"g"}, {"y"});
  b.output("y", {-1, 4});
  const std::string path = b.save(dir().path("layout-errors.onnx"));
  std::string e;
  try {
    import_onnx(path);
    ADD_FAILURE() << "imported without an error";
  } catch (const Error& err) {
    e = err.what();
  }
  for (const std::string part :
       {"node '/reflect/Pad' (Pad): attribute mode \"reflect\": vkcnn pads with a constant only",
        "node '/channels/Pad' (Pad): input pads [0, 1, 0, 0, 0, 0, 0, 0]: vkcnn pads H and W",
        "node '/nhwc/Transpose' (Transpose): attribute perm [0, 2, 3, 1]: vkcnn transposes only inside a channel "
        "shuffle",
        "node '/rows/Slice' (Slice): slicing axes [2] with steps [1]: vkcnn slices channels (axis 1, step 1) only",
        "node '/dynamic/Shape' (Shape): a shape computed at run time that vkcnn-import could not fold into a constant",
        "node '/odd/Reshape' (Reshape): a reshape of [-1, 4, 8, 8] to [-1, 3, 3, 8, 8]"})
    EXPECT_NE(e.find(part), std::string::npos) << "missing \"" << part << "\" in:\n" << e;
}

}  // namespace
}  // namespace vkcnn
