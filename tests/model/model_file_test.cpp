// The .vkcnn file (docs/design.md, "Model files"): write/read round trip, a file laid out the way Python's
// safetensors writes a PyTorch state_dict, and one rejection with its own message per problem.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <random>

#include <vkcnn/model/graph.h>
#include <vkcnn/model/init.h>
#include <vkcnn/model/model_file.h>

#include "model/safetensors.h"
#include "model/test_files.h"

namespace vkcnn {
namespace {

namespace st = safetensors;
using test::contains;
using test::error_of;
using test::starts_with;

// conv2d over a 3x7x5 RGB input, relu, flatten, dense to 3 classes. Odd sizes on purpose.
const char* kArch = R"({
  "format": "vkcnn-model/1", "name": "tiny",
  "input": {"channels": 3, "height": 7, "width": 5, "color": "rgb",
            "mean": [0.5, 0.4, 0.3], "std": [0.2, 0.25, 0.3], "resize": "letterbox"},
  "labels": ["cat", "dog", "eel"],
  "layers": [
    {"type": "conv2d", "name": "c1", "out_channels": 4, "kernel": 3, "padding": 1},
    {"type": "relu"},
    {"type": "flatten"},
    {"type": "dense", "name": "f1", "out_features": 3}
  ]
})";

// PyTorch's state_dict of that architecture: conv [out, in, kh, kw], dense [out, in], flatten in (C, H, W).
const std::map<std::string, std::vector<int64_t>> kParams = {
    {"c1.weight", {4, 3, 3, 3}}, {"c1.bias", {4}}, {"f1.weight", {3, 4 * 7 * 5}}, {"f1.bias", {3}}};

Weights random_weights(uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> n(0.f, 1.f);
  Weights w;
  for (const auto& [name, dims] : kParams) {
    HostParam p{dims, std::vector<float>(*st::element_count(dims))};
    for (float& v : p.values) v = n(rng);
    w.emplace(name, std::move(p));
  }
  return w;
}

void expect_bit_exact(const Weights& got, const Weights& want) {
  ASSERT_EQ(got.size(), want.size());
  for (const auto& [name, p] : want) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(got.count(name));
    EXPECT_EQ(got.at(name).dims, p.dims);
    ASSERT_EQ(got.at(name).values.size(), p.values.size());
    for (std::size_t i = 0; i < p.values.size(); ++i)
      ASSERT_EQ(std::bit_cast<uint32_t>(got.at(name).values[i]), std::bit_cast<uint32_t>(p.values[i])) << i;
  }
}

TEST(ModelFile, WriteThenReadIsBitExact) {
  test::ScratchDir dir;
  const std::string path = dir.path("tiny.vkcnn");
  ModelSpec spec = parse_model_spec(kArch, "arch");
  Weights weights = random_weights(1);
  weights.at("c1.bias").values[1] = -0.f;  // sign of zero survives too
  write_model_file(path, spec, weights);

  ModelFile file = read_model_file(path);
  EXPECT_EQ(to_json(file.spec), to_json(spec));
  EXPECT_EQ(file.spec.labels, (std::vector<std::string>{"cat", "dog", "eel"}));
  EXPECT_EQ(file.spec.input.resize, ResizeMode::Letterbox);
  expect_bit_exact(file.weights, weights);

  // What Python sees: a PyTorch safetensors file with the architecture in the metadata.
  st::File raw = st::read_file(path);
  EXPECT_EQ(raw.metadata->at("format"), "pt");
  EXPECT_EQ(nlohmann::json::parse(raw.metadata->at("vkcnn.model")), to_json(spec));
  for (const auto& [name, dims] : kParams) EXPECT_EQ(raw.tensors.at(name).dtype, "F32") << name;
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"tiny.vkcnn"});
}

// Builds a file the way `safetensors.torch.save_file(model.state_dict(), path, metadata=...)`
// lays it out, with its own choices where the format leaves them open: the architecture
// written differently (indented, layer names left out), metadata keys in another order, header
// entries in state_dict order rather than by offset, keys inside entries reordered, and space padding.
TEST(ModelFile, ReadsAFileLaidOutByPythonsRules) {
  const std::string arch = R"({"input": {"channels": 3, "height": 7, "width": 5, "color": "rgb",
      "mean": [0.5, 0.4, 0.3], "std": [0.2, 0.25, 0.3]},
    "layers": [{"type": "conv2d", "name": "c1", "out_channels": 4, "kernel": [3, 3], "padding": 1},
               {"type": "relu"}, {"type": "flatten"}, {"type": "dense", "name": "f1", "out_features": 3}]})";
  Weights weights = random_weights(2);
  // Data in name order (what the Rust writer does for equal dtypes): c1.bias, c1.weight, f1.bias, f1.weight.
  std::vector<float> data;
  std::map<std::string, std::pair<std::size_t, std::size_t>> offsets;
  for (const auto& [name, p] : weights) {
    offsets[name] = {data.size() * 4, (data.size() + p.values.size()) * 4};
    data.insert(data.end(), p.values.begin(), p.values.end());
  }
  auto entry = [&](const std::string& name, const char* shape) {
    return "\"" + name + "\":{\"shape\":" + shape + ",\"dtype\":\"F32\",\"data_offsets\":[" +
           std::to_string(offsets[name].first) + "," + std::to_string(offsets[name].second) + "]}";
  };
  std::string header = "{";
  header += entry("c1.weight", "[4,3,3,3]") + "," + entry("c1.bias", "[4]") + ",";
  header += R"("__metadata__":{"format":"pt","vkcnn.model":)" + nlohmann::json(arch).dump() + "},";
  header += entry("f1.weight", "[3,140]") + "," + entry("f1.bias", "[3]") + "}";
  header.append((8 - header.size() % 8) % 8, ' ');

  test::ScratchDir dir;
  const std::string path = dir.path("from_python.vkcnn");
  test::write_raw(path, test::safetensors_image(header, test::f32_bytes(data)));
  ModelFile file = read_model_file(path);
  expect_bit_exact(file.weights, weights);
  EXPECT_EQ(file.spec.layers.size(), 4u);
  EXPECT_EQ(file.spec.input.resize, ResizeMode::Stretch);  // the spec's default
}

// A tensor as stored: dtype, shape and raw bytes, for files vkcnn's writer would refuse to make.
struct Stored {
  std::string dtype;
  std::vector<int64_t> shape;
  std::vector<std::byte> bytes;
};
using StoredTensors = std::map<std::string, Stored>;

StoredTensors stored(const Weights& w) {
  StoredTensors out;
  for (const auto& [name, p] : w) out[name] = {"F32", p.dims, test::f32_bytes(p.values)};
  return out;
}

std::vector<std::byte> image(const std::map<std::string, std::string>& metadata, const StoredTensors& tensors) {
  std::map<std::string, st::TensorRef> refs;
  for (const auto& [name, t] : tensors) refs.emplace(name, st::TensorRef{t.dtype, t.shape, t.bytes});
  return st::serialize(metadata, refs, "test");
}

struct ModelCorruption {
  const char* what;
  std::function<std::vector<std::byte>()> make;
  std::string message;  // part of the message after "<path>: "
};

void set_float(Stored& t, std::size_t index, float value) {
  std::memcpy(t.bytes.data() + 4 * index, &value, sizeof value);
}

std::vector<std::byte> with_arch(const std::string& arch, const StoredTensors& tensors) {
  return image({{"vkcnn.model", arch}, {"format", "pt"}}, tensors);
}

std::string arch_with(const std::string& from, const std::string& to) {
  std::string a = kArch;
  a.replace(a.find(from), from.size(), to);
  return a;
}

std::vector<ModelCorruption> model_corruptions() {
  const StoredTensors good = stored(random_weights(3));
  auto valid = [good] { return with_arch(kArch, good); };
  return {
      {"file shorter than 8 bytes", [] { return test::to_bytes("abc"); }, "file is 3 bytes, too short"},
      {"header length 0", [] { return test::safetensors_image("", {}); }, "header length is 0"},
      {"header length above the cap",
       [valid] {
         auto b = valid();
         b[7] = std::byte{0x40};
         return b;
       },
       "is above the limit of 100000000 bytes"},
      {"header past the end of the file",
       [valid] {
         auto b = valid();
         return std::vector<std::byte>(b.begin(), b.begin() + 100);
       },
       "runs past the end of the file"},
      {"header not JSON", [] { return test::safetensors_image("{\"vkcnn", {}); }, "header is not valid JSON"},
      {"header not an object", [] { return test::safetensors_image("\"vkcnn\"", {}); }, "header must be a JSON object"},
      {"truncated data",
       [valid] {
         auto b = valid();
         b.resize(b.size() - 4);
         return b;
       },
       "tensor 'f1.weight': data_offsets"},
      {"trailing garbage",
       [valid] {
         auto b = valid();
         b.resize(b.size() + 16);
         return b;
       },
       "16 bytes after the last tensor belong to no tensor"},
      {"no __metadata__", [good] { return image({}, good); }, "no __metadata__ in the header"},
      {"no vkcnn.model",
       [good] {
         return image({{"format", "pt"}}, good);
       },
       "__metadata__ has no \"vkcnn.model\" entry"},
      {"architecture not JSON", [good] { return with_arch("{\"layers\": [", good); }, "architecture is not valid JSON"},
      {"unknown layer type", [good] { return with_arch(arch_with("\"relu\"", "\"swish\""), good); },
       "unknown layer type \"swish\""},
      {"kernel larger than the input", [good] { return with_arch(arch_with("\"kernel\": 3", "\"kernel\": 9"), good); },
       "conv2d 'c1': input (1, 3, 7, 5) is too small for kernel 9x9"},
      {"labels that do not fit the output",
       [good] { return with_arch(arch_with("\"out_features\": 3", "\"out_features\": 4"), good); },
       "3 labels for a model with 4 outputs"},
      {"missing tensor",
       [good] {
         auto t = good;
         t.erase("c1.bias");
         return with_arch(kArch, t);
       },
       "missing tensor 'c1.bias' (conv2d 'c1' needs [4])"},
      {"two missing tensors",
       [good] {
         auto t = good;
         t.erase("c1.bias");
         t.erase("f1.bias");
         return with_arch(kArch, t);
       },
       "missing tensor 'c1.bias' (conv2d 'c1' needs [4]) and 1 more"},
      {"wrong shape",
       [good] {
         auto t = good;
         t["f1.weight"].shape = {3, 139};
         t["f1.weight"].bytes.resize(3 * 139 * 4);
         return with_arch(kArch, t);
       },
       "tensor 'f1.weight' has shape [3, 139], but dense 'f1' needs [3, 140]"},
      {"transposed dense weight",
       [good] {
         auto t = good;
         t["f1.weight"].shape = {140, 3};
         return with_arch(kArch, t);
       },
       "tensor 'f1.weight' has shape [140, 3], but dense 'f1' needs [3, 140]"},
      {"unexpected tensor",
       [good] {
         auto t = good;
         t["f2.weight"] = t["f1.bias"];
         return with_arch(kArch, t);
       },
       "unexpected tensor 'f2.weight': the architecture has no parameter of that name"},
      {"float64 weights",
       [good] {
         auto t = good;
         t["c1.bias"] = {"F64", {4}, std::vector<std::byte>(32)};
         return with_arch(kArch, t);
       },
       "tensor 'c1.bias' has dtype F64; only F32 is read"},
      {"integer weights",
       [good] {
         auto t = good;
         t["c1.bias"] = {"I32", {4}, std::vector<std::byte>(16)};
         return with_arch(kArch, t);
       },
       "tensor 'c1.bias' has dtype I32; only F32 is read"},
      // Values that loaded fine and then made every score NaN ("top": [] with exit 0).
      {"NaN weight",
       [good] {
         auto t = good;
         set_float(t["c1.weight"], 5, std::nanf(""));
         return with_arch(kArch, t);
       },
       "tensor 'c1.weight' holds NaN at index 5 (of 108)"},
      {"infinite bias",
       [good] {
         auto t = good;
         set_float(t["f1.bias"], 2, -INFINITY);
         return with_arch(kArch, t);
       },
       "tensor 'f1.bias' holds an infinite value at index 2"},
      {"std that is a denormal float",
       [good] { return with_arch(arch_with("\"std\": [0.2,", "\"std\": [1e-45,"), good); },
       "input \"std\" value 1e-45 is outside"},
      {"rgb with 4 channels", [good] { return with_arch(arch_with("\"channels\": 3", "\"channels\": 4"), good); },
       "input \"color\" \"rgb\" does not fit 4 channel(s)"},
      {"color of the wrong JSON type",
       [good] { return with_arch(arch_with("\"color\": \"rgb\"", "\"color\": 3"), good); },
       "input \"color\" must be a string, got 3"},
      // Nesting used to overflow the stack when a message quoted the value (SIGSEGV).
      {"header nested 100000 deep",
       [] {
         return test::safetensors_image("{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}", {});
       },
       "header nests deeper than 64 levels"},
      {"architecture nested 100000 deep",
       [good] {
         return with_arch(
             arch_with("\"kernel\": 3", "\"kernel\": " + std::string(100000, '[') + std::string(100000, ']')), good);
       },
       "architecture nests deeper than 64 levels"},
      {"metadata value not a string",
       [] { return test::safetensors_image(R"({"__metadata__":{"vkcnn.model":[[[1]]]}})", {}); },
       "__metadata__ must map strings to strings, but \"vkcnn.model\" holds [[[1]]]"},
  };
}

void PrintTo(const ModelCorruption& c, std::ostream* os) { *os << c.what; }

class ModelFileCorruption : public ::testing::TestWithParam<ModelCorruption> {};

TEST_P(ModelFileCorruption, IsRejectedWithItsOwnMessage) {
  test::ScratchDir dir;
  const std::string path = dir.path("bad.vkcnn");
  test::write_raw(path, GetParam().make());
  std::string msg = error_of([&] { read_model_file(path); });
  EXPECT_TRUE(starts_with(msg, path + ": ")) << msg;
  EXPECT_TRUE(contains(msg, GetParam().message)) << msg;
}

INSTANTIATE_TEST_SUITE_P(EachProblem, ModelFileCorruption, ::testing::ValuesIn(model_corruptions()),
                         [](const auto& info) {
                           std::string name = info.param.what;
                           for (char& ch : name)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return name;
                         });

TEST(ModelFile, MissingFileIsNamed) {
  test::ScratchDir dir;
  const std::string path = dir.path("nope.vkcnn");
  EXPECT_EQ(error_of([&] { read_model_file(path); }), path + ": cannot open: No such file or directory");
}

TEST(ModelFile, NegativeBatchnormVarianceIsRejected) {
  ModelSpec spec = parse_model_spec(R"({"input": {"channels": 1, "height": 4, "width": 4},
      "layers": [{"type": "conv2d", "name": "c", "out_channels": 2, "kernel": 3},
                 {"type": "batchnorm2d", "name": "bn"}, {"type": "flatten"},
                 {"type": "dense", "name": "d", "out_features": 3}]})",
                                    "arch");
  Weights weights = initialize_weights(Graph(spec), 1);
  weights.at("bn.running_var").values[1] = -0.5f;
  test::ScratchDir dir;
  const std::string path = dir.path("negative-var.vkcnn");
  write_model_file(path, spec, weights);
  std::string msg = error_of([&] { read_model_file(path); });
  EXPECT_TRUE(starts_with(msg, path + ": tensor 'bn.running_var' holds the negative value -0.5")) << msg;
  weights.at("bn.running_var").values[1] = 0.f;  // zero is a variance (eps keeps it finite)
  write_model_file(path, spec, weights);
  EXPECT_NO_THROW(read_model_file(path));
}

// Names come from the file: a megabyte-long one must not make a megabyte-long message.
TEST(ModelFile, MessagesQuoteLongNamesShortened) {
  StoredTensors t = stored(random_weights(3));
  const std::string long_name(1 << 20, 'x');
  t[long_name] = t["f1.bias"];
  test::ScratchDir dir;
  const std::string path = dir.path("long-name.vkcnn");
  test::write_raw(path, with_arch(kArch, t));
  std::string msg = error_of([&] { read_model_file(path); });
  EXPECT_TRUE(contains(msg, "unexpected tensor 'xxxx")) << msg.substr(0, 200);
  EXPECT_LT(msg.size(), 400u);
}

// Half-precision exports load, widened exactly; vkcnn itself always writes F32.
TEST(ModelFile, HalfPrecisionTensorsAreWidened) {
  Weights weights = random_weights(4);
  StoredTensors t = stored(weights);
  std::vector<uint16_t> halves = {0x3c00, 0xc000, 0x3800, 0x0001};  // 1, -2, 0.5, 2^-24
  auto half_bytes = std::as_bytes(std::span(halves));
  t["c1.bias"] = {"F16", {4}, {half_bytes.begin(), half_bytes.end()}};
  test::ScratchDir dir;
  const std::string path = dir.path("half.vkcnn");
  test::write_raw(path, with_arch(kArch, t));
  ModelFile file = read_model_file(path);
  EXPECT_EQ(file.weights.at("c1.bias").values, (std::vector<float>{1.f, -2.f, 0.5f, std::ldexp(1.f, -24)}));
  weights.erase("c1.bias");
  file.weights.erase("c1.bias");
  expect_bit_exact(file.weights, weights);
}

// A PyTorch BatchNorm2d state_dict carries num_batches_tracked (I64, shape []); it is ignored.
TEST(ModelFile, PytorchBatchnormStepCounterIsIgnored) {
  const std::string arch =
      arch_with(R"({"type": "relu"},)", R"({"type": "batchnorm2d", "name": "bn"}, {"type": "relu"},)");
  ModelSpec spec = parse_model_spec(arch, "arch");
  Weights weights = random_weights(5);
  for (const char* suffix : {"weight", "bias", "running_mean", "running_var"})
    weights.emplace(std::string("bn.") + suffix, HostParam{{4}, {0.5f, 1.5f, 2.5f, 3.5f}});
  StoredTensors t = stored(weights);
  t["bn.num_batches_tracked"] = {"I64", {}, std::vector<std::byte>(8)};
  test::ScratchDir dir;
  const std::string path = dir.path("bn.vkcnn");
  test::write_raw(path, with_arch(to_json(spec).dump(), t));
  expect_bit_exact(read_model_file(path).weights, weights);

  // Only next to a batchnorm layer: elsewhere it is an unexpected tensor like any other.
  t["c1.num_batches_tracked"] = t["bn.num_batches_tracked"];
  test::write_raw(path, with_arch(to_json(spec).dump(), t));
  EXPECT_TRUE(contains(error_of([&] { read_model_file(path); }), "unexpected tensor 'c1.num_batches_tracked'"));
}

TEST(ModelFile, WriterRefusesWeightsThatDoNotFitAndTouchesNothing) {
  test::ScratchDir dir;
  const std::string path = dir.path("out.vkcnn");
  ModelSpec spec = parse_model_spec(kArch, "arch");

  Weights missing = random_weights(6);
  missing.erase("f1.bias");
  EXPECT_EQ(error_of([&] { write_model_file(path, spec, missing); }),
            path + ": missing tensor 'f1.bias' (dense 'f1' needs [3])");

  Weights short_values = random_weights(6);
  short_values.at("c1.bias").values.pop_back();
  EXPECT_EQ(error_of([&] { write_model_file(path, spec, short_values); }),
            path + ": tensor 'c1.bias' holds 3 values, which does not fit its shape [4]");

  Weights extra = random_weights(6);
  extra.emplace("c9.weight", HostParam{{1}, {1.f}});
  EXPECT_TRUE(contains(error_of([&] { write_model_file(path, spec, extra); }), "unexpected tensor 'c9.weight'"));

  ModelSpec unknown = parse_model_spec(arch_with("\"relu\"", "\"swish\""), "arch");
  std::string msg = error_of([&] { write_model_file(path, unknown, random_weights(6)); });
  EXPECT_TRUE(starts_with(msg, path + ": ") && contains(msg, "unknown layer type \"swish\"")) << msg;
  EXPECT_TRUE(dir.entries().empty());

  const std::string nowhere = dir.path("missing-dir/out.vkcnn");
  msg = error_of([&] { write_model_file(nowhere, spec, random_weights(6)); });
  EXPECT_TRUE(starts_with(msg, nowhere + ": cannot write: ")) << msg;
}

}  // namespace
}  // namespace vkcnn
